/*
 * pager.c: the code that runs inside the loaded program, after control has passed to it.
 *
 * 1. pw_fault_handler, in the faulting thread itself: a fault on a lazy page maps that page (file
 *    bytes, zeroes, or both on the boundary page) with its segment's permissions and returns, so the
 *    instruction runs again. demand --via signal: the fault is a SIGSEGV on a PROT_NONE reservation,
 *    and the page is put in place by mmap/mremap. demand --via uffd: the fault is the SIGBUS of a
 *    userfaultfd with UFFD_FEATURE_SIGBUS (a missing page in a registered range, final permissions
 *    already), resolved by UFFDIO_COPY / UFFDIO_ZEROPAGE; the program's SIGSEGV is left alone. Any
 *    other such signal (outside every segment, a page already mapped whose permissions forbid the
 *    access, or one sent by kill/raise) resets it to SIG_DFL and returns (re-raising a sent one), so
 *    the kernel kills the program with the genuine signal, as a direct run.
 * 2. pw_uffd_pager (demand --via uffd-thread): the classic design, a thread of its own reading the
 *    userfaultfd and resolving each missing-page fault while the faulting thread waits; no signal of
 *    the program is used. Each fault costs two cross-CPU wake-ups on this VM, 50 us instead of 10
 *    (docs/loader.md, "Why userfaultfd was slow here"), hence --via uffd.
 * 3. pw_sys_handler (the kernel-touch guard, SIGSYS from the seccomp filter of filter.c): a system
 *    call whose buffer lies in lazy pages has those pages mapped first, then it is issued from here
 *    (the filter lets the loader's text and the trampoline page through) and its result put in the
 *    program's rax. It also maps everything when the program takes the pager's signal for itself
 *    (SIGSEGV in the signal via, SIGBUS in the uffd via) or forks (both uffd vias); keeps that signal and
 *    SIGSYS out of every mask the program sets (applied to the interrupted context, since
 *    rt_sigreturn restores it); keeps SIGSYS's action; and runs every
 *    program the process execs through the loader (--passthrough), so the inherited filter always
 *    finds a handler.
 *
 * Stage contract: freestanding. Only raw system calls from sys.h, only the global struct `pw` and the
 * memory it points to (all in the loader's image or mmap()ed before the jump), only stack locals.
 * No libc, no errno, no TLS (fs belongs to the program), no stack protector (see ../common/flags.mk).
 * String literals are fine: the loader's image stays mapped for the program's lifetime.
 * Counters are updated with atomic adds: the program may have several threads.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <ucontext.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include "sys.h"
#include "loader.h"
#include "hybrid.h"

#define PROT_R 1
#define PROT_W 2
#define MAP_PRIV_ANON 0x22
#define MAP_FIX 0x10
#define MREMAP_MAYMOVE_ 1
#define MREMAP_FIXED_ 2

struct pw_state pw;

/* pw_tramp(nr, a0..a5): copied to the fixed page PW_TRAMPOLINE by the loader (C calling convention
 * in, system call convention out). */
__asm__(".text\n.globl pw_tramp_code\n.globl pw_tramp_code_end\npw_tramp_code:\n"
        "\tmov %rdi, %rax\n\tmov %rsi, %rdi\n\tmov %rdx, %rsi\n\tmov %rcx, %rdx\n"
        "\tmov %r8, %r10\n\tmov %r9, %r8\n\tmov 8(%rsp), %r9\n\tsyscall\n\tret\npw_tramp_code_end:\n");

/* A system call the filter must let through: from this loader's own text in the loader that installed
 * the filter, through the trampoline in a loader started later in the tree (passthrough). */
static long allowed6(long nr, long a, long b, long c, long d, long e, long f) {
  if (pw.passthrough) return pw_tramp(nr, a, b, c, d, e, f);
  return pw_syscall6(nr, a, b, c, d, e, f);
}

