/*
 * hybrid.c: the hybrid mode's prefetcher, its "useful" measurement, and the --record writer (issue 4).
 *
 * 1. Options (pw_hybrid_option, from loader.c's argument loop): --predictor next|stride|history|adaptive,
 *    --pages 1..64, --record FILE. pw_hybrid_check: hybrid works --via signal only (docs/hybrid.md).
 * 2. Before the jump, hosted context, still allowed to fail cleanly:
 *    a. pw_hybrid_premap (hybrid only, right after the lazy reservations): every whole page of file bytes
 *       of every segment is mapped from the file with its permissions, as eager does, and marked DONE;
 *       what stays lazy is the page where file bytes end (file bytes + zeroes) and the zero pages (bss).
 *    b. pw_hybrid_setup: the predictor (struct pw_predictor, in `hy` below), the prefetch bitmap (one bit
 *       per page of the segments, mmap()ed), the --record file (opened 0600, moved to fd >= 1000 so the
 *       program's own fds do not meet it, close-on-exec), its header and one REGION_ADD per segment.
 *    c. (in b) the exit trap: a seccomp filter of its own that traps exit_group / exit from the loaded
 *       code, and mmap(PROT_EXEC) from the interpreter (after which the new range's exits are trapped
 *       too: pw_hybrid_after_syscall). Installing it is harmless to the loader's own failures before the
 *       jump (the loader's text is in none of the trapped ranges).
 * 3. Per fault the pager handled (pw_hybrid_fault: from the SIGSEGV handler after it mapped the faulting
 *    page, or from the userfaultfd thread), under the spin lock: the FAULT record; then (hybrid) the
 *    predictor's proposal (up to --pages - 1 pages; adaptive up to 64), each proposed page that is lazy
 *    and inside a segment mapped through the pager's own claim logic (pw_map_page: the same contents and
 *    permissions a fault would give it), its bit set, a FAULT record with flag PREFETCHED.
 *    Zero pages are mapped with mmap(MAP_FIXED|MAP_PRIVATE|MAP_ANONYMOUS) and never written, so they stay
 *    non-present in the page table until the program (or the kernel on its behalf) touches them. Pages
 *    with file bytes are written when built, hence always present: counted apart as "partial".
 * 4. At exit (pw_hybrid_exit: exit_group, the last thread's exit, or an execve, which ends the loaded image;
 *    pw_sys_handler calls here, then issues the real call): /proc/self/pagemap is read for every
 *    prefetched zero page; present (bit 63) or swapped (bit 62) ones were touched: that count is
 *    `useful`, and it goes to the shared page with the MEASURED flag; then the END record and the flush.
 *    A program killed by a signal never gets here: the flag stays clear and `useful` is unknown.
 *
 * Stage contract (3 and 4): freestanding, as pager.c: raw system calls, the global `hy` and `pw` and
 * the memory they point to (mmap()ed before the jump), stack locals; no libc, no TLS, no errno.
 * Threads: the handler can run on several threads at once, and inside itself (a signal handler of the
 * program touching a lazy page while this thread holds the lock): the lock word holds the owner's tid;
 * a thread finding its own tid there skips the prediction (and counts the fault record as lost).
 * Forked children inherit all of this: only the process that was loaded (hy.owner) records or
 * accounts; a child's faults are still served by the pager but not recorded or predicted for.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <ucontext.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "sys.h"
#include "loader.h"
#include "predict.h"
#include "trace_format.h"
#include "hybrid.h"

#define MAP_PRIV_ANON 0x22
#define MAP_FIX 0x10
#define MAP_PRIV 0x02
#define O_WRONLY_ 01
#define O_CREAT_ 0100
#define O_TRUNC_ 01000
#define O_CLOEXEC_ 02000000
#define F_DUPFD_CLOEXEC_ 1030
#define CLOCK_MONOTONIC_ 1
#define CLOCK_REALTIME_ 0
#define REC_BUF (256 * 1024)

/* THE hybrid state: one struct, in the loader's image, set before the jump (see loader.h for `pw`). */
struct pw_hybrid {
  int predictor;              /* PW_PREDICT_* (0: no prediction, demand mode) */
  int pages;                  /* --pages: the fault page plus pages-1 predicted (adaptive: its own window) */
  const char *record_path;    /* --record FILE, or NULL */
  int owner;                  /* pid of the loaded process: the only one that predicts, records, accounts */
  int lock;                   /* 0 free, else the tid of the holder */
  int done;                   /* the exit accounting ran */
  uint64_t lost;              /* faults not recorded (nested), written as a LOST record at the next chance */
  struct pw_predictor pred;   /* pw_predict's state (native/common/predict.h) */
  uint8_t *bitmap;            /* one bit per page of pw.seg[] (base[i] = bit of seg i's first page) */
  uint64_t base[PW_MAX_SEGS + 1];
  int rec_fd;                 /* the record file, or -1 */
  uint64_t t0;                /* CLOCK_MONOTONIC at the header: record times are relative to it */
  struct pw_trace_writer tw;
};
static struct pw_hybrid hy = {.rec_fd = -1, .pages = 2};

