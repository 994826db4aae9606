/*
 * pagewise-tracer: records every page fault of a command (or a running process) and every change of
 * its address space into a pagewise trace (docs/formats/trace.md), with no kernel patch and no root.
 *
 *   pagewise-tracer [-f] [-v] [--ring-pages N] [--report-fd FD] -o OUT|- (-p PID | -- CMD [ARGS...])
 *
 * The story (docs/tracer.md has the why of each step):
 *   1. Check the arguments; open OUT (mode 0600, written as it goes so a reader can follow it; "-"
 *      is our stdout, and the traced program's stdout then goes to stderr).
 *   2. Command mode: fork. The child asks to be traced (PTRACE_TRACEME), stops itself, sets
 *      no_new_privs, installs a seccomp filter that returns SECCOMP_RET_TRACE for the memory system
 *      calls only, unblocks signals and execs. Before letting it go on, the parent sets the ptrace
 *      options and opens the perf events on it with enable_on_exec: counting starts at exec.
 *      Attach mode (-p): PTRACE_SEIZE every thread, open the events enabled on each thread, and
 *      stop each once (PTRACE_INTERRUPT) to resume it with PTRACE_SYSCALL (no filter can be installed
 *      into a running process, so every system call stops: slower, see docs/tracer.md).
 *   3. The trace begins at the first exec (command) or once attached: header with the info JSON, a TASK
 *      start record, the initial layout from /proc/PID/maps (cause 0).
 *   4. Event loop: poll(signalfd, one ring per CPU); drain the rings (FAULT, LOST), reap wait4 results
 *      (tasks.c: memory-call exits -> layout diff, fork/clone/exec/exit -> TASK), flush the writer once
 *      per round: records reach OUT in batches, no system call per fault.
 *   5. The end: when every traced task is gone (or, in attach mode, on SIGINT/SIGTERM: detach all):
 *      last drain, COUNTS (rusage or /proc/PID/stat, and the perf counters), END, flush.
 *      Exit with the traced command's status (128+signal when killed); our own failures are reported
 *      as "NAME: message; hint [CODE]" on stderr (diagnose.c says why the kernel refused) and, with
 *      --report-fd, as one JSON line with the same message and hint (pagewise prints it then).
 *   --classic OUTFILE CMD [ARGS...] is `tracepgfault` (bin/tracepgfault): the classic argument order,
 *   with the summary line, and no Node in between (its fixed cost is a few milliseconds).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "tracer.h"

struct tracer T;
struct rusage main_rusage;
static int have_rusage;
static uint8_t wbuf[4 << 20];
extern int tasks_live(void);

#define PTRACE_OPTS (PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | \
                     PTRACE_O_TRACECLONE | PTRACE_O_TRACESECCOMP)

/* ---- small helpers ---- */
static uint64_t clock_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
uint64_t now_mono(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t rel_time(uint64_t mono) { return mono > T.start_mono ? mono - T.start_mono : 0; }

void report(const char *fmt, ...) {
  if (T.report_fd < 0) return;
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof buf - 2) n = (int)sizeof buf - 2;
  buf[n++] = '\n';
  pw_write_all(T.report_fd, buf, (size_t)n);
}

/* JSON string body of s (quotes not included) into out (at least 6*len+1 bytes). */
static void json_escape(char *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { *out++ = '\\'; *out++ = (char)c; }
    else if (c < 0x20) out += sprintf(out, "\\u%04x", c);
    else *out++ = (char)c;
  }
  *out = 0;
}

static const char *errname(long neg) {
  const char *n = pw_errname(neg);
  if (strcmp(n, "error") != 0) return n;
  if (-neg == ESRCH) return "ESRCH";
  if (-neg == ECHILD) return "ECHILD";
  if (-neg == ENOEXEC) return "ENOEXEC";
  if (-neg == EPIPE) return "EPIPE";
  return strerror((int)-neg);
}