/* execve(path, argv, envp) of the program: run the new program through this loader (passthrough), so
 * that it too has the SIGSYS handler the inherited filter needs. Returns only when that cannot be done;
 * the caller then makes the real call (which reports ENOENT, EACCES, ENOEXEC... as a direct run). */
static void exec_through_loader(const char *path, char *const *argv, char *const *envp) {
  if (!pw.loader_path[0] || !path) return;
  const char *asked = path; /* AT_EXECFN of the new program: the name it was exec'd by, as directly */
  char real[4096];
  if (pw_memcmp(path, "/proc/", 6) == 0) { /* /proc/self/exe names the loader once it runs: resolve it now */
    long n = allowed6(__NR_readlink, (long)path, (long)real, sizeof real - 1, 0, 0, 0);
    if (!sys_failed(n) && n > 0 && real[0] == '/') { real[n] = 0; path = real; }
    /* unprivileged, /proc/self/exe still names the loader: the program meant itself */
    if (path == real && pw.exe_path[0] && pw_strcmp(real, pw.loader_path) == 0) path = pw.exe_path;
  }
  if (sys_failed(allowed6(__NR_faccessat, -100, (long)path, 1 /* X_OK */, 0, 0, 0))) return;
  long fd = allowed6(__NR_openat, -100, (long)path, 0x80000 /* O_RDONLY|O_CLOEXEC */, 0, 0, 0);
  if (sys_failed(fd)) return;
  unsigned char head[4] = {0};
  long n = allowed6(__NR_read, fd, (long)head, 4, 0, 0, 0);
  allowed6(__NR_close, fd, 0, 0, 0, 0, 0);
  int elf = n == 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
  int script = n >= 2 && head[0] == '#' && head[1] == '!';
  if (!elf && !script) return;
  long argc = 0;
  while (argv && argv[argc] && argc < 65536) argc++;
  const char *nargv[argc + 10];
  int k = 0;
  nargv[k++] = pw.loader_path;
  nargv[k++] = "--passthrough";
  if (path != asked) { nargv[k++] = "--execfn"; nargv[k++] = asked; }
  nargv[k++] = "--exec";
  nargv[k++] = path;
  nargv[k++] = "--";
  if (argc == 0) nargv[k++] = path;
  for (long i = 0; i < argc; i++) nargv[k++] = argv[i];
  nargv[k] = 0;
  allowed6(__NR_execve, (long)pw.loader_path, (long)nargv, (long)envp, 0, 0, 0);
}

static inline void add(uint64_t *c, uint64_t v) { if (pw.shm) __atomic_fetch_add(c, v, __ATOMIC_RELAXED); }

struct pw_seg *pw_find_seg(uint64_t a) {
  for (int i = pw.nseg - 1; i >= 0; i--)
    if (a >= pw.seg[i].start && a < pw.seg[i].end) return &pw.seg[i];
  return 0;
}

/*
 * The copy above touched the loader's read-only view of the file, and the kernel maps a file page
 * together with its neighbours (fault-around, and whole large folios of the page cache: up to 2 MiB
 * here). Those view pages would count in the process's resident set although the program never asked
 * for them, and demand paging would then look no leaner than mapping everything. So the view's PTEs
 * around the copied page are dropped (MADV_DONTNEED on a read-only file mapping only unmaps; the
 * page cache keeps the data): the 2 MiB-aligned window, clipped to the view.
 */
static void drop_view(const struct pw_seg *s, uint64_t src) {
  uint64_t lo = src & ~((2UL << 20) - 1), hi = lo + (2UL << 20);
  uint64_t vlo = (uint64_t)s->view, vhi = vlo + PW_PAGE_UP(s->view_size);
  if (lo < vlo) lo = vlo;
  if (hi > vhi) hi = vhi;
  if (hi > lo) pw_syscall3(__NR_madvise, lo, hi - lo, 4 /* MADV_DONTNEED */);
}

