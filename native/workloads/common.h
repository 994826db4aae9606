/*
 * common.h: what every bundled workload shares: argument parsing with a usage line, and a checksum.
 * Workloads are small, static and deterministic: the same arguments give the same output on every
 * run, loaded by execve or by pagewise's loader, so tests compare outputs byte for byte.
 */
#ifndef PW_WORKLOAD_COMMON_H
#define PW_WORKLOAD_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096UL

/* Parse argv[i] as a positive integer no larger than max; default def when absent. Exits 2 on bad input. */
static __attribute__((unused)) long arg_long(int argc, char **argv, int i, long def, long max, const char *usage) {
  if (argc <= i) return def;
  char *end;
  long v = strtol(argv[i], &end, 0);
  if (*argv[i] == 0 || *end != 0 || v < 0 || v > max) {
    fprintf(stderr, "usage: %s %s\n", argv[0], usage);
    exit(2);
  }
  return v;
}

/* FNV-1a over a 64-bit value, folded into h. */
static inline __attribute__((unused)) unsigned long mix(unsigned long h, unsigned long v) {
  for (int i = 0; i < 8; i++) { h ^= (v >> (8 * i)) & 0xff; h *= 0x100000001b3UL; }
  return h;
}
#define FNV_INIT 0xcbf29ce484222325UL

/* A small deterministic generator (xorshift64*). */
static inline unsigned long rng(unsigned long *s) {
  unsigned long x = *s; x ^= x >> 12; x ^= x << 25; x ^= x >> 27; *s = x; return x * 0x2545F4914F6CDD1DUL;
}
#endif
