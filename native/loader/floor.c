/*
 * pagewise-fault-floor PAGES: the floor for demand paging by signal, for bench/loader.mjs.
 * 1. Reserve PAGES pages PROT_NONE. 2. Install a SIGSEGV handler that maps the faulting page
 * (mmap MAP_FIXED anonymous read-write) and returns. 3. Write one byte of every page in order, then
 * read them back (the access pattern of the seqscan workload), print a checksum.
 * Nothing else: no lookup, no bookkeeping; the loader's per-fault cost is measured against this.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)uc;
  void *page = (void *)((unsigned long)si->si_addr & ~4095UL);
  if (mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) abort();
}

int main(int argc, char **argv) {
  long pages = argc > 1 ? strtol(argv[1], NULL, 10) : 4096;
  if (pages < 0 || pages > (1L << 20)) { fprintf(stderr, "usage: pagewise-fault-floor [PAGES<=1048576]\n"); return 2; }
  unsigned char *big = mmap(NULL, (size_t)(pages ? pages : 1) * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (big == MAP_FAILED) return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  for (long p = 0; p < pages; p++) big[p * 4096] = (unsigned char)(p * 7 + 1);
  unsigned long h = 1469598103934665603UL;
  for (long p = 0; p < pages; p++) h = (h ^ (big[p * 4096] + big[p * 4096 + 4095])) * 1099511628211UL;
  printf("floor: %ld pages, checksum %016lx\n", pages, h);
  return 0;
}