/* Fill buf with the contents page `page` of segment s must have; returns 1 when it is all zeroes. */
static int page_contents(const struct pw_seg *s, uint64_t page, unsigned char *buf) {
  if (page >= s->file_end) return 1;
  uint64_t n = s->file_end - page;
  if (n > PW_PAGE) n = PW_PAGE;
  const unsigned char *src = s->view + s->file_off + (page - s->start);
  pw_memcpy(buf, src, n);
  pw_memset(buf + n, 0, PW_PAGE - n);
  drop_view(s, (uint64_t)src);
  return 0;
}

/* A page of zeroes to UFFDIO_COPY from (bss: no file bytes, nothing to copy for /proc/self/exe). */
static unsigned char zero_page[PW_PAGE] __attribute__((aligned(PW_PAGE))); /* never written */

/* Map one page (state must be BUSY, owned by the caller). `write`: the fault that asks is a write. */
static long map_one(struct pw_seg *s, uint64_t page, int write) {
  long r;
  if (pw.uffd >= 0) {
    /* 4 KiB on the stack of the faulting thread (or the main thread's 64 KiB signal stack): the
     * kernel copies it in, and UFFDIO_COPY installs the page whole, atomically for other threads */
    unsigned char buf[PW_PAGE] __attribute__((aligned(16)));
    int zero = page_contents(s, page, buf);
    if (zero && write) {
      /* UFFDIO_ZEROPAGE maps the shared zero page read-only: the write would then fault again and
       * copy it, and replacing that PTE flushes the TLB of every CPU the process runs on, an IPI per
       * page as soon as it has two threads (threads 4x4096: 190 ms, against 100 ms for the signal
       * via). A page of its own from the zero page in the loader's image costs one 4 KiB copy. */
      struct uffdio_copy c = {.dst = page, .src = (uint64_t)zero_page, .len = PW_PAGE, .mode = 0};
      r = pw_syscall3(__NR_ioctl, pw.uffd, UFFDIO_COPY, &c);
    } else if (zero) {
      struct uffdio_zeropage z = {.range = {.start = page, .len = PW_PAGE}, .mode = 0};
      r = pw_syscall3(__NR_ioctl, pw.uffd, UFFDIO_ZEROPAGE, &z);
    } else {
      struct uffdio_copy c = {.dst = page, .src = (uint64_t)buf, .len = PW_PAGE, .mode = 0};
      r = pw_syscall3(__NR_ioctl, pw.uffd, UFFDIO_COPY, &c);
    }
    if (r == -17 /* EEXIST: already there, mapped by another path */) {
      struct uffdio_range w = {.start = page, .len = PW_PAGE};
      pw_syscall3(__NR_ioctl, pw.uffd, UFFDIO_WAKE, &w);
      return 0;
    }
    if (sys_failed(r)) return r;
    add(zero ? &pw.shm->pages_zero : &pw.shm->pages_file, 1);
    return 0;
  }
  if (page >= s->file_end) { /* zeroes only: one system call */
    r = sys_mmap((void *)page, PW_PAGE, s->prot, MAP_PRIV_ANON | MAP_FIX, -1, 0);
    if (sys_failed(r)) return r;
    add(&pw.shm->pages_zero, 1);
    return 0;
  }
  /* file bytes: build the page aside and move it in whole, so other threads never see it half-made */
  r = sys_mmap(0, PW_PAGE, PROT_R | PROT_W, MAP_PRIV_ANON, -1, 0);
  if (sys_failed(r)) return r;
  unsigned char *tmp = (unsigned char *)r;
  page_contents(s, page, tmp);
  if (s->prot != (PROT_R | PROT_W) && sys_failed(r = sys_mprotect(tmp, PW_PAGE, s->prot))) { sys_munmap(tmp, PW_PAGE); return r; }
  r = sys_mremap(tmp, PW_PAGE, PW_PAGE, MREMAP_MAYMOVE_ | MREMAP_FIXED_, (void *)page);
  if (sys_failed(r)) { sys_munmap(tmp, PW_PAGE); return r; }
  add(&pw.shm->pages_file, 1);
  return 0;
}

