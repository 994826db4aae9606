/*
 * tasks.c: the ptrace side of the collector: one call, task_handle, per wait4 result.
 *
 *   - seccomp stop (command mode: the filter returns SECCOMP_RET_TRACE for memory system calls only):
 *     remember the call and resume with PTRACE_SYSCALL to stop once more at its exit;
 *   - syscall stop: in command mode the exit of that memory call; in attach mode (-p, no filter can be
 *     installed into a running process) every entry and exit, the entry giving the number;
 *     at the exit of a successful memory call of a tracked process (the main one; with -f every
 *     child): drain the rings (so faults before the change meet the old layout), read
 *     /proc/PID/maps, diff (layout.c);
 *   - fork/vfork/clone events: a TASK record (fork or clone) when the task is followed; a followed
 *     new process gets its own address space, its parent's layout copied (cause fork);
 *   - exec event: the first exec of the main process starts the trace (header, initial layout);
 *     a later one replaces the layout (cause exec);
 *   - signal-delivery stop: delivered unchanged; a SIGSEGV/SIGBUS the kernel raised (a fault it could
 *     not resolve) also becomes a FAULT record of kind unknown, since perf counts only resolved faults;
 *   - exit: a TASK exit record; for the main process its resource usage is kept for COUNTS; a followed
 *     child process's regions are removed.
 * Children are always ptrace'd, followed (-f) or not: a child that inherited the seccomp filter
 * without a tracer would see its memory system calls fail with ENOSYS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tracer.h"

extern void trace_begin(void);  /* main.c: header + initial layout, at the first exec */
extern struct rusage main_rusage;

static const long mem_calls[] = { __NR_mmap, __NR_munmap, __NR_mprotect, __NR_mremap, __NR_brk,
                                  __NR_shmat, __NR_shmdt, __NR_pkey_mprotect };

int syscall_is_memory(long nr) {
  for (size_t i = 0; i < sizeof mem_calls / sizeof mem_calls[0]; i++) if (mem_calls[i] == nr) return 1;
  return 0;
}

uint32_t cause_of_syscall(long nr) {
  if (nr == __NR_brk) return PW_CAUSE_BRK;
  if (nr == __NR_mremap) return PW_CAUSE_MREMAP;
  return PW_CAUSE_MMAP;
}

static pid_t tgid_of(pid_t tid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
  FILE *f = fopen(path, "re");
  pid_t tgid = tid;
  if (!f) return tid;
  while (fgets(line, sizeof line, f)) if (sscanf(line, "Tgid: %d", &tgid) == 1) break;
  fclose(f);
  return tgid;
}

static struct task *task_find(pid_t tid) {
  for (int i = 0; i < T.ntasks; i++) if (T.tasks[i].in_use && T.tasks[i].tid == tid) return &T.tasks[i];
  return NULL;
}

struct task *task_get(pid_t tid) {
  struct task *t = task_find(tid);
  if (t) return t;
  for (int i = 0; i < T.ntasks; i++) if (!T.tasks[i].in_use) { t = &T.tasks[i]; break; }
  if (!t) {
    T.tasks = realloc(T.tasks, sizeof *T.tasks * (size_t)(T.ntasks + 1));
    if (!T.tasks) die_errno("INTERNAL", -ENOMEM, "out of memory for the task table");
    t = &T.tasks[T.ntasks++];
  }
  memset(t, 0, sizeof *t);
  t->tid = tid; t->tgid = tgid_of(tid); t->pending_nr = -1; t->entry_nr = -1; t->in_use = 1;
  return t;
}

int tasks_live(void) {
  int n = 0;
  for (int i = 0; i < T.ntasks; i++) n += T.tasks[i].in_use;
  return n;
}

static int followed(const struct task *t) { return t->tgid == T.target || T.follow; }

static void resume(struct task *t, int sig) {
  int req = (T.attach || t->pending_nr >= 0) ? PTRACE_SYSCALL : PTRACE_CONT;
  ptrace(req, t->tid, 0L, (long)sig);
}