static pid_t child_pid;

/* Our own failure, or the kernel's refusal: one line "NAME: message; hint [CODE]" on stderr (unless
 * pagewise reads the report fd: it prints the same line itself), one JSON line on the report fd, exit
 * 2 for bad input and refusals, 1 otherwise. The trace file is removed if nothing was traced yet. */
static char tmp_path[4096]; /* OUT is written here until tracing begins, then renamed (open_output) */

static __attribute__((noreturn)) void fail(const char *code, long err, const char *msg, const char *hint) {
  char esc[6 * 1024 + 1], hesc[6 * 1024 + 1];
  if (T.report_fd < 0)
    fprintf(stderr, "%s: %s%s%s [%s]\n", T.name, msg, hint && *hint ? "; " : "", hint ? hint : "", code);
  json_escape(esc, msg);
  json_escape(hesc, hint ? hint : "");
  report("{\"event\":\"error\",\"code\":\"%s\",\"errno\":\"%s\",\"message\":\"%s\",\"hint\":\"%s\"}", code,
         err ? errname(err) : "", esc, hesc);
  if (child_pid > 0) kill(child_pid, SIGKILL);
  if (tmp_path[0]) unlink(tmp_path); /* set until tracing begins (trace_begin renames it) */
  int bad_input = !strcmp(code, "USAGE") || !strcmp(code, "TRACE_NO_SUCH_PID") || !strcmp(code, "TRACE_COMMAND_NOT_FOUND") ||
                  !strcmp(code, "TRACE_PTRACE_DENIED") || !strcmp(code, "TRACE_PERF_DENIED") || !strcmp(code, "TRACE_EXEC_FAILED");
  exit(bad_input ? 2 : 1);
}

void die_errno(const char *code, long err, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (err && n >= 0 && (size_t)n < sizeof msg) snprintf(msg + n, sizeof msg - (size_t)n, ": %s", errname(err));
  const char *hint = "";
  if (!strcmp(code, "WRITE_FAILED") && err == -EPIPE) hint = "the reader of the trace stopped reading (a closed pipe); the program was stopped";
  fail(code, err, msg, hint);
}

/* The kernel said no: say why, from the facts in /proc (diagnose.c). */
static void die_refused(const char *code, long err, pid_t pid) {
  char msg[1024], hint[512];
  if (!strcmp(code, "TRACE_PERF_DENIED")) diag_perf(errname(err), msg, sizeof msg, hint, sizeof hint);
  else diag_ptrace(pid, errname(err), msg, sizeof msg, hint, sizeof hint);
  fail(code, err, msg, hint);
}

#define CLASSIC_USAGE "usage: tracepgfault OUTFILE CMD [ARGS...]"
static const char CLASSIC_HELP[] =
  CLASSIC_USAGE "\n"
  "Records every page fault and region change of CMD into OUTFILE (mode 0600), from its first instruction\n"
  "until it is reaped: the same trace as pagewise trace -o OUTFILE -- CMD ARGS..., from the native collector\n"
  "alone (no Node start-up: a few milliseconds of fixed cost). Exits with CMD's status (128+N when killed by\n"
  "signal N); 2 when CMD cannot be run or the kernel refuses (the message says why and what to change).\n"
  "example: tracepgfault seq.pwt native/build/workloads/seqscan 4096 && pagewise show seq.pwt\n";

static void usage(const char *complaint) {
  char msg[512];
  if (T.classic) snprintf(msg, sizeof msg, "%s; " CLASSIC_USAGE, complaint);
  else snprintf(msg, sizeof msg, "%s; usage: pagewise-tracer [-f] [-v] [--access] [--ring-pages N] [--report-fd FD] "
                "[--name NAME] [--summary] -o OUT|- (-p PID | -- CMD [ARGS...]) | --classic OUTFILE CMD [ARGS...]", complaint);
  fail("USAGE", 0, msg, "");
}

