/* mallocheavy [ROUNDS]: allocates, fills, checks and frees blocks of many sizes (small to 1 MiB) from malloc. */
#include "common.h"
#define SLOTS 512

int main(int argc, char **argv) {
  long rounds = arg_long(argc, argv, 1, 20000, 1L << 30, "[ROUNDS]");
  static unsigned char *slot[SLOTS];
  static size_t len[SLOTS];
  unsigned long s = 42, h = FNV_INIT;
  for (long r = 0; r < rounds; r++) {
    int i = (int)(rng(&s) % SLOTS);
    if (slot[i]) {
      for (size_t k = 0; k < len[i]; k += 512) if (slot[i][k] != (unsigned char)(len[i] + k)) { printf("FAIL: %s:%d heap block %d corrupted\n", __FILE__, __LINE__, i); return 1; }
      h = mix(h, len[i]);
      free(slot[i]);
    }
    unsigned long x = rng(&s);
    len[i] = (x & 7) == 0 ? (x >> 8) % (1 << 20) + 1 : (x >> 8) % 2048 + 1;
    slot[i] = malloc(len[i]);
    if (!slot[i]) { printf("FAIL: %s:%d malloc(%zu) returned NULL\n", __FILE__, __LINE__, len[i]); return 1; }
    for (size_t k = 0; k < len[i]; k += 512) slot[i][k] = (unsigned char)(len[i] + k);
  }
  for (int i = 0; i < SLOTS; i++) free(slot[i]);
  printf("mallocheavy: %ld rounds, checksum %016lx\n", rounds, h);
  return 0;
}
