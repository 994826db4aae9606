/*
 * tracer.h: the state of pagewise-tracer shared by its parts.
 *
 *   main.c    arguments, start-up (fork + seccomp + exec, or attach), the event loop, the end
 *   perf.c    the perf_event_open page-fault events, their ring buffers, FAULT/LOST records
 *   layout.c  /proc/PID/maps snapshots and the diff that turns two snapshots into region records
 *   tasks.c   the ptrace side: stops, events (fork/clone/exec), memory system calls, exits
 *   diagnose.c  why the kernel refused (ptrace, perf), in words, from the facts in /proc
 *
 * One process, one thread, one global struct (T); everything is driven from main.c's poll loop.
 */
#ifndef PAGEWISE_TRACER_H
#define PAGEWISE_TRACER_H

#include <stdint.h>
#include <sys/types.h>
#include "trace_format.h"

#define MAX_CPUS 256

/* One region of a /proc/PID/maps snapshot, with the trace id the diff gave it. */
struct region {
  uint64_t start, end, offset, inode;
  uint32_t prot, id;
  char *name; /* malloc'd, "" for anonymous */
};

struct layout {
  struct region *r;
  int n, cap;
};

/* The address space of one traced process (the main one, and each child followed with -f). */
struct space {
  pid_t pid;
  struct layout cur;
  int in_use;
};

/* One ptrace'd thread. */
struct task {
  pid_t tid, tgid;
  int pending_nr;   /* memory system call whose exit stop we wait for, or -1 */
  int entry_nr;     /* syscall mode (-p): number seen at the entry stop, or -1 */
  int seen_stop;    /* the initial SIGSTOP / PTRACE_EVENT_STOP of a new task was consumed */
  int in_use;
};

struct ring {
  int fd;
  void *base;
  uint64_t size; /* data area bytes, a power of two */
  uint8_t *data;
};

struct tracer {
  /* options */
  int follow, attach, report_fd, ring_pages, verbose;
  int classic;           /* --classic: tracepgfault OUTFILE CMD [ARGS...] */
  int summary;           /* --summary: the one-line summary on stderr at the end */
  const char *name;      /* how we call ourselves in messages: pagewise-tracer, tracepgfault, pagewise trace */
  int access;            /* --access: also sample exceptions:page_fault_* for the error code (root) */
  pid_t target;          /* -p PID, or the forked child */
  char **argv;           /* the command (command mode) */
  const char *out_path;  /* "-" = stdout */
  int out_fd;

  /* time */
  uint64_t start_mono, start_real;

  /* perf */
  int kernel_faults;     /* exclude_kernel = 0 was allowed */
  int ncpu, cpus[MAX_CPUS];
  struct ring rings[MAX_CPUS];
  int *min_fds, *maj_fds, nfds, fdcap;
  uint64_t *maj_ids; int nmaj;
  uint64_t *tp_ids; int ntp, tpcap;
  uint64_t throttled;
  uint64_t samples;      /* FAULT records that came from perf samples (not from fatal signals) */

  /* address spaces: [0] is the main process's; with -f one per followed child process */
  struct space *spaces; int nspaces;
  pid_t space_written;   /* the pid the region records written last belong to (SPACE records) */
  uint32_t next_region_id;

  /* tasks */
  struct task *tasks; int ntasks;
  int main_alive, started, stopping;
  int main_status;
  uint64_t base_minflt, base_majflt; /* attach mode: /proc/PID/stat at attach */

  /* output */
  struct pw_trace_writer w;
};

extern struct tracer T;

uint64_t now_mono(void);
uint64_t rel_time(uint64_t mono);
void die_errno(const char *code, long err, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* perf.c */
int perf_open_all(pid_t *tids, int ntids, int enable_on_exec); /* 0 or -errno */
void perf_drain(void);
void perf_enable(void);
void perf_disable(void);
uint64_t perf_counted(uint64_t *minor, uint64_t *major);

/* layout.c */
int layout_read(pid_t pid, struct layout *out); /* 0 or -errno */
void layout_free(struct layout *l);
struct space *space_of(pid_t pid);                 /* the tracked space of process pid, or NULL */
struct space *space_new(pid_t pid);
void space_end(struct space *sp, uint64_t t);      /* the process is gone: its regions are removed */
void layout_apply(struct space *sp, struct layout *next, uint64_t t, uint32_t cause); /* diff sp->cur -> next */
void layout_replace_all(struct space *sp, struct layout *next, uint64_t t, uint32_t cause);
/* resolved: a fault the kernel completed (it may have grown the stack) */
uint32_t layout_region_of(struct space *sp, uint64_t addr, uint64_t t, int resolved);

/* diagnose.c: why the kernel refused (message + hint from the facts in /proc) */
int diag_paranoid(void);
void diag_ptrace(pid_t pid, const char *err, char *msg, size_t msz, char *hint, size_t hsz);
void diag_perf(const char *err, char *msg, size_t msz, char *hint, size_t hsz);

/* tasks.c */
struct task *task_get(pid_t tid);
void task_handle(pid_t tid, int status, const void *rusage);
void tasks_detach_all(void);
int syscall_is_memory(long nr);
uint32_t cause_of_syscall(long nr);

#endif