static void on_memory_exit(struct task *t, long nr) {
  struct space *sp = T.started ? space_of(t->tgid) : NULL;
  if (!sp) return;
  struct __ptrace_syscall_info si;
  if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof si, &si) > 0 && si.op == PTRACE_SYSCALL_INFO_EXIT &&
      si.exit.is_error)
    return; /* a failed call changed nothing */
  perf_drain();
  struct layout next;
  if (layout_read(t->tgid, &next) < 0) return; /* the process is going away */
  layout_apply(sp, &next, rel_time(now_mono()), cause_of_syscall(nr));
}

static void on_syscall_stop(struct task *t) {
  if (!T.attach) { /* command mode: the exit of the memory call announced by the seccomp stop */
    long nr = t->pending_nr;
    t->pending_nr = -1;
    if (nr >= 0) on_memory_exit(t, nr);
    resume(t, 0);
    return;
  }
  struct __ptrace_syscall_info si;
  long r = ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof si, &si);
  if (r > 0 && si.op == PTRACE_SYSCALL_INFO_ENTRY) {
    t->entry_nr = (int)si.entry.nr;
  } else if (r > 0 && si.op == PTRACE_SYSCALL_INFO_EXIT) {
    if (t->entry_nr >= 0 && syscall_is_memory(t->entry_nr)) on_memory_exit(t, t->entry_nr);
    t->entry_nr = -1;
  }
  resume(t, 0);
}

/* (task_get may move the table: the parent is passed by value.) */
static void on_new_task(struct task parent, int event) {
  unsigned long msg = 0;
  ptrace(PTRACE_GETEVENTMSG, parent.tid, 0L, &msg);
  struct task *c = task_get((pid_t)msg);
  int thread = event == PTRACE_EVENT_CLONE && c->tgid == parent.tgid;
  if (!followed(c)) return;
  uint64_t now = rel_time(now_mono());
  pw_tw_task(&T.w, (uint32_t)c->tid, now, thread ? PW_TASK_CLONE : PW_TASK_FORK, (uint32_t)c->tgid,
             (uint32_t)(thread ? parent.tid : parent.tgid), 0);
  /* A new process: its address space starts as a copy of its parent's (a vfork child borrows it
   * until it execs; it is recorded as a copy too). Read before the child runs: it is held at its
   * first stop until we resume it. */
  struct layout l;
  if (!thread && T.started && c->tgid != parent.tgid && layout_read(c->tgid, &l) == 0)
    layout_replace_all(space_new(c->tgid), &l, now, PW_CAUSE_FORK);
}

static void on_exec(struct task *t) {
  unsigned long former = 0;
  ptrace(PTRACE_GETEVENTMSG, t->tid, 0L, &former);
  if ((pid_t)former != t->tid) { /* a non-leader thread exec'd: it now has the leader's id */
    struct task *f = task_find((pid_t)former);
    if (f) f->in_use = 0;
  }
  t->tgid = t->tid;
  if (t->tgid == T.target && !T.started) {
    trace_begin();
    return;
  }
  uint64_t now = rel_time(now_mono());
  if (followed(t)) pw_tw_task(&T.w, (uint32_t)t->tid, now, PW_TASK_EXEC, (uint32_t)t->tgid, 0, 0);
  struct space *sp = space_of(t->tgid);
  if (sp) {
    perf_drain();
    struct layout next;
    if (layout_read(t->tgid, &next) == 0) layout_replace_all(sp, &next, now, PW_CAUSE_EXEC);
  }
}

