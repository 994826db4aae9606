/* counter [COUNT]: prints "counter N" every 100 ms for N = 1..COUNT (default 100), then "counter done SUM": for checkpointing. */
#include "common.h"
#include <time.h>

int main(int argc, char **argv) {
  long count = arg_long(argc, argv, 1, 100, 1L << 40, "[COUNT]");
  setvbuf(stdout, NULL, _IOLBF, 0);
  static unsigned long state[4096]; /* some data that must survive a restart unchanged */
  for (int i = 0; i < 4096; i++) state[i] = (unsigned long)i * 2654435761UL;
  unsigned long sum = 0;
  for (long n = 1; n <= count; n++) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0) {}
    state[n % 4096] += (unsigned long)n;
    sum += state[n % 4096];
    printf("counter %ld\n", n);
  }
  printf("counter done %lu\n", sum);
  return 0;
}