/* ---- 1. arguments and output ---- */
static void parse_args(int argc, char **argv) {
  T.report_fd = -1; T.ring_pages = 1024; T.out_fd = -1; T.name = "pagewise-tracer";
  if (argc > 1 && !strcmp(argv[1], "--classic")) { /* tracepgfault OUTFILE CMD [ARGS...] */
    T.classic = 1; T.summary = 1; T.name = "tracepgfault";
    if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) { fputs(CLASSIC_HELP, stdout); exit(0); }
    if (argc < 4 || argv[2][0] == '-') usage("give the output file and the command to trace");
    T.out_path = argv[2];
    T.argv = argv + 3;
    return;
  }
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (!strcmp(a, "-f")) T.follow = 1;
    else if (!strcmp(a, "-v")) T.verbose = 1;
    else if (!strcmp(a, "--access")) T.access = 1;
    else if (!strcmp(a, "--summary")) T.summary = 1;
    else if (!strcmp(a, "--name") && i + 1 < argc) T.name = argv[++i];
    else if (!strcmp(a, "-o") && i + 1 < argc) T.out_path = argv[++i];
    else if (!strcmp(a, "-p") && i + 1 < argc) {
      char *end; long p = strtol(argv[++i], &end, 10);
      if (*end || p <= 0 || p > 0x3fffffff) usage("-p needs a process id");
      T.attach = 1; T.target = (pid_t)p;
    } else if (!strcmp(a, "--ring-pages") && i + 1 < argc) {
      char *end; long n = strtol(argv[++i], &end, 10);
      if (*end || n < 8 || n > (1 << 20) || (n & (n - 1))) usage("--ring-pages must be a power of two from 8 to 1048576");
      T.ring_pages = (int)n;
    } else if (!strcmp(a, "--report-fd") && i + 1 < argc) {
      T.report_fd = atoi(argv[++i]);
      fcntl(T.report_fd, F_SETFD, FD_CLOEXEC);
    } else if (a[0] == '-') {
      usage("unknown option");
    } else break;
  }
  if (!T.out_path) usage("-o OUT is required");
  if (T.attach && i < argc) usage("give either -p PID or a command, not both");
  if (!T.attach) {
    if (i >= argc) usage("no command given");
    T.argv = argv + i;
  }
}

static void open_output(void) {
  if (!strcmp(T.out_path, "-")) {
    T.out_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (T.out_fd < 0) die_errno("WRITE_FAILED", -errno, "cannot use stdout for the trace");
  } else {
    /* A new file beside OUT, renamed over it when tracing begins (trace_begin): a command that cannot
     * be run, or a refusal by the kernel, leaves an existing OUT as it was. */
    if ((size_t)snprintf(tmp_path, sizeof tmp_path, "%s.pagewise-%d", T.out_path, (int)getpid()) >= sizeof tmp_path)
      die_errno("WRITE_FAILED", -ENAMETOOLONG, "cannot create %s", T.out_path);
    T.out_fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (T.out_fd < 0) { int e = errno; tmp_path[0] = 0; die_errno("WRITE_FAILED", -e, "cannot create %s", T.out_path); }
    fchmod(T.out_fd, 0600);
  }
  pw_tw_init(&T.w, T.out_fd, wbuf, sizeof wbuf);
}

/* ---- 2. start-up ---- */
static void install_filter(void) {
  /* SECCOMP_RET_TRACE | nr for the memory calls, allow everything else. */
  static const long nrs[] = { __NR_mmap, __NR_munmap, __NR_mprotect, __NR_mremap, __NR_brk,
                              __NR_shmat, __NR_shmdt, __NR_pkey_mprotect };
  struct sock_filter f[4 + 2 * 8 + 1];
  int n = 0;
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (size_t i = 0; i < 8; i++) {
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nrs[i], 0, 1);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | (uint32_t)nrs[i]);
  }
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
    int e = errno;
    (void)!write(3, (int[2]){ 1, e }, sizeof(int[2]));
    _exit(127);
  }
}

