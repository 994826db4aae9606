/*
 * pagewise-exec: run one program as a child and report how it ended, with its resource usage.
 *
 * Node cannot wait4(), so `pagewise run` (and any other command that needs a child's rusage) spawns
 * this small wrapper with inherited stdio and a pipe on REPORT_FD:
 *   pagewise-exec REPORT_FD -- PROGRAM ARGS...
 * 1. Create a shared page (memfd, PW_LOADER_SHM_SIZE bytes) that the child may map (the loader keeps
 *    its state and counters there); an argument equal to PW_EXEC_SHM_PLACEHOLDER is replaced by its fd.
 * 2. fork; the child restores default SIGINT/SIGQUIT and execv()s PROGRAM. An exec failure reaches the
 *    parent through a close-on-exec pipe (exec_errno in the report).
 * 3. The parent ignores SIGINT/SIGQUIT (as a shell waiting for a foreground job), wait4()s the child,
 *    and writes one struct pw_exec_report plus the shared page to REPORT_FD.
 * 4. Its own exit status is 0 when the report was written, PW_EXIT_FAILED (one line on stderr) otherwise;
 *    the child's status is in the report, never in this exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "shm.h"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n) {
    ssize_t r = write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r; n -= (size_t)r;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4 || strcmp(argv[2], "--") != 0) {
    fprintf(stderr, "usage: pagewise-exec REPORT_FD -- PROGRAM ARGS...\n");
    return PW_EXIT_USAGE;
  }
  char *end;
  long rfd = strtol(argv[1], &end, 10);
  if (*end || rfd < 0 || rfd > 1 << 20) {
    fprintf(stderr, "pagewise-exec: bad report fd '%s'\n", argv[1]);
    return PW_EXIT_USAGE;
  }
  int report_fd = (int)rfd;
  fcntl(report_fd, F_SETFD, FD_CLOEXEC);

  /* 1. shared page */
  int shm_fd = memfd_create("pagewise-loader-shm", 0);
  if (shm_fd < 0 || ftruncate(shm_fd, PW_LOADER_SHM_SIZE) < 0) {
    fprintf(stderr, "pagewise-exec: cannot create the shared page: %s\n", strerror(errno));
    return PW_EXIT_FAILED;
  }
  char fdbuf[16];
  snprintf(fdbuf, sizeof fdbuf, "%d", shm_fd);
  char **cargv = argv + 3;
  for (char **a = cargv; *a; a++)
    if (strcmp(*a, PW_EXEC_SHM_PLACEHOLDER) == 0) *a = fdbuf;
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0) {
    fprintf(stderr, "pagewise-exec: pipe: %s\n", strerror(errno));
    return PW_EXIT_FAILED;
  }

  /* 2. fork + exec */
  struct sigaction ign = {.sa_handler = SIG_IGN}, oint, oquit;
  uint64_t t0 = now_ns();
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "pagewise-exec: fork: %s\n", strerror(errno));
    return PW_EXIT_FAILED;
  }
  if (pid == 0) {
    close(errpipe[0]);
    execv(cargv[0], cargv);
    int e = errno;
    (void)!write(errpipe[1], &e, sizeof e);
    _exit(127);
  }
  sigaction(SIGINT, &ign, &oint);
  sigaction(SIGQUIT, &ign, &oquit);
  close(errpipe[1]);
  int exec_errno = 0;
  if (read(errpipe[0], &exec_errno, sizeof exec_errno) != sizeof exec_errno) exec_errno = 0;
  close(errpipe[0]);

  /* 3. wait and report */
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "pagewise-exec: wait4: %s\n", strerror(errno));
      return PW_EXIT_FAILED;
    }
  }
  uint64_t t1 = now_ns();
  struct pw_exec_report rep;
  memset(&rep, 0, sizeof rep);
  rep.magic = PW_EXEC_REPORT_MAGIC;
  rep.version = PW_EXEC_REPORT_VERSION;
  rep.wait_status = status;
  rep.shm_size = PW_LOADER_SHM_SIZE;
  rep.wall_ns = t1 - t0;
  rep.start_ns = t0;
  rep.utime_us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec;
  rep.stime_us = (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
  rep.maxrss_kb = (uint64_t)ru.ru_maxrss;
  rep.minflt = (uint64_t)ru.ru_minflt;
  rep.majflt = (uint64_t)ru.ru_majflt;
  rep.nvcsw = (uint64_t)ru.ru_nvcsw;
  rep.nivcsw = (uint64_t)ru.ru_nivcsw;
  rep.pid = pid;
  rep.exec_errno = exec_errno;
  static char page[PW_LOADER_SHM_SIZE];
  if (pread(shm_fd, page, sizeof page, 0) != (ssize_t)sizeof page) memset(page, 0, sizeof page);
  if (write_all(report_fd, &rep, sizeof rep) < 0 || write_all(report_fd, page, sizeof page) < 0) {
    fprintf(stderr, "pagewise-exec: cannot write the report to fd %d: %s\n", report_fd, strerror(errno));
    return PW_EXIT_FAILED;
  }
  return 0;
}