/* Claim and map a page: 1 mapped now, 0 already mapped, -EAGAIN another thread is mapping it, <0 error. */
static long claim_and_map(struct pw_seg *s, uint64_t page, int write) {
  uint8_t *st = &s->state[(page - s->start) / PW_PAGE];
  uint8_t expect = PW_PG_LAZY;
  if (!__atomic_compare_exchange_n(st, &expect, PW_PG_BUSY, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return expect == PW_PG_DONE ? 0 : -11;
  long r = map_one(s, page, write);
  if (r < 0) { __atomic_store_n(st, PW_PG_LAZY, __ATOMIC_RELEASE); return r; }
  __atomic_store_n(st, PW_PG_DONE, __ATOMIC_RELEASE);
  add(&pw.shm->pages_mapped, 1);
  /* issue 4 (hybrid mode): the predictor is asked once per handled fault, not here (this runs for
   * prefault and fallback pages too): see pw_hybrid_fault in hybrid.c, called by the two handlers */
  return 1;
}

long pw_map_page(struct pw_seg *s, uint64_t page) { return claim_and_map(s, page, 0); }

long pw_prefault(uint64_t addr, uint64_t len) {
  if (len == 0) return 0;
  uint64_t lo = PW_PAGE_DOWN(addr), hi = addr + len < addr ? ~0UL : PW_PAGE_UP(addr + len);
  for (int i = 0; i < pw.nseg; i++) {
    struct pw_seg *s = &pw.seg[i];
    if (!s->state || s->end <= lo || s->start >= hi) continue;
    uint64_t a = lo > s->start ? lo : s->start, b = hi < s->end ? hi : s->end;
    for (uint64_t p = a; p < b; p += PW_PAGE) {
      if (pw_find_seg(p) != s) continue; /* a page shared with a later segment belongs to that one */
      long r;
      while ((r = claim_and_map(s, p, 0)) == -11) pw_syscall0(__NR_sched_yield);
      if (r < 0) return r;
    }
  }
  return 0;
}

void pw_map_all(void) {
  for (int i = 0; i < pw.nseg; i++) {
    struct pw_seg *s = &pw.seg[i];
    if (!s->state) continue;
    for (uint64_t p = s->start; p < s->end; p += PW_PAGE) {
      if (pw_find_seg(p) != s) continue;
      long r;
      while ((r = claim_and_map(s, p, 0)) == -11) pw_syscall0(__NR_sched_yield);
      if (r == 1) add(&pw.shm->fallback_pages, 1);
    }
  }
}

struct k_sigaction { void *handler; unsigned long flags; void *restorer; unsigned long mask; };
#define SIG_BIT(s) (1UL << ((s) - 1))
/* The signals the pager needs and the program must never really block: a lazy fault with its signal
 * (SIGSEGV or SIGBUS) blocked, or a trapped system call with SIGSYS blocked, kills the process. What
 * the program believes it has blocked of them is kept here (one word for all threads) and reported back. */
static uint64_t virt_masked;
static uint64_t reserved_sigs(void) {
  return SIG_BIT(SIGSYS) | (pw.fault_sig && !pw.own_fault_taken ? SIG_BIT(pw.fault_sig) : 0);
}

static void sig_default(int sig) {
  struct k_sigaction dfl = {0};
  sys_rt_sigaction(sig, &dfl, 0, 8);
}

static void fail_line(const char *what, uint64_t page, long err) {
  char num[24];
  pw_puts(2, "pagewise-loader: cannot map page 0x");
  pw_utoa(page, num, 16); pw_puts(2, num);
  pw_puts(2, what); pw_puts(2, pw_errname(err)); pw_puts(2, "\n");
}

/*
 * A page found already mapped (r == 0) is usually a genuine violation (a write to text), but with
 * several threads it can also be a race: this thread faulted while the page was unmapped, and another
 * thread (or a prefetch) mapped it before this handler looked. Resetting the signal then would kill the
 * next lazy fault of any thread. So a thread retries such a fault once: the instruction runs again,
 * and if it faults again at the same address the fault is genuine. One slot per thread (tid modulo
 * the table size; a collision only costs one extra retry).
 */
static uint64_t retry_slot[256];
static int race_retry(uint64_t a) {
  uint64_t *slot = &retry_slot[(uint64_t)sys_gettid() & 255];
  uint64_t key = a | 1; /* never 0, so an empty slot matches nothing */
  if (__atomic_load_n(slot, __ATOMIC_RELAXED) == key) { __atomic_store_n(slot, 0, __ATOMIC_RELAXED); return 0; }
  __atomic_store_n(slot, key, __ATOMIC_RELAXED);
  return 1;
}

/* SIGSEGV (signal via) or SIGBUS (uffd via), on the thread that touched the page. A SIGBUS of the
 * userfaultfd has the same si_code as a genuine one (BUS_ADRERR): a lazy page is what tells them apart. */
void pw_fault_handler(int sig, void *infov, void *uc) {
  siginfo_t *si = infov;
  if (si->si_code <= 0) { /* sent by kill/raise/sigqueue: not a fault, deliver it for real */
    sig_default(sig);
    sys_tgkill((int)sys_getpid(), (int)sys_gettid(), sig);
    return;
  }
  uint64_t a = (uint64_t)si->si_addr;
  struct pw_seg *s = pw_find_seg(a);
  if (s && s->state) {
    uint64_t page = PW_PAGE_DOWN(a);
    /* the page-fault error code: bit 1 set for a write */
    int write = (((ucontext_t *)uc)->uc_mcontext.gregs[REG_ERR] & 2) != 0;
    long r = claim_and_map(s, page, write);
    if (r == 1) { add(&pw.shm->faults, 1); pw_hybrid_fault(a, uc); return; }
    if (r == -11) { pw_syscall0(__NR_sched_yield); return; }
    if (r < 0) fail_line(" on first touch: ", page, r);
    if (r == 0 && race_retry(a)) return;
  }
  /* genuine: let the instruction fault again with no handler, as in a direct run */
  sig_default(sig);
}

/* ---- the kernel-touch guard ---- */

static void prefault_str(uint64_t p) {
  for (int guard = 0; p && guard < 64; guard++) { /* at most 64 pages of one string */
    struct pw_seg *s = pw_find_seg(p);
    if (!s || !s->state || !(s->prot & PROT_R)) return;
    if (pw_prefault(p, 1) < 0) return;
    uint64_t end = PW_PAGE_UP(p + 1);
    for (const char *c = (const char *)p; (uint64_t)c < end; c++)
      if (*c == 0) return;
    p = end;
  }
}
static void prefault_strvec(uint64_t v) {
  for (int i = 0; v && i < 4096; i++) {
    pw_prefault(v + 8 * (uint64_t)i, 8);
    struct pw_seg *s = pw_find_seg(v + 8 * (uint64_t)i);
    (void)s;
    uint64_t str = *(const uint64_t *)(v + 8 * (uint64_t)i);
    if (!str) return;
    prefault_str(str);
  }
}
static void prefault_iov(uint64_t iov, uint64_t n) {
  if (n > 1024) n = 1024;
  pw_prefault(iov, 16 * n);
  for (uint64_t i = 0; i < n; i++) {
    const uint64_t *e = (const uint64_t *)(iov + 16 * i);
    pw_prefault(e[0], e[1]);
  }
}

void pw_sys_handler(int sig, void *infov, void *ucv) {
  (void)sig;
  siginfo_t *si = infov;
  ucontext_t *uc = ucv;
  greg_t *g = uc->uc_mcontext.gregs;
  long nr = si->si_syscall;
  uint64_t a[6] = {(uint64_t)g[REG_RDI], (uint64_t)g[REG_RSI], (uint64_t)g[REG_RDX],
                   (uint64_t)g[REG_R10], (uint64_t)g[REG_R8], (uint64_t)g[REG_R9]};
  add(&pw.shm->guard_traps, 1);
  struct k_sigaction act_copy;
  switch (nr) {
    case __NR_read: case __NR_write: case __NR_pread64: case __NR_pwrite64:
    case __NR_getdents64: case __NR_recvfrom: case __NR_sendto: case __NR_getdents: case __NR_bind: case __NR_connect:
      pw_prefault(a[1], a[2]); break;
    case __NR_readv: case __NR_writev: case __NR_preadv: case __NR_pwritev:
      prefault_iov(a[1], a[2]); break;
    case __NR_open: case __NR_access: case __NR_chdir: case __NR_mkdir: case __NR_unlink: case __NR_rmdir:
    case __NR_memfd_create: case __NR_chmod: case __NR_chown: case __NR_lchown: case __NR_truncate:
      prefault_str(a[0]); break;
    case __NR_stat: case __NR_lstat:
      prefault_str(a[0]); pw_prefault(a[1], 144); break;
    case __NR_fstat: case __NR_getrusage: pw_prefault(a[1], 144); break;
    case __NR_openat: case __NR_faccessat: case __NR_faccessat2: case __NR_unlinkat: case __NR_mkdirat:
    case __NR_fchmodat: case __NR_fchownat: case __NR_inotify_add_watch:
      prefault_str(a[1]); break;
    case __NR_newfstatat: prefault_str(a[1]); pw_prefault(a[2], 144); break;
    case __NR_statx: prefault_str(a[1]); pw_prefault(a[4], 256); break;
    case __NR_readlink: prefault_str(a[0]); pw_prefault(a[1], a[2]); break;
    case __NR_readlinkat: prefault_str(a[1]); pw_prefault(a[2], a[3]); break;
    case __NR_rename: case __NR_symlink: case __NR_link: prefault_str(a[0]); prefault_str(a[1]); break;
    case __NR_getcwd: case __NR_getrandom: pw_prefault(a[0], a[1]); break;
    case __NR_uname: pw_prefault(a[0], 390); break;
    case __NR_pipe: case __NR_pipe2: pw_prefault(a[0], 8); break;
    case __NR_wait4: pw_prefault(a[1], 4); pw_prefault(a[3], 144); break;
    case __NR_poll: pw_prefault(a[0], 8 * a[1]); break;
    case __NR_clock_gettime: case __NR_clock_getres: pw_prefault(a[1], 16); break;
    case __NR_gettimeofday: pw_prefault(a[0], 16); pw_prefault(a[1], 8); break;
    case __NR_nanosleep: pw_prefault(a[0], 16); pw_prefault(a[1], 16); break;
    case __NR_clock_nanosleep: pw_prefault(a[2], 16); pw_prefault(a[3], 16); break;
    case __NR_rt_sigaction:
      pw_prefault(a[1], 32); pw_prefault(a[2], 32);
      if (a[0] == SIGSYS) {
        /* the guard's own signal: every process of the tree needs the handler (a child resetting its
         * handlers before exec, as Python's subprocess does, would die at its execve). Keep the
         * program's action aside and report it back; the real one does not change. */
        static struct k_sigaction sys_virtual;
        if (a[3] != 8) { g[REG_RAX] = -22; return; }
        struct k_sigaction old = sys_virtual;
        if (a[1]) pw_memcpy(&sys_virtual, (const void *)a[1], sizeof sys_virtual);
        if (a[2]) pw_memcpy((void *)a[2], &old, sizeof old);
        g[REG_RAX] = 0;
        return;
      }
      if (a[1] && a[0] != (uint64_t)pw.fault_sig) {
        /* a handler whose sa_mask blocks the pager's signal or SIGSYS: a lazy fault inside it would kill */
        pw_memcpy(&act_copy, (const void *)a[1], sizeof act_copy);
        act_copy.mask &= ~reserved_sigs();
        a[1] = (uint64_t)&act_copy;
      }
      if (pw.fault_sig && a[0] == (uint64_t)pw.fault_sig && a[1] && !pw.own_fault_taken) {
        /* the program takes the pager's signal (SIGSEGV, or SIGBUS in the uffd via) for itself: the
         * pager can no longer see faults, so map every page left now; from here on each such signal
         * the program sees is a genuine one */
        pw_map_all();
        pw.own_fault_taken = 1;
      }
      break;
    case __NR_rt_sigprocmask: pw_prefault(a[1], 8); pw_prefault(a[2], 8); break;
    case __NR_sigaltstack: pw_prefault(a[0], 24); pw_prefault(a[1], 24); break;
    case __NR_ioctl: pw_prefault(a[2], 64); break;
    case __NR_prlimit64: pw_prefault(a[2], 16); pw_prefault(a[3], 16); break;
    case __NR_getrlimit: pw_prefault(a[1], 16); break;
    case __NR_sysinfo: pw_prefault(a[0], 112); break;
    case __NR_times: pw_prefault(a[0], 32); break;
    case __NR_sched_getaffinity: case __NR_sched_setaffinity: pw_prefault(a[2], a[1]); break;
    case __NR_epoll_wait: case __NR_epoll_pwait: pw_prefault(a[1], 12 * a[2]); break;
    case __NR_rseq: pw_prefault(a[0], a[1]); break;
    case __NR_execve:
      prefault_str(a[0]); prefault_strvec(a[1]); prefault_strvec(a[2]);
      /* the new program inherits the mask of this thread, which in here blocks SIGSYS: give it the
       * program's own (sigreturn restores it anyway if the exec fails) */
      allowed6(__NR_rt_sigprocmask, SIG_SETMASK, (long)&uc->uc_sigmask, 0, 8, 0, 0);
      pw_hybrid_exit(nr); /* hybrid.c: the loaded image ends here: count, END record */
      exec_through_loader((const char *)a[0], (char *const *)a[1], (char *const *)a[2]);
      break;
    case __NR_execveat: prefault_str(a[1]); prefault_strvec(a[2]); prefault_strvec(a[3]); break;
    case __NR_symlinkat: prefault_str(a[0]); prefault_str(a[2]); break;
    case __NR_linkat: case __NR_renameat: case __NR_renameat2: prefault_str(a[1]); prefault_str(a[3]); break;
    case __NR_utimensat: prefault_str(a[1]); pw_prefault(a[2], 32); break;
    case __NR_statfs: prefault_str(a[0]); pw_prefault(a[1], 120); break;
    case __NR_fstatfs: pw_prefault(a[1], 120); break;
    case __NR_ppoll: pw_prefault(a[0], 8 * a[1]); pw_prefault(a[2], 16); break;
    case __NR_epoll_ctl: pw_prefault(a[3], 12); break;
    case __NR_socketpair: pw_prefault(a[3], 8); break;
    case __NR_accept: case __NR_accept4: case __NR_getsockname: case __NR_getpeername:
      /* addrlen first (in, out), then the address it sizes */
      if (a[2]) { pw_prefault(a[2], 4); pw_prefault(a[1], *(const uint32_t *)a[2]); }
      break;
    case __NR_sendmsg: case __NR_recvmsg: {
      /* the header, then what it points to: name, the iovec array and its buffers, control data */
      pw_prefault(a[1], 56);
      const struct { uint64_t name; uint32_t namelen, pad; uint64_t iov, iovlen, control, controllen; } *h = (const void *)a[1];
      if (!h) break;
      pw_prefault(h->name, h->namelen);
      prefault_iov(h->iov, h->iovlen);
      pw_prefault(h->control, h->controllen);
      break;
    }
    case __NR_mmap:
      /* only MAP_FIXED (0x10) can replace lazy pages; a mere hint (or NULL) never lands on the
       * reservations, which are mappings the kernel will not place over */
      if (!(a[3] & 0x10)) break;
      /* fall through */
    case __NR_mprotect: case __NR_munmap: case __NR_madvise: case __NR_mremap:
      /* the program changes its own image: make its lazy pages real first, so the change applies to
       * the contents a direct run would have (a PROT_NONE reservation turned readable would read 0) */
      pw_prefault(a[0], a[1]); break;
    case __NR_fork: case __NR_vfork: case __NR_clone:
      /* uffd via: a child would not inherit the userfaultfd registration and would see zero pages */
      pw_map_all();
      if (nr == __NR_vfork) nr = __NR_fork; /* vfork's child would return through this frame */
      break;
    case __NR_exit_group: case __NR_exit: pw_hybrid_exit(nr); break; /* hybrid.c: count, END record */
    default: break;
  }
  long r = allowed6(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4], (long)a[5]);
  pw_hybrid_after_syscall(nr, a, r); /* hybrid.c: an exit trap for code ld.so maps */
  /* The signal mask and the alternate stack are restored from the ucontext by rt_sigreturn, so a
   * change made here would be undone: apply it to the ucontext, and report the program's values,
   * not this handler's. The real call above has validated the arguments (EFAULT, EINVAL). */
  if (nr == __NR_rt_sigprocmask && !sys_failed(r)) {
    uint64_t *cur = (uint64_t *)&uc->uc_sigmask;
    uint64_t before = *cur;
    uint64_t res = reserved_sigs();
    before |= virt_masked & res;
    if (a[1]) {
      uint64_t set = *(const uint64_t *)a[1], now = before;
      if (a[0] == SIG_BLOCK) now |= set;
      else if (a[0] == SIG_UNBLOCK) now &= ~set;
      else now = set;
      now &= ~((1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1)));
      virt_masked = now & res;
      *cur = now & ~res;
    }
    if (a[2]) *(uint64_t *)a[2] = before;
  } else if (nr == __NR_sigaltstack && !sys_failed(r)) {
    if (a[1]) pw_memcpy((void *)a[1], &uc->uc_stack, sizeof(stack_t));
    if (a[0]) pw_memcpy(&uc->uc_stack, (const void *)a[0], sizeof(stack_t));
  }
  g[REG_RAX] = r;
}