/* The child's side, between fork and exec. fd 3 is the error pipe (close-on-exec). */
static void child_main(int errpipe) {
  if (T.report_fd >= 0 && T.report_fd != errpipe) close(T.report_fd);
  if (errpipe != 3) { dup2(errpipe, 3); close(errpipe); }
  fcntl(3, F_SETFD, FD_CLOEXEC);
  if (!strcmp(T.out_path, "-")) dup2(2, 1); /* the trace owns stdout */
  if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) {
    int e = errno;
    (void)!write(3, (int[2]){ 2, e }, sizeof(int[2]));
    _exit(127);
  }
  raise(SIGSTOP);
  install_filter();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execvp(T.argv[0], T.argv);
  int e = errno;
  (void)!write(3, (int[2]){ 3, e }, sizeof(int[2]));
  _exit(127);
}

static int errpipe_rd = -1;

static void start_command(void) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die_errno("INTERNAL", -errno, "cannot create a pipe");
  child_pid = fork();
  if (child_pid < 0) die_errno("TRACE_START_FAILED", -errno, "cannot fork");
  if (child_pid == 0) { close(p[0]); child_main(p[1]); }
  close(p[1]);
  errpipe_rd = p[0];
  signal(SIGPIPE, SIG_IGN); /* a reader of -o - that goes away is a write error (EPIPE), not our death */
  T.target = child_pid;
  int st;
  if (waitpid(child_pid, &st, __WALL) < 0 || !WIFSTOPPED(st)) {
    int msg[2] = {0, 0};
    if (read(errpipe_rd, msg, sizeof msg) == sizeof msg && msg[0] == 2)
      die_refused("TRACE_PTRACE_DENIED", -msg[1], child_pid);
    die_errno("TRACE_START_FAILED", 0, "the child did not stop before exec");
  }
  if (ptrace(PTRACE_SETOPTIONS, child_pid, 0, PTRACE_OPTS | PTRACE_O_EXITKILL) < 0)
    die_refused("TRACE_PTRACE_DENIED", -errno, child_pid);
  int e = perf_open_all(&child_pid, 1, 1);
  if (e == -EACCES || e == -EPERM) die_refused("TRACE_PERF_DENIED", e, child_pid);
  if (e < 0) die_errno("TRACE_START_FAILED", e, "perf_event_open of the page-fault events");
  struct task *t = task_get(child_pid);
  t->tgid = child_pid; t->seen_stop = 1;
  T.main_alive = 1;
  ptrace(PTRACE_CONT, child_pid, 0, 0);
}

static void read_stat_faults(pid_t pid, uint64_t *minflt, uint64_t *majflt) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return;
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* comm may hold spaces */
  unsigned long long mn, mj;
  if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu", &mn, &mj) == 2) { *minflt = mn; *majflt = mj; }
}

static void start_attach(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)T.target);
  DIR *d = opendir(path);
  if (!d) die_errno("TRACE_NO_SUCH_PID", 0, "no process %d", (int)T.target);
  pid_t tids[4096]; int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 4096) if (de->d_name[0] != '.') tids[n++] = (pid_t)atoi(de->d_name);
  closedir(d);
  /* the leader first: its events own the rings */
  for (int i = 0; i < n; i++) if (tids[i] == T.target) { tids[i] = tids[0]; tids[0] = T.target; }
  for (int i = 0; i < n; i++) {
    if (ptrace(PTRACE_SEIZE, tids[i], 0, PTRACE_OPTS) < 0) {
      if (errno == ESRCH && i > 0) continue; /* a thread that just ended */
      if (errno == ESRCH) die_errno("TRACE_NO_SUCH_PID", 0, "no process %d", (int)T.target);
      die_refused("TRACE_PTRACE_DENIED", -errno, T.target);
    }
    struct task *t = task_get(tids[i]);
    t->tgid = T.target;
  }
  int e = perf_open_all(tids, n, 0);
  if (e < 0) {
    tasks_detach_all();
    if (e == -EACCES || e == -EPERM) die_refused("TRACE_PERF_DENIED", e, T.target);
    die_errno("TRACE_START_FAILED", e, "perf_event_open of the page-fault events on process %d", (int)T.target);
  }
  read_stat_faults(T.target, &T.base_minflt, &T.base_majflt);
  signal(SIGPIPE, SIG_IGN);
  T.main_alive = 1;
  extern void trace_begin(void);
  trace_begin();
  for (int i = 0; i < T.ntasks; i++) if (T.tasks[i].in_use) ptrace(PTRACE_INTERRUPT, T.tasks[i].tid, 0, 0);
}