static inline void add(uint64_t *c, uint64_t v) { if (pw.shm) __atomic_fetch_add(c, v, __ATOMIC_RELAXED); }

static uint64_t now_ns(int clk) {
  struct { long s, ns; } ts = {0, 0};
  sys_clock_gettime(clk, &ts);
  return (uint64_t)ts.s * 1000000000UL + (uint64_t)ts.ns;
}

/* ---- 1. options ---- */
static const char *const names[] = {0, "next", "stride", "history", "adaptive"};

int pw_hybrid_option(const char *opt, const char *val) {
  if (!pw_strcmp(opt, "--predictor")) {
    for (int k = 1; k <= 4; k++) if (!pw_strcmp(val, names[k])) { hy.predictor = k; return 0; }
    return -1;
  }
  if (!pw_strcmp(opt, "--pages")) {
    int n = 0;
    for (const char *c = val; *c; c++) { if (*c < '0' || *c > '9' || n > 1000) return -1; n = n * 10 + (*c - '0'); }
    if (!*val || n < 1 || n > PW_PREDICT_PAGES_MAX) return -1;
    hy.pages = n;
    return 0;
  }
  if (!pw_strcmp(opt, "--record")) { hy.record_path = val; return 0; }
  return -1;
}

const char *pw_hybrid_check(void) {
  if (pw.mode == PW_LOADER_MODE_HYBRID && pw.via != PW_LOADER_VIA_SIGNAL)
    return "--mode hybrid works --via signal only (see docs/hybrid.md)";
  if (pw.mode == PW_LOADER_MODE_EAGER && hy.record_path) return "--record needs --mode demand or hybrid (eager takes no faults)";
  if (pw.mode != PW_LOADER_MODE_HYBRID && hy.predictor) return "--predictor needs --mode hybrid";
  if (pw.mode == PW_LOADER_MODE_HYBRID && !hy.predictor) hy.predictor = PW_PREDICT_NEXT;
  return 0;
}

int pw_hybrid_traps_exit(void) { return pw.mode == PW_LOADER_MODE_HYBRID || hy.record_path != 0; }

/* ---- 2a. hybrid: file pages at start, as eager ---- */
static long premap_run(struct pw_seg *s, int fd, uint64_t a, uint64_t b) {
  if (b <= a) return 0;
  long r = sys_mmap((void *)a, b - a, s->prot, MAP_PRIV | MAP_FIX, fd, (long)(s->file_off + (a - s->start)));
  if (sys_failed(r)) return r;
  for (uint64_t p = a; p < b; p += PW_PAGE) s->state[(p - s->start) / PW_PAGE] = PW_PG_DONE;
  uint64_t n = (b - a) / PW_PAGE;
  pw.shm->pages_mapped += n;
  pw.shm->pages_file += n;
  pw.shm->lazy_pages -= n;
  return 0;
}

