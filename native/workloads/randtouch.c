/* randtouch [PAGES] [TOUCHES]: touches TOUCHES pseudo-random pages among the first PAGES of a 256 MiB bss array. */
#include "common.h"
#define MAXPAGES (65536L) /* 256 MiB */
static unsigned char big[MAXPAGES * PAGE];

int main(int argc, char **argv) {
  const char *u = "[PAGES<=65536] [TOUCHES]";
  long pages = arg_long(argc, argv, 1, 16384, MAXPAGES, u);
  long touches = arg_long(argc, argv, 2, 4096, 1L << 30, u);
  if (pages == 0) pages = 1;
  unsigned long s = 0x9e3779b97f4a7c15UL, h = FNV_INIT;
  for (long i = 0; i < touches; i++) {
    long p = (long)(rng(&s) % (unsigned long)pages);
    big[p * PAGE + (i & 63)] += 1;
    h = mix(h, (unsigned long)p);
  }
  /* count distinct pages from a separate small map, so that counting touches no page of big: the
   * fault pattern stays purely random (a scan of big here would add a sequential pass over it all) */
  static unsigned char seen[MAXPAGES];
  s = 0x9e3779b97f4a7c15UL;
  long distinct = 0;
  for (long i = 0; i < touches; i++) {
    long p = (long)(rng(&s) % (unsigned long)pages);
    if (!seen[p]) { seen[p] = 1; distinct++; }
  }
  printf("randtouch: %ld touches over %ld pages, %ld distinct, checksum %016lx\n", touches, pages, distinct, h);
  return 0;
}