/* ---- 3. the trace begins ---- */
static void write_header(void) {
  static char info[65536], esc[6 * 4096 + 1];
  struct utsname u;
  uname(&u);
  int n = 0;
  n += snprintf(info + n, sizeof info - (size_t)n, "{\"argv\":[");
  static char cmdline[8192], *attached_argv[256];
  if (T.attach && !T.argv) { /* the running process's own argv, from /proc/PID/cmdline */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)T.target);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t len = fd >= 0 ? read(fd, cmdline, sizeof cmdline - 1) : -1;
    if (fd >= 0) close(fd);
    int k = 0;
    for (ssize_t p = 0; p < len && k < 255; p += (ssize_t)strlen(cmdline + p) + 1) attached_argv[k++] = cmdline + p;
    attached_argv[k] = NULL;
    T.argv = attached_argv;
  }
  if (T.argv) {
    for (int i = 0; T.argv[i] && n < (int)sizeof info - 30000; i++) {
      char arg[4096];
      snprintf(arg, sizeof arg, "%s", T.argv[i]);
      json_escape(esc, arg);
      n += snprintf(info + n, sizeof info - (size_t)n, "%s\"%s\"", i ? "," : "", esc);
    }
  }
  json_escape(esc, u.release);
  n += snprintf(info + n, sizeof info - (size_t)n,
                "],\"pid\":%d,\"kernel\":\"%s\",\"perf_event_paranoid\":%d,\"mode\":\"%s\",\"follow\":%s,"
                "\"uid\":%d,\"cpus\":%d,\"ring_pages\":%d,\"kernel_faults\":%s,\"access\":%s,"
                "\"collector\":\"pagewise-tracer\",\"regions\":\"%s\"}",
                (int)T.target, esc, diag_paranoid(),
                T.attach ? "attach" : "command", T.follow ? "true" : "false", (int)getuid(), T.ncpu, T.ring_pages,
                T.kernel_faults ? "true" : "false", T.access ? "true" : "false",
                T.follow ? "every followed process (SPACE records)" : "main process");
  uint32_t flags = PW_TRACE_F_IP | PW_TRACE_F_MAJOR | (T.kernel_faults ? PW_TRACE_F_KERNEL : 0) | (T.access ? PW_TRACE_F_ACCESS : 0) |
                   (T.follow ? PW_TRACE_F_FOLLOW : 0);
  if (pw_tw_header(&T.w, flags, T.start_mono, T.start_real, PW_TRACE_SOURCE_TRACE, info, (uint32_t)n) < 0)
    die_errno("WRITE_FAILED", T.w.err, "cannot write the trace header to %s", T.out_path);
}

