/* sparsedata [STRIDE]: reads one byte every STRIDE pages (default 64) of a 16 MiB initialized data array: a big image, little of it used. */
#include "common.h"
#define PAGES 4096L /* 16 MiB */
/* Non-zero initializer: the array lives in .data, in the file, so its pages are file-backed. */
#define ROW(i) [(i) * PAGE] = (unsigned char)(i + 1)
static volatile unsigned char table[PAGES * PAGE] = { ROW(0), ROW(1), ROW(2), ROW(3) };

int main(int argc, char **argv) {
  long stride = arg_long(argc, argv, 1, 64, PAGES, "[STRIDE<=4096]");
  if (stride < 1) stride = 1;
  unsigned long h = FNV_INIT; long n = 0;
  for (long p = 0; p < PAGES; p += stride) { h = mix(h, table[p * PAGE]); n++; }
  printf("sparsedata: %ld reads, stride %ld, checksum %016lx\n", n, stride, h);
  return 0;
}
