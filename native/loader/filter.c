/*
 * filter.c: the seccomp filter of the demand modes (the kernel-touch guard), built before the jump.
 *
 * Why: a system call whose buffer lies in a page not mapped yet gets EFAULT (or a short count) from
 * the kernel and never a SIGSEGV; the userfaultfd (user-mode-only, SIGBUS feature) does not serve it
 * either.
 * So the filter sends SIGSYS (SECCOMP_RET_TRAP) for the system calls that take a user pointer when a
 * pointer argument lies in the program's lazy ranges, and pager.c's pw_sys_handler maps those pages and
 * issues the call itself. Calls made from the loader's own text always pass (that is how the handler
 * issues them, and the trampoline page of loader.h). It also traps every call that may block signals
 * or install an action (the pager's SIGSEGV or SIGBUS, and SIGSYS, must stay deliverable), every
 * execve (the new program is run through the loader, so every process of the tree has the SIGSYS
 * handler), and in the uffd via every fork (a child does not inherit the registration: map everything
 * first); clone3 gets ENOSYS so that libc falls back to clone, whose flags the filter can see.
 * The filter is inherited by every program this one execs and can never be removed, so nothing is
 * trapped unconditionally: only pointers (or the calling code) inside the lazy ranges are.
 *
 * Program: [arch check][loader ip -> allow][dispatch: jeq nr / ja block]...[allow][blocks]; RANGE rules
 * with the same argument set jump to one shared block.
 * 64-bit ranges are compared as (high word ==, low word in [lo, hi]): ranges are split at 4 GiB lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "loader.h"

#define MAXI 4000
#define SIGSYS_NR 31
static struct sock_filter prog[MAXI];
static int n;
static struct { uint32_t hi, lo, last; } piece[64];
static int npiece;

#define ARG_LO(i) (16 + 8 * (i))
#define ARG_HI(i) (16 + 8 * (i) + 4)
static void emit(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  if (n >= 0 && n < MAXI) prog[n] = (struct sock_filter){code, jt, jf, k};
  n++;
}
static void ld(uint32_t off) { emit(BPF_LD | BPF_W | BPF_ABS, off, 0, 0); }
static void ret(uint32_t v) { emit(BPF_RET | BPF_K, v, 0, 0); }

/* trap when the 64-bit word at seccomp_data offset `off` lies in any lazy piece */
static void range_check_at(uint32_t off) {
  for (int p = 0; p < npiece; p++) {
    ld(off + 4);
    emit(BPF_JMP | BPF_JEQ | BPF_K, piece[p].hi, 0, 4);
    ld(off);
    emit(BPF_JMP | BPF_JGE | BPF_K, piece[p].lo, 0, 2);
    emit(BPF_JMP | BPF_JGT | BPF_K, piece[p].last, 1, 0);
    ret(SECCOMP_RET_TRAP);
  }
}
static void range_check(int i) { range_check_at(ARG_LO(i)); }

enum kind { RANGE, SEGV, MASK, FORK_IP, CLONE, ENOSYS_, ALWAYS, SETS_MASK };
struct rule { int nr; enum kind kind; unsigned args; };

static void add_pieces(uint64_t lo, uint64_t hi) {
  while (lo < hi && npiece < 64) {
    uint64_t line = (lo | 0xffffffffUL) + 1, end = hi < line ? hi : line;
    piece[npiece].hi = (uint32_t)(lo >> 32);
    piece[npiece].lo = (uint32_t)lo;
    piece[npiece].last = (uint32_t)(end - 1);
    npiece++;
    lo = end;
  }
}