void trace_begin(void) {
  if (tmp_path[0]) {
    if (rename(tmp_path, T.out_path) < 0) die_errno("WRITE_FAILED", -errno, "cannot create %s", T.out_path);
    tmp_path[0] = 0;
  }
  T.started = 1;
  write_header();
  uint64_t t = rel_time(now_mono());
  pid_t parent = getpid();
  if (T.attach) { /* its real parent, from /proc/PID/status */
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)T.target);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f)) if (sscanf(line, "PPid: %d", &parent) == 1) break;
    if (f) fclose(f);
  }
  pw_tw_task(&T.w, (uint32_t)T.target, t, PW_TASK_START, (uint32_t)T.target, (uint32_t)parent, 0);
  for (int i = 0; T.attach && i < T.ntasks; i++) /* the threads it already had */
    if (T.tasks[i].in_use && T.tasks[i].tid != T.target)
      pw_tw_task(&T.w, (uint32_t)T.tasks[i].tid, t, PW_TASK_START, (uint32_t)T.target, (uint32_t)T.target, 0);
  struct layout l;
  T.space_written = T.target; /* regions before any SPACE record are the main process's */
  struct space *sp = space_new(T.target);
  if (layout_read(T.target, &l) == 0) layout_replace_all(sp, &l, t, PW_CAUSE_INITIAL);
  pw_tw_flush(&T.w);
  report("{\"event\":\"started\",\"pid\":%d,\"kernel_faults\":%s}", (int)T.target, T.kernel_faults ? "true" : "false");
}

/* ---- 4. the event loop ---- */
static void reap_all(void) {
  for (;;) {
    int status;
    struct rusage ru;
    pid_t tid = wait4(-1, &status, WNOHANG | __WALL, &ru);
    if (tid <= 0) return;
    if (tid == T.target && (WIFEXITED(status) || WIFSIGNALED(status))) have_rusage = 1;
    if (!T.started && tid == T.target && (WIFEXITED(status) || WIFSIGNALED(status))) {
      int msg[2] = {0, 0};
      if (read(errpipe_rd, msg, sizeof msg) == sizeof msg) {
        child_pid = 0;
        if (msg[0] == 3 && (msg[1] == ENOENT || msg[1] == ENOTDIR))
          die_errno("TRACE_COMMAND_NOT_FOUND", 0, "command not found: %s", T.argv[0]);
        if (msg[0] == 3) die_errno("TRACE_EXEC_FAILED", -msg[1], "cannot run %s", T.argv[0]);
        die_errno("TRACE_START_FAILED", -msg[1], "cannot install the seccomp filter in the child");
      }
      child_pid = 0;
      die_errno("TRACE_START_FAILED", 0, "the child ended before exec (status 0x%x)", status);
    }
    task_handle(tid, status, &ru);
  }
}

static void event_loop(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD); sigaddset(&set, SIGINT); sigaddset(&set, SIGTERM); sigaddset(&set, SIGHUP);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die_errno("INTERNAL", -errno, "signalfd");
  struct pollfd pf[MAX_CPUS + 1];
  int np = 0;
  pf[np++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
  for (int i = 0; i < T.ncpu; i++) if (T.rings[i].base) pf[np++] = (struct pollfd){ .fd = T.rings[i].fd, .events = POLLIN };
  reap_all(); /* anything that happened before the signalfd existed */
  while (tasks_live() > 0) {
    poll(pf, (nfds_t)np, 100);
    perf_drain();
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == sizeof si) {
      if (si.ssi_signo == SIGCHLD) continue;
      if (T.attach) { /* Ctrl-C / kill: stop tracing, let the process run on */
        perf_drain();
        tasks_detach_all();
        break;
      }
      /* Command mode: a signal sent to us by a process (pagewise itself, kill) is passed on to the program;
       * one from the terminal (Ctrl-C: si_code SI_KERNEL) reached the program's process group already. */
      if (si.ssi_code != SI_KERNEL && T.main_alive) kill(T.target, (int)si.ssi_signo);
    }
    reap_all();
    if (T.w.err) {
      if (child_pid > 0 && !T.attach) kill(child_pid, SIGKILL);
      die_errno("WRITE_FAILED", T.w.err, "cannot write the trace to %s", T.out_path);
    }
    if (T.started) pw_tw_flush(&T.w); /* records of the exec itself wait for the header */
  }
  close(sfd);
}