/* ---- --via uffd-thread: the pager thread ----
 * Reads the userfaultfd and resolves each missing-page fault with UFFDIO_COPY / UFFDIO_ZEROPAGE, while
 * the faulting thread waits in the kernel. No signal of the program is touched. Slow on a VM whose
 * halted vCPUs wake through the host (two cross-CPU wake-ups per fault: docs/loader.md). */
void pw_uffd_pager(void) {
  for (;;) {
    struct uffd_msg m;
    long r = sys_read(pw.uffd, &m, sizeof m);
    if (r == -4 || r == -11) continue;
    if (sys_failed(r)) { pw_puts(2, "pagewise-loader: userfaultfd read failed: "); pw_puts(2, pw_errname(r)); pw_puts(2, "\n"); sys_exit_group(127); }
    if (m.event != UFFD_EVENT_PAGEFAULT) continue;
    uint64_t page = PW_PAGE_DOWN(m.arg.pagefault.address);
    struct pw_seg *s = pw_find_seg(page);
    long mr;
    if (!s || !s->state) {
      struct uffdio_zeropage z = {.range = {.start = page, .len = PW_PAGE}, .mode = 0};
      pw_syscall3(__NR_ioctl, pw.uffd, UFFDIO_ZEROPAGE, &z);
      continue;
    }
    int write = (m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE) != 0;
    while ((mr = claim_and_map(s, page, write)) == -11) pw_syscall0(__NR_sched_yield);
    if (mr == 0) { /* mapped by the guard meanwhile: wake the waiter */
      struct uffdio_range w = {.start = page, .len = PW_PAGE};
      pw_syscall3(__NR_ioctl, pw.uffd, UFFDIO_WAKE, &w);
    }
    if (mr < 0) { fail_line(" for a userfaultfd fault: ", page, mr); sys_exit_group(127); }
    add(&pw.shm->faults, 1);
    pw_hybrid_fault(m.arg.pagefault.address, 0); /* --record (hybrid.c) */
  }
}