long pw_hybrid_premap(int prog_fd, int interp_fd) {
  if (pw.mode != PW_LOADER_MODE_HYBRID) return 0;
  for (int i = 0; i < pw.nseg; i++) {
    struct pw_seg *s = &pw.seg[i];
    uint64_t whole = PW_PAGE_DOWN(s->file_end); /* pages [start, whole) are file bytes only */
    if (whole > s->end) whole = s->end;
    uint64_t run = s->start;
    for (uint64_t p = s->start; p < whole; p += PW_PAGE) {
      if (pw_find_seg(p) == s) continue; /* a page shared with a later segment belongs to that one */
      long r = premap_run(s, s->image ? interp_fd : prog_fd, run, p);
      if (r < 0) return r;
      run = p + PW_PAGE;
    }
    long r = premap_run(s, s->image ? interp_fd : prog_fd, run, whole);
    if (r < 0) return r;
  }
  return 0;
}

static int lock_take(int tid) {
  for (;;) {
    int expect = 0;
    if (__atomic_compare_exchange_n(&hy.lock, &expect, tid, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return 1;
    if (expect == tid) return 0; /* this thread already holds it: a nested fault */
    pw_syscall0(__NR_sched_yield);
  }
}
static void lock_give(void) { __atomic_store_n(&hy.lock, 0, __ATOMIC_RELEASE); }

/* ---- 2c. the exit trap: a seccomp filter of its own, stacked on the loader's (filter.c) ----
 * exit_group / exit made from code the loader loaded (program or interpreter) -> SIGSYS, so that
 * pw_sys_handler calls pw_hybrid_exit before the real call. A dynamic program exits from libc.so,
 * which ld.so maps after this filter is fixed: so mmap(..., PROT_EXEC, ...) made from the
 * interpreter's code is trapped too, and after it (pw_hybrid_after_syscall) one more small filter
 * traps exit_group / exit from the new executable range (at most MAX_EXEC_FILTERS of them).
 * Nothing else is trapped; calls from the loader's text never are (it is in none of these ranges).
 * A program exec'd later inherits the filters; the loader runs it through itself (pager.c,
 * exec_through_loader), whose SIGSYS handler issues the trapped calls. */
#define MAX_EXEC_FILTERS 16
struct filt { struct sock_filter f[512]; int n; };
static void emit(struct filt *F, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  if (F->n < 512) F->f[F->n] = (struct sock_filter){code, jt, jf, k};
  F->n++;
}
/* TRAP when the instruction pointer lies in [lo, hi) (split at 4 GiB lines: 32-bit words) */
static void trap_ip_in(struct filt *F, uint64_t lo, uint64_t hi) {
  while (lo < hi) {
    uint64_t line = (lo | 0xffffffffUL) + 1, end = hi < line ? hi : line;
    emit(F, BPF_LD | BPF_W | BPF_ABS, 12, 0, 0);
    emit(F, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(lo >> 32), 0, 4);
    emit(F, BPF_LD | BPF_W | BPF_ABS, 8, 0, 0);
    emit(F, BPF_JMP | BPF_JGE | BPF_K, (uint32_t)lo, 0, 2);
    emit(F, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)(end - 1), 1, 0);
    emit(F, BPF_RET | BPF_K, SECCOMP_RET_TRAP, 0, 0);
    lo = end;
  }
}
/* [arch][nr == exit_group || nr == exit -> EXIT][nr == mmap -> MMAP (with_mmap)][allow] */
static void head(struct filt *F, int with_mmap) {
  emit(F, BPF_LD | BPF_W | BPF_ABS, 4, 0, 0);
  emit(F, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  emit(F, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
  emit(F, BPF_LD | BPF_W | BPF_ABS, 0, 0, 0);
  emit(F, BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, with_mmap ? 4 : 2, 0);
  emit(F, BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, with_mmap ? 3 : 1, 0);
  if (with_mmap) emit(F, BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 0, 1); /* true: falls to the ja below */
  else emit(F, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}
static long install(struct filt *F) {
  if (F->n > 512) return -7; /* E2BIG */
  struct sock_fprog fp = {.len = (unsigned short)F->n, .filter = F->f};
  return pw_syscall3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
}
static int exec_filters;

static long install_exit_trap(void) {
  static struct filt F;
  int dynamic = 0;
  for (int i = 0; i < pw.nseg; i++) dynamic |= pw.seg[i].image;
  F.n = 0;
  head(&F, dynamic);
  int ja = F.n;
  if (dynamic) {
    emit(&F, BPF_JMP | BPF_JA, 0, 0, 0);                 /* -> MMAP, patched below */
    emit(&F, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);  /* not exit, not mmap */
  }
  for (int i = 0; i < pw.nseg; i++) trap_ip_in(&F, pw.seg[i].start, pw.seg[i].end);  /* EXIT */
  emit(&F, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
  if (dynamic) {
    F.f[ja].k = (uint32_t)(F.n - (ja + 1));
    emit(&F, BPF_LD | BPF_W | BPF_ABS, 16 + 8 * 2, 0, 0);            /* MMAP: prot, low word */
    emit(&F, BPF_JMP | BPF_JSET | BPF_K, 4 /* PROT_EXEC */, 1, 0);
    emit(&F, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
    for (int i = 0; i < pw.nseg; i++) if (pw.seg[i].image) trap_ip_in(&F, pw.seg[i].start, pw.seg[i].end);
    emit(&F, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
  }
  long r = sys_prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0);
  return sys_failed(r) ? r : install(&F);
}

/* After a trapped system call (pager.c's pw_sys_handler): an executable mapping made by ld.so gets its
 * own exit trap. Runs in the handler: freestanding. */
void pw_hybrid_after_syscall(long nr, const uint64_t *a, long r) {
  if (nr != __NR_mmap || sys_failed(r) || !(a[2] & 4) || !pw_hybrid_traps_exit()) return;
  if ((int)sys_getpid() != hy.owner || exec_filters >= MAX_EXEC_FILTERS) return;
  static struct filt F; /* under the lock: dlopen may run on any thread */
  if (!lock_take((int)sys_gettid())) return;
  F.n = 0;
  head(&F, 0);
  trap_ip_in(&F, (uint64_t)r, PW_PAGE_UP((uint64_t)r + a[1]));
  emit(&F, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
  if (!sys_failed(install(&F))) exec_filters++;
  lock_give();
}

/* ---- 2b. predictor, bitmap, record file ---- */
static void jstr(char *out, uint32_t *n, uint32_t cap, const char *s) {
  static const char hex[] = "0123456789abcdef";
  if (*n + 2 >= cap) return;
  out[(*n)++] = '"';
  for (; *s && *n + 8 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { out[(*n)++] = '\\'; out[(*n)++] = (char)c; }
    else if (c < 0x20) { out[(*n)++] = '\\'; out[(*n)++] = 'u'; out[(*n)++] = '0'; out[(*n)++] = '0'; out[(*n)++] = hex[c >> 4]; out[(*n)++] = hex[c & 15]; }
    else out[(*n)++] = (char)c;
  }
  out[(*n)++] = '"';
}
static void jraw(char *out, uint32_t *n, uint32_t cap, const char *s) { while (*s && *n + 1 < cap) out[(*n)++] = *s++; }
static void jnum(char *out, uint32_t *n, uint32_t cap, uint64_t v) { char b[24]; pw_utoa(v, b, 10); jraw(out, n, cap, b); }

/* path names of the images, for REGION_ADD records: [0] program, [1] interpreter */
long pw_hybrid_setup(char *const *argv, int argc, const char *const image_path[2], const uint64_t image_inode[2], char *msg, size_t msglen) {
  hy.owner = (int)sys_getpid();
  if (pw_hybrid_traps_exit()) {
    long r = install_exit_trap();
    if (r < 0) {
      uint32_t n = 0;
      jraw(msg, &n, (uint32_t)msglen, "cannot install the exit trap (seccomp): ");
      jraw(msg, &n, (uint32_t)msglen, pw_errname(r));
      msg[n] = 0;
      return PW_LOADER_ERR_SECCOMP;
    }
  }
  if (pw.mode == PW_LOADER_MODE_HYBRID) {
    pw_predict_init(&hy.pred, hy.predictor, hy.pages);
    uint64_t bits = 0;
    for (int i = 0; i < pw.nseg; i++) { hy.base[i] = bits; bits += (pw.seg[i].end - pw.seg[i].start) / PW_PAGE; }
    hy.base[pw.nseg] = bits;
    long r = sys_mmap(0, PW_PAGE_UP(bits / 8 + 8), 3, MAP_PRIV_ANON, -1, 0);
    if (sys_failed(r)) { pw_memcpy(msg, "cannot allocate the prefetch bitmap", 36); return PW_LOADER_ERR_MAP_FAILED; }
    hy.bitmap = (uint8_t *)r;
    pw.shm->predictor = (uint32_t)hy.predictor;
    pw.shm->prefetch_window = (uint32_t)hy.pages;
  }
  if (!hy.record_path) return 0;
  long fd = sys_open(hy.record_path, O_WRONLY_ | O_CREAT_ | O_TRUNC_ | O_CLOEXEC_, 0600);
  if (sys_failed(fd)) {
    uint32_t n = 0;
    jraw(msg, &n, (uint32_t)msglen, "cannot create the record file ");
    jraw(msg, &n, (uint32_t)msglen, hy.record_path);
    jraw(msg, &n, (uint32_t)msglen, ": ");
    jraw(msg, &n, (uint32_t)msglen, pw_errname(fd));
    msg[n] = 0;
    return PW_LOADER_ERR_RECORD;
  }
  sys_fchmod((int)fd, 0600); /* O_TRUNC of an existing file keeps its mode */
  struct { uint64_t cur, max; } lim = {1024, 1024};
  pw_syscall4(__NR_prlimit64, 0, 7 /* RLIMIT_NOFILE */, 0, &lim);
  long want = lim.cur > 1001 ? 1000 : (long)lim.cur - 8;
  long hi = want > (long)fd ? sys_fcntl((int)fd, F_DUPFD_CLOEXEC_, want) : -1;
  if (!sys_failed(hi) && hi >= 0) { sys_close((int)fd); fd = hi; }
  hy.rec_fd = (int)fd;
  long r = sys_mmap(0, REC_BUF, 3, MAP_PRIV_ANON, -1, 0);
  if (sys_failed(r)) { pw_memcpy(msg, "cannot allocate the record buffer", 34); return PW_LOADER_ERR_MAP_FAILED; }
  pw_tw_init(&hy.tw, hy.rec_fd, (void *)r, REC_BUF);

  /* header: info JSON */
  static char info[8192];
  uint32_t n = 0, cap = sizeof info - 2;
  jraw(info, &n, cap, "{\"argv\":[");
  for (int k = 0; k < argc; k++) { if (k) jraw(info, &n, cap, ","); jstr(info, &n, cap, argv[k]); }
  jraw(info, &n, cap, "],\"pid\":");
  jnum(info, &n, cap, (uint64_t)hy.owner);
  struct { char f[6][65]; } uts;
  if (!sys_failed(pw_syscall1(__NR_uname, &uts))) { jraw(info, &n, cap, ",\"kernel\":"); jstr(info, &n, cap, uts.f[2]); }
  jraw(info, &n, cap, ",\"mode\":");
  jstr(info, &n, cap, pw.mode == PW_LOADER_MODE_HYBRID ? "hybrid" : "demand");
  jraw(info, &n, cap, ",\"via\":");
  jstr(info, &n, cap, pw.via == PW_LOADER_VIA_UFFD ? "uffd" : pw.via == PW_LOADER_VIA_UFFD_THREAD ? "uffd-thread" : "signal");
  if (pw.mode == PW_LOADER_MODE_HYBRID) {
    jraw(info, &n, cap, ",\"predictor\":");
    jstr(info, &n, cap, names[hy.predictor]);
    jraw(info, &n, cap, ",\"pages\":");
    jnum(info, &n, cap, (uint64_t)hy.pages);
  }
  jraw(info, &n, cap, ",\"writer\":\"pagewise-loader\"}");
  hy.t0 = now_ns(CLOCK_MONOTONIC_);
  /* the signal and uffd vias handle a fault in the faulting thread's signal handler, which sees its
   * registers; the uffd-thread pager sees only the address */
  uint32_t flags = PW_TRACE_F_ACCESS | (pw.via != PW_LOADER_VIA_UFFD_THREAD ? PW_TRACE_F_IP : 0);
  if (pw_tw_header(&hy.tw, flags, hy.t0, now_ns(CLOCK_REALTIME_), PW_TRACE_SOURCE_LOADER, info, n) < 0) {
    pw_memcpy(msg, "cannot write the record file header", 36);
    return PW_LOADER_ERR_RECORD;
  }
  for (int i = 0; i < pw.nseg; i++) {
    const struct pw_seg *s = &pw.seg[i];
    const char *name = image_path[s->image ? 1 : 0];
    pw_tw_region_add(&hy.tw, (uint32_t)i + 1, 0, s->start, s->end, s->file_off, image_inode[s->image ? 1 : 0],
                     (uint32_t)(s->prot & 7), PW_CAUSE_LOADER, name, (uint16_t)pw_strlen(name));
  }
  return 0;
}

/* ---- 3. per handled fault ---- */

static uint32_t region_of(const struct pw_seg *s) { return s ? (uint32_t)(s - pw.seg) + 1 : 0; }

void pw_hybrid_fault(uint64_t addr, void *ucv) {
  if (!hy.predictor && hy.rec_fd < 0) return;
  if ((int)sys_getpid() != hy.owner) return;
  int tid = (int)sys_gettid();
  if (!lock_take(tid)) {
    __atomic_fetch_add(&hy.lost, 1, __ATOMIC_RELAXED); /* nested on this thread, the writer mid-record: a LOST record later */
    return;
  }
  if (hy.done) { lock_give(); return; }
  uint64_t t = hy.rec_fd >= 0 ? now_ns(CLOCK_MONOTONIC_) - hy.t0 : 0;
  if (hy.rec_fd >= 0) {
    uint64_t lost = __atomic_exchange_n(&hy.lost, 0, __ATOMIC_RELAXED);
    if (lost) pw_tw_lost(&hy.tw, (uint32_t)tid, t, lost);
    uint64_t ip = 0;
    uint32_t access = PW_FAULT_ACCESS_UNKNOWN;
    if (ucv) {
      ucontext_t *uc = ucv;
      ip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
      uint64_t err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
      access = err & 0x10 ? PW_FAULT_ACCESS_EXEC : err & 0x2 ? PW_FAULT_ACCESS_WRITE : PW_FAULT_ACCESS_READ;
    }
    pw_tw_fault(&hy.tw, (uint32_t)tid, t, addr, ip, access << PW_FAULT_ACCESS_SHIFT, region_of(pw_find_seg(addr)));
  }
  if (hy.predictor) {
    uint64_t out[PW_PREDICT_MAX_OUT];
    int n = pw_predict(&hy.pred, addr / PW_PAGE, out, PW_PREDICT_MAX_OUT);
    for (int k = 0; k < n; k++) {
      uint64_t page = out[k] * PW_PAGE;
      struct pw_seg *s = pw_find_seg(page);
      if (!s || !s->state) continue;
      if (pw_map_page(s, page) != 1) continue; /* mapped already, being mapped by another thread, or failed */
      add(&pw.shm->pages_prefetched, 1);
      if (page < s->file_end) add(&pw.shm->prefetch_partial, 1);
      else {
        uint64_t bit = hy.base[s - pw.seg] + (page - s->start) / PW_PAGE;
        __atomic_fetch_or(&hy.bitmap[bit / 8], (uint8_t)(1u << (bit % 8)), __ATOMIC_RELAXED);
      }
      if (hy.rec_fd >= 0) pw_tw_fault(&hy.tw, (uint32_t)tid, t, page, 0, PW_FAULT_PREFETCHED, region_of(s));
    }
  }
  lock_give();
}

/* ---- 4. at exit ---- */
/* Whether the calling thread is the last of its process (/proc/self/stat field 20, num_threads). */
static int last_thread(void) {
  char buf[1024];
  long fd = sys_open("/proc/self/stat", O_CLOEXEC_, 0);
  if (sys_failed(fd)) return 1;
  long n = sys_read((int)fd, buf, sizeof buf - 1);
  sys_close((int)fd);
  if (n <= 0) return 1;
  long i = n - 1;
  while (i > 0 && buf[i] != ')') i--; /* the command name may hold spaces and parens: skip to the last ')' */
  int field = 2;
  for (; i < n && field < 20; i++) if (buf[i] == ' ') field++;
  uint64_t v = 0;
  for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) v = v * 10 + (uint64_t)(buf[i] - '0');
  return v <= 1;
}

/* Count prefetched zero pages that are present (or swapped) now. -errno when pagemap is unreadable. */
static long count_useful(void) {
  long fd = sys_open("/proc/self/pagemap", O_CLOEXEC_, 0);
  if (sys_failed(fd)) return fd;
  long useful = 0;
  uint64_t ent[256];
  for (int i = 0; i < pw.nseg; i++) {
    const struct pw_seg *s = &pw.seg[i];
    uint64_t npages = (s->end - s->start) / PW_PAGE;
    for (uint64_t k = 0; k < npages;) {
      uint64_t bit = hy.base[i] + k;
      if (!(hy.bitmap[bit / 8] & (1u << (bit % 8)))) { k++; continue; }
      uint64_t m = 1; /* a run of set bits, at most 256 */
      while (k + m < npages && m < 256) {
        uint64_t b2 = bit + m;
        if (!(hy.bitmap[b2 / 8] & (1u << (b2 % 8)))) break;
        m++;
      }
      long r = sys_pread((int)fd, ent, m * 8, (long)((s->start / PW_PAGE + k) * 8));
      if (sys_failed(r)) { sys_close((int)fd); return r; }
      for (long j = 0; j < r / 8; j++) if (ent[j] >> 62) useful++; /* bit 63 present, bit 62 swapped */
      k += m;
    }
  }
  sys_close((int)fd);
  return useful;
}

void pw_hybrid_exit(long nr) {
  if (!pw_hybrid_traps_exit() || (int)sys_getpid() != hy.owner) return;
  if (nr == __NR_exit && !last_thread()) return;
  int tid = (int)sys_gettid();
  if (!lock_take(tid)) return;
  if (hy.done) { lock_give(); return; }
  hy.done = 1; /* the lock stays released below, but no fault after this is predicted or recorded */
  if (pw.mode == PW_LOADER_MODE_HYBRID) {
    long u = count_useful();
    if (u >= 0) {
      pw.shm->prefetch_useful = (uint64_t)u;
      __atomic_fetch_or(&pw.shm->prefetch_flags, PW_LOADER_PREFETCH_MEASURED, __ATOMIC_RELEASE);
    }
  }
  if (hy.rec_fd >= 0) {
    uint64_t t = now_ns(CLOCK_MONOTONIC_) - hy.t0, lost = __atomic_exchange_n(&hy.lost, 0, __ATOMIC_RELAXED);
    if (lost) pw_tw_lost(&hy.tw, (uint32_t)tid, t, lost);
    long e = pw_tw_end(&hy.tw, t);
    if (e < 0 && pw.shm) pw.shm->record_errno = (uint32_t)-e;
    __atomic_fetch_or(&pw.shm->prefetch_flags, PW_LOADER_RECORD_ENDED, __ATOMIC_RELEASE);
  }
  lock_give();
}
