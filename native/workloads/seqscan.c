/* seqscan [PAGES]: writes then reads PAGES pages of a 1 GiB bss array in order (default 4096 = 16 MiB). */
#include "common.h"
#define MAXPAGES (262144L) /* 1 GiB */
static unsigned char big[MAXPAGES * PAGE];

int main(int argc, char **argv) {
  long pages = arg_long(argc, argv, 1, 4096, MAXPAGES, "[PAGES<=262144]");
  for (long p = 0; p < pages; p++) big[p * PAGE] = (unsigned char)(p * 7 + 1);
  unsigned long h = FNV_INIT;
  for (long p = 0; p < pages; p++) h = mix(h, big[p * PAGE] + big[p * PAGE + PAGE - 1]);
  printf("seqscan: %ld pages, checksum %016lx\n", pages, h);
  return 0;
}