int pw_install_filter(char *msg, size_t msglen) {
  struct rule rules[128];
  int nr = 0;
  /* system call buffers: the kernel's own accesses to lazy pages get EFAULT unless a privileged
   * uffd-thread pager serves them (the uffd via delivers faults as SIGBUS: EFAULT too) */
  int guard_buffers = pw.via != PW_LOADER_VIA_UFFD_THREAD || pw.uffd_user_only;
#define R(x, k, a) rules[nr++] = (struct rule){(x), (k), (a)}
  if (guard_buffers) {
    R(SYS_read, RANGE, 2); R(SYS_write, RANGE, 2); R(SYS_pread64, RANGE, 2); R(SYS_pwrite64, RANGE, 2);
    R(SYS_getdents64, RANGE, 2); R(SYS_recvfrom, RANGE, 2); R(SYS_sendto, RANGE, 2);
    R(SYS_readv, RANGE, 2); R(SYS_writev, RANGE, 2); R(SYS_preadv, RANGE, 2); R(SYS_pwritev, RANGE, 2);
    R(SYS_open, RANGE, 1); R(SYS_access, RANGE, 1); R(SYS_chdir, RANGE, 1); R(SYS_mkdir, RANGE, 1);
    R(SYS_unlink, RANGE, 1); R(SYS_rmdir, RANGE, 1); R(SYS_stat, RANGE, 3); R(SYS_lstat, RANGE, 3);
    R(SYS_fstat, RANGE, 2); R(SYS_openat, RANGE, 2); R(SYS_faccessat, RANGE, 2); R(SYS_faccessat2, RANGE, 2);
    R(SYS_unlinkat, RANGE, 2); R(SYS_mkdirat, RANGE, 2); R(SYS_newfstatat, RANGE, 6); R(SYS_statx, RANGE, 0x12);
    R(SYS_readlink, RANGE, 3); R(SYS_readlinkat, RANGE, 6); R(SYS_rename, RANGE, 3); R(SYS_getcwd, RANGE, 1);
    R(SYS_getrandom, RANGE, 1); R(SYS_uname, RANGE, 1); R(SYS_pipe, RANGE, 1); R(SYS_pipe2, RANGE, 1);
    R(SYS_wait4, RANGE, 0xa); R(SYS_poll, RANGE, 1); R(SYS_clock_gettime, RANGE, 2); R(SYS_gettimeofday, RANGE, 3);
    R(SYS_nanosleep, RANGE, 3); R(SYS_clock_nanosleep, RANGE, 0xc);
    R(SYS_rt_sigprocmask, SETS_MASK, 6);
    R(SYS_sigaltstack, RANGE, 3); R(SYS_ioctl, RANGE, 4); R(SYS_prlimit64, RANGE, 0xc); R(SYS_getrlimit, RANGE, 2);
    R(SYS_sysinfo, RANGE, 1); R(SYS_times, RANGE, 1); R(SYS_sched_getaffinity, RANGE, 4); R(SYS_epoll_wait, RANGE, 2);
    R(SYS_rseq, RANGE, 1); R(SYS_execveat, RANGE, 0xe);
    /* more names, addresses and messages (fixture loader-kbufs) */
    R(SYS_memfd_create, RANGE, 1); R(SYS_chmod, RANGE, 1); R(SYS_chown, RANGE, 1); R(SYS_lchown, RANGE, 1);
    R(SYS_truncate, RANGE, 1); R(SYS_symlink, RANGE, 3); R(SYS_link, RANGE, 3); R(SYS_symlinkat, RANGE, 5);
    R(SYS_linkat, RANGE, 0xa); R(SYS_renameat, RANGE, 0xa); R(SYS_renameat2, RANGE, 0xa); R(SYS_fchmodat, RANGE, 2);
    R(SYS_fchownat, RANGE, 2); R(SYS_utimensat, RANGE, 6); R(SYS_statfs, RANGE, 3); R(SYS_fstatfs, RANGE, 2);
    R(SYS_getdents, RANGE, 2); R(SYS_getrusage, RANGE, 2); R(SYS_clock_getres, RANGE, 2); R(SYS_ppoll, RANGE, 5);
    R(SYS_epoll_ctl, RANGE, 8); R(SYS_epoll_pwait, RANGE, 2); R(SYS_sched_setaffinity, RANGE, 4);
    R(SYS_socketpair, RANGE, 8); R(SYS_bind, RANGE, 2); R(SYS_connect, RANGE, 2); R(SYS_accept, RANGE, 6);
    R(SYS_accept4, RANGE, 6); R(SYS_getsockname, RANGE, 6); R(SYS_getpeername, RANGE, 6);
    R(SYS_sendmsg, RANGE, 2); R(SYS_recvmsg, RANGE, 2); R(SYS_inotify_add_watch, RANGE, 2);
  }
  if (pw.via == PW_LOADER_VIA_SIGNAL) {
    R(SYS_rt_sigaction, SETS_MASK, 6);
    R(SYS_mprotect, RANGE, 1); R(SYS_munmap, RANGE, 1); R(SYS_madvise, RANGE, 1); R(SYS_mremap, RANGE, 1);
    R(SYS_mmap, RANGE, 1);
  } else {
    R(SYS_rt_sigaction, SETS_MASK, 6);
    if (!guard_buffers) R(SYS_rt_sigprocmask, SETS_MASK, 6);
    R(SYS_fork, ALWAYS, 0); R(SYS_vfork, ALWAYS, 0); R(SYS_clone, CLONE, 0);
    R(SYS_clone3, ENOSYS_, 0);
  }
  /* every execve, from anywhere: the new program is started through the loader (passthrough), which
   * installs the SIGSYS handler the inherited filter needs; see exec_through_loader in pager.c */
  R(SYS_execve, ALWAYS, 0);
  /* lazy ranges, merged */
  npiece = 0;
  for (int i = 0; i < pw.nseg;) {
    uint64_t lo = pw.seg[i].start, hi = pw.seg[i].end;
    int j = i + 1;
    while (j < pw.nseg && pw.seg[j].start <= hi) { if (pw.seg[j].end > hi) hi = pw.seg[j].end; j++; }
    add_pieces(lo, hi);
    i = j;
  }
  if (npiece >= 64) { snprintf(msg, msglen, "too many lazy ranges for the seccomp filter"); return PW_LOADER_ERR_SECCOMP; }
  if ((pw.loader_lo >> 32) != ((pw.loader_hi - 1) >> 32)) { snprintf(msg, msglen, "the loader's text crosses a 4 GiB line"); return PW_LOADER_ERR_SECCOMP; }

  n = 0;
  ld(4);                                                             /* arch */
  emit(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  ret(SECCOMP_RET_ALLOW);
  ld(12);                                                            /* ip, high word */
  emit(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(pw.loader_lo >> 32), 0, 4);
  ld(8);                                                             /* ip, low word */
  emit(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)pw.loader_lo, 0, 2);
  emit(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)pw.loader_hi, 1, 0);
  ret(SECCOMP_RET_ALLOW);
  ld(12);                                                            /* ip in the trampoline page */
  emit(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(PW_TRAMPOLINE >> 32), 0, 4);
  ld(8);
  emit(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)PW_TRAMPOLINE, 0, 2);
  emit(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)(PW_TRAMPOLINE + PW_PAGE), 1, 0);
  ret(SECCOMP_RET_ALLOW);
  ld(0);                                                             /* nr */
  int dispatch = n;
  for (int r = 0; r < nr; r++) {
    emit(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)rules[r].nr, 0, 1);
    emit(BPF_JMP | BPF_JA, 0, 0, 0);                                 /* patched below */
  }
  ret(SECCOMP_RET_ALLOW);
  /* RANGE rules with the same argument set share one block (the dispatch table precedes every block,
   * so the jump stays forward): a shorter program, cheaper for the kernel to check and compile */
  int shared[64];
  for (int k = 0; k < 64; k++) shared[k] = -1;
  for (int r = 0; r < nr; r++) {
    int ja = dispatch + 2 * r + 1;
    if (rules[r].kind == RANGE && rules[r].args < 64 && shared[rules[r].args] >= 0) {
      if (ja < MAXI) prog[ja].k = (uint32_t)(shared[rules[r].args] - (ja + 1));
      continue;
    }
    if (rules[r].kind == RANGE && rules[r].args < 64) shared[rules[r].args] = n;
    if (ja < MAXI) prog[ja].k = (uint32_t)(n - (ja + 1));
    if (rules[r].nr == SYS_rt_sigaction) {
      /* SIGSYS stays the guard's in every process of the tree: the handler keeps the program's wish */
      ld(ARG_LO(0));
      emit(BPF_JMP | BPF_JEQ | BPF_K, SIGSYS_NR, 0, 1);
      ret(SECCOMP_RET_TRAP);
    }
    switch (rules[r].kind) {
      case SETS_MASK:
        /* every call that may block signals or install an action (whose sa_mask may block them),
         * from any code: SIGSYS and the pager's SIGSEGV or SIGBUS must never really be blocked, or a
         * trapped call (a lazy fault) kills the process; the handler strips them (pager.c) */
        if (rules[r].nr == SYS_rt_sigprocmask) {
          ld(ARG_LO(0));
          emit(BPF_JMP | BPF_JEQ | BPF_K, 1 /* SIG_UNBLOCK */, 5, 0);
        } else {
          emit(BPF_JMP | BPF_JA, 1, 0, 0);
          emit(BPF_JMP | BPF_JA, 0, 0, 0); /* keeps the offsets below the same */
        }
        ld(ARG_LO(1));
        emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2);
        ld(ARG_HI(1));
        emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
        ret(SECCOMP_RET_TRAP);
        range_check_at(8);
        for (int i = 0; i < 6; i++) if (rules[r].args & (1u << i)) range_check(i);
        ret(SECCOMP_RET_ALLOW);
        break;
      case SEGV:
        ld(ARG_LO(0));
        emit(BPF_JMP | BPF_JEQ | BPF_K, 11, 0, 1);
        ret(SECCOMP_RET_TRAP);
        /* FALLTHROUGH */
      case MASK:
        /* signal masks set by the program's own code (a static program's libc blocks every signal
         * around clone): the pager's signal must never really be blocked while pages are still lazy */
        range_check_at(8);
        /* FALLTHROUGH */
      case RANGE:
        for (int i = 0; i < 6; i++) if (rules[r].args & (1u << i)) range_check(i);
        ret(SECCOMP_RET_ALLOW);
        break;
      case CLONE:
        ld(ARG_LO(0));
        emit(BPF_JMP | BPF_JSET | BPF_K, 0x100 /* CLONE_VM */, 0, 1);
        ret(SECCOMP_RET_ALLOW);
        /* a fork from anywhere (a dynamic program's libc.so too): every process of the tree has the
         * handler (execve is always trapped), so trapping from any code is safe */
        ret(SECCOMP_RET_TRAP);
        break;
      case FORK_IP:
        /* only when called from the program's or interpreter's own code (a static program's fork):
         * a program exec'd later by this one inherits the filter and must never be trapped */
        range_check_at(8);
        ret(SECCOMP_RET_ALLOW);
        break;
      case ENOSYS_:
        ret(SECCOMP_RET_ERRNO | ENOSYS);
        break;
      case ALWAYS:
        ret(SECCOMP_RET_TRAP);
        break;
    }
  }
  if (n > MAXI || n > BPF_MAXINSNS) { snprintf(msg, msglen, "seccomp filter too long (%d instructions)", n); return PW_LOADER_ERR_SECCOMP; }
  struct sock_fprog fp = {.len = (unsigned short)n, .filter = prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
    snprintf(msg, msglen, "cannot install the seccomp filter: %s", strerror(errno));
    return PW_LOADER_ERR_SECCOMP;
  }
  return 0;
}
