/* stride [PAGES] [STRIDE]: touches every STRIDE-th page of the first PAGES pages of a 256 MiB bss array, twice. */
#include "common.h"
#define MAXPAGES (65536L)
static unsigned char big[MAXPAGES * PAGE];

int main(int argc, char **argv) {
  const char *u = "[PAGES<=65536] [STRIDE>=1]";
  long pages = arg_long(argc, argv, 1, 16384, MAXPAGES, u);
  long stride = arg_long(argc, argv, 2, 4, MAXPAGES, u);
  if (stride < 1) { fprintf(stderr, "usage: %s %s\n", argv[0], u); return 2; }
  unsigned long h = FNV_INIT; long n = 0;
  for (int pass = 0; pass < 2; pass++)
    for (long p = 0; p < pages; p += stride) { big[p * PAGE] += (unsigned char)(p + pass); h = mix(h, big[p * PAGE]); n++; }
  printf("stride: %ld touches, stride %ld, checksum %016lx\n", n, stride, h);
  return 0;
}