/* ---- 5. the end ---- */
static int finish(void) {
  perf_drain();
  uint64_t t = rel_time(now_mono());
  uint64_t counted = perf_counted(NULL, NULL);
  uint64_t mn = PW_TRACE_UNKNOWN_COUNT, mj = PW_TRACE_UNKNOWN_COUNT;
  if (have_rusage) { mn = (uint64_t)main_rusage.ru_minflt; mj = (uint64_t)main_rusage.ru_majflt; }
  if (T.attach) { /* what it took while attached */
    if (!have_rusage) { mn = T.base_minflt; mj = T.base_majflt; read_stat_faults(T.target, &mn, &mj); }
    mn -= T.base_minflt; mj -= T.base_majflt;
  }
  pw_tw_counts(&T.w, (uint32_t)T.target, t, mn, mj, counted);
  /* Samples dropped for a full ring are reported by the kernel only before its next record: when the
   * process ended first, the counter is the only witness. Nothing is lost silently. */
  if (counted != PW_TRACE_UNKNOWN_COUNT && counted > T.samples + T.w.lost) pw_tw_lost(&T.w, 0, t, counted - T.samples - T.w.lost);
  if (pw_tw_end(&T.w, t) < 0) die_errno("WRITE_FAILED", T.w.err, "cannot write the trace to %s", T.out_path);
  if (T.out_fd != 1) close(T.out_fd);
  if (T.throttled) fprintf(stderr, "%s: warning: the kernel throttled the events %llu times\n",
                           T.name, (unsigned long long)T.throttled);
  if (T.verbose) {
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    fprintf(stderr, "%s: collector cpu user %.3f s sys %.3f s; %llu faults, %llu lost, ring %d pages x %d cpus\n", T.name,
            self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6, self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6,
            (unsigned long long)T.w.faults, (unsigned long long)T.w.lost, T.ring_pages, T.ncpu);
  }
  int st = T.main_status;
  int code = T.attach && T.main_alive ? 0 : WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 0;
  if (T.summary) { /* the one line `pagewise trace` and `tracepgfault` print */
    char took[64] = "", cnt[32] = "unknown";
    if (mn != PW_TRACE_UNKNOWN_COUNT) snprintf(took, sizeof took, "; the process took %llu in all", (unsigned long long)(mn + mj));
    if (counted != PW_TRACE_UNKNOWN_COUNT) snprintf(cnt, sizeof cnt, "%llu", (unsigned long long)counted);
    fprintf(stderr, "%s: %llu faults recorded (kernel counted %s), %llu lost, %s%s; trace %s%s; exit %d\n", T.name,
            (unsigned long long)T.w.faults, cnt, (unsigned long long)T.w.lost,
            T.kernel_faults ? "including faults inside system calls"
                            : "user-mode faults only (perf_event_paranoid 2: faults inside system calls are not visible)",
            took, strcmp(T.out_path, "-") ? "in " : "on stdout", strcmp(T.out_path, "-") ? T.out_path : "", code);
  }
  report("{\"event\":\"done\",\"status\":%d,\"exit\":%d,\"faults\":%llu,\"lost\":%llu,\"counted\":%lld,\"took\":%lld}", st,
         code, (unsigned long long)T.w.faults, (unsigned long long)T.w.lost,
         counted == PW_TRACE_UNKNOWN_COUNT ? -1LL : (long long)counted,
         mn == PW_TRACE_UNKNOWN_COUNT ? -1LL : (long long)(mn + mj));
  return code;
}

int main(int argc, char **argv) {
  T.next_region_id = 1;
  parse_args(argc, argv);
  open_output();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD); sigaddset(&set, SIGINT); sigaddset(&set, SIGTERM); sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, NULL);
  T.start_mono = now_mono();
  T.start_real = clock_ns(CLOCK_REALTIME);
  if (T.attach) start_attach(); else start_command();
  event_loop();
  return finish();
}
