/* threads [THREADS] [PAGES]: THREADS threads each write and sum PAGES pages of their own slice of a bss array. */
#include "common.h"
#include <pthread.h>
#define MAXPAGES 65536L
static unsigned char big[MAXPAGES * PAGE];
static long per;
static unsigned long sums[64];

static void *work(void *arg) {
  long id = (long)arg;
  unsigned char *base = big + id * per * PAGE;
  for (long p = 0; p < per; p++) base[p * PAGE] = (unsigned char)(id + p);
  unsigned long s = 0;
  for (long p = 0; p < per; p++) s += base[p * PAGE];
  sums[id] = s;
  return NULL;
}

int main(int argc, char **argv) {
  const char *u = "[THREADS<=64] [PAGES]";
  long n = arg_long(argc, argv, 1, 4, 64, u);
  if (n < 1) n = 1;
  per = arg_long(argc, argv, 2, 1024, MAXPAGES, u);
  if (per * n > MAXPAGES) per = MAXPAGES / n;
  pthread_t t[64];
  for (long i = 0; i < n; i++) if (pthread_create(&t[i], NULL, work, (void *)i)) { printf("FAIL: %s:%d pthread_create\n", __FILE__, __LINE__); return 1; }
  unsigned long h = FNV_INIT;
  for (long i = 0; i < n; i++) { pthread_join(t[i], NULL); h = mix(h, sums[i]); }
  printf("threads: %ld threads x %ld pages, checksum %016lx\n", n, per, h);
  return 0;
}
