/*
 * diagnose.c: why the kernel refused to let us trace, in words a user can act on.
 *
 * When PTRACE_SEIZE or perf_event_open fails with EPERM/EACCES the errno alone says nothing useful.
 * The facts that decide it are all in /proc: who owns the target (real and effective uid: a set-user-ID
 * program), whether someone already traces it, Yama's ptrace_scope, perf_event_paranoid. This file
 * reads them and turns them into one message and one hint; main.c prints them as
 * "NAME: message; hint [CODE]" and passes both to pagewise on the report fd. It is the only place the
 * reasons are worded: `pagewise trace` and `tracepgfault` say the same thing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tracer.h"

static int read_int(const char *path, int def) {
  FILE *f = fopen(path, "re");
  int v = def;
  if (f) { if (fscanf(f, "%d", &v) != 1) v = def; fclose(f); }
  return v;
}

int diag_paranoid(void) { return read_int("/proc/sys/kernel/perf_event_paranoid", -99); }

void diag_ptrace(pid_t pid, const char *err, char *msg, size_t msz, char *hint, size_t hsz) {
  int uids[4] = {-1, -1, -1, -1}, tracer = 0;
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  while (f && fgets(line, sizeof line, f)) {
    sscanf(line, "Uid: %d %d %d %d", &uids[0], &uids[1], &uids[2], &uids[3]);
    sscanf(line, "TracerPid: %d", &tracer);
  }
  if (f) fclose(f);
  int me = (int)getuid(), yama = read_int("/proc/sys/kernel/yama/ptrace_scope", -1);
  int n = snprintf(msg, msz, "cannot trace process %d (PTRACE_SEIZE: %s)", (int)pid, err);
  size_t at = n < 0 ? 0 : (size_t)n < msz ? (size_t)n : msz - 1;
  int other = 0;
  for (int i = 0; i < 4; i++) other |= uids[i] >= 0 && uids[i] != me;
  if (tracer > 0) {
    snprintf(msg + at, msz - at, ": it is already traced by process %d", tracer);
    snprintf(hint, hsz, "a process has one tracer at a time: stop the other tracer (strace, gdb, perf trace ...) first");
  } else if (me != 0 && other) {
    char suid[96] = "";
    if (uids[1] != uids[0]) snprintf(suid, sizeof suid, ", effective uid %d: a set-user-ID program", uids[1]);
    snprintf(msg + at, msz - at, ": it is not your process (it runs as uid %d%s; you are uid %d)", uids[0], suid, me);
    snprintf(hint, hsz, "trace only processes you own, or run pagewise as root (or as that user)");
  } else if (me != 0 && yama >= 1) {
    static const char *what[] = {"", "only a parent may trace its descendants", "only root (CAP_SYS_PTRACE) may attach",
                                 "no process may attach"};
    snprintf(msg + at, msz - at, ": kernel.yama.ptrace_scope is %d (%s)", yama, what[yama > 3 ? 3 : yama]);
    snprintf(hint, hsz, "%s", yama >= 3 ? "ptrace_scope 3 cannot be lowered until reboot; start the program under pagewise trace -- CMD instead"
                                        : "start the program under pagewise trace -- CMD instead, or lower it: sysctl -w kernel.yama.ptrace_scope=0");
  } else if (me != 0) {
    snprintf(msg + at, msz - at, ": the process is not dumpable (it changed credentials, e.g. a set-user-ID program, or called prctl(PR_SET_DUMPABLE, 0))");
    snprintf(hint, hsz, "run pagewise as root to trace it, or start it under pagewise trace -- CMD");
  } else {
    snprintf(hint, hsz, "the kernel refused even root: check for a security module (SELinux, AppArmor) or a container seccomp profile");
  }
}

void diag_perf(const char *err, char *msg, size_t msz, char *hint, size_t hsz) {
  int paranoid = diag_paranoid(), me = (int)getuid();
  if (paranoid > 2 && me != 0) {
    snprintf(msg, msz, "the kernel refused the page-fault events (perf_event_open: %s): kernel.perf_event_paranoid is %d, "
             "which forbids perf events to ordinary users", err, paranoid);
    snprintf(hint, hsz, "lower kernel.perf_event_paranoid to 2 (sysctl -w kernel.perf_event_paranoid=2), which lets a user "
             "trace their own processes; or run as root");
  } else {
    char p[64] = "";
    if (paranoid != -99) snprintf(p, sizeof p, " although kernel.perf_event_paranoid is %d", paranoid);
    snprintf(msg, msz, "the kernel refused the page-fault events (perf_event_open: %s)%s", err, p);
    snprintf(hint, hsz, "perf_event_open may be blocked by a container seccomp profile or a security module; run on the host, "
             "or allow perf_event_open");
  }
}