static void on_signal(struct task *t, int sig) {
  siginfo_t si;
  if (ptrace(PTRACE_GETSIGINFO, t->tid, 0L, &si) < 0) {
    /* group-stop (PTRACE_TRACEME cannot hold it: continue) or the task vanished */
    if (errno == EINVAL) resume(t, 0);
    return;
  }
  if ((sig == SIGSEGV || sig == SIGBUS) && si.si_code > 0 && followed(t)) {
    struct user_regs_struct regs;
    uint64_t ip = ptrace(PTRACE_GETREGS, t->tid, 0L, &regs) == 0 ? regs.rip : 0;
    uint64_t addr = (uint64_t)(uintptr_t)si.si_addr, now = rel_time(now_mono());
    perf_drain();
    pw_tw_fault(&T.w, (uint32_t)t->tid, now, addr, ip, PW_FAULT_KIND_UNKNOWN, layout_region_of(space_of(t->tgid), addr, now, 0));
  }
  resume(t, sig);
}

static void on_exit_status(struct task *t, int status, const struct rusage *ru) {
  uint64_t now = rel_time(now_mono());
  if (followed(t)) pw_tw_task(&T.w, (uint32_t)t->tid, now, PW_TASK_EXIT, (uint32_t)t->tgid, 0, (uint32_t)status);
  /* A followed child process is gone: its regions end with it. (The main process's stay, as the
   * layout it had when the trace ended.) */
  struct space *sp = t->tid == t->tgid && t->tgid != T.target ? space_of(t->tgid) : NULL;
  if (sp) { perf_drain(); space_end(sp, now); }
  if (t->tid == T.target) {
    T.main_alive = 0;
    T.main_status = status;
    if (ru) main_rusage = *ru;
  }
  t->in_use = 0;
}

void task_handle(pid_t tid, int status, const void *rusage) {
  struct task *t = task_get(tid);
  if (WIFEXITED(status) || WIFSIGNALED(status)) { on_exit_status(t, status, rusage); return; }
  if (!WIFSTOPPED(status)) return;
  int sig = WSTOPSIG(status), event = (unsigned)status >> 16;
  if (sig == (SIGTRAP | 0x80)) { on_syscall_stop(t); return; }
  if (event == PTRACE_EVENT_STOP) {
    t->seen_stop = 1;
    if (T.stopping) return; /* tasks_detach_all takes it from here */
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) ptrace(PTRACE_LISTEN, tid, 0L, 0L);
    else resume(t, 0);
    return;
  }
  if (sig == SIGTRAP && event) {
    switch (event) {
      case PTRACE_EVENT_SECCOMP: {
        unsigned long nr = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, 0L, &nr);
        /* only tracked address spaces (the main process, followed children) need the call's exit */
        t->pending_nr = T.started && space_of(t->tgid) ? (int)nr : -1;
        break;
      }
      case PTRACE_EVENT_FORK: case PTRACE_EVENT_VFORK: case PTRACE_EVENT_CLONE:
        on_new_task(*t, event);
        t = task_find(tid);
        break;
      case PTRACE_EVENT_EXEC:
        on_exec(t);
        break;
      default:
        break;
    }
    resume(t, 0);
    return;
  }
  if (sig == SIGSTOP && !t->seen_stop) { /* the first stop of an auto-attached task */
    t->seen_stop = 1;
    resume(t, 0);
    return;
  }
  on_signal(t, sig);
}

/* attach mode, on Ctrl-C: stop every task, detach it, keep what was recorded. */
void tasks_detach_all(void) {
  T.stopping = 1;
  perf_disable(); /* what it does after this is neither sampled nor counted: the two stay equal */
  for (int i = 0; i < T.ntasks; i++) if (T.tasks[i].in_use) ptrace(PTRACE_INTERRUPT, T.tasks[i].tid, 0L, 0L);
  while (tasks_live() > 0) {
    int status;
    struct rusage ru;
    pid_t tid = wait4(-1, &status, __WALL, &ru);
    if (tid < 0) break;
    struct task *t = task_get(tid);
    if (WIFEXITED(status) || WIFSIGNALED(status)) { on_exit_status(t, status, &ru); continue; }
    int sig = WSTOPSIG(status), event = (unsigned)status >> 16;
    int deliver = (event == 0 && sig != (SIGTRAP | 0x80) && sig != SIGSTOP) ? sig : 0;
    ptrace(PTRACE_DETACH, tid, 0L, (long)deliver);
    t->in_use = 0;
  }
}
