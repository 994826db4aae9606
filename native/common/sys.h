/*
 * sys.h: raw Linux x86-64 system calls and a few freestanding helpers.
 *
 * Contract: usable anywhere, including inside a signal handler running on another program's thread
 * and on the restart path after the old mappings are gone. Nothing here touches libc state, errno,
 * TLS or the stack protector. Every call returns the kernel's raw result: >= 0 on success, -errno on
 * failure (test with sys_failed()). Everything is static inline, so each program gets its own copy
 * and no symbol is shared with, or interposed by, the program it lives beside.
 */
#ifndef PAGEWISE_SYS_H
#define PAGEWISE_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <asm/unistd.h>

#define PW_INLINE static inline __attribute__((always_inline, unused))

PW_INLINE long pw_syscall6(long n, long a, long b, long c, long d, long e, long f) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#define pw_syscall0(n) pw_syscall6((n), 0, 0, 0, 0, 0, 0)
#define pw_syscall1(n, a) pw_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define pw_syscall2(n, a, b) pw_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define pw_syscall3(n, a, b, c) pw_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define pw_syscall4(n, a, b, c, d) pw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define pw_syscall5(n, a, b, c, d, e) pw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

PW_INLINE int sys_failed(long r) { return (unsigned long)r > -4096UL; }

PW_INLINE long sys_read(int fd, void *buf, size_t n) { return pw_syscall3(__NR_read, fd, buf, n); }
PW_INLINE long sys_write(int fd, const void *buf, size_t n) { return pw_syscall3(__NR_write, fd, buf, n); }
PW_INLINE long sys_pread(int fd, void *buf, size_t n, long off) { return pw_syscall4(__NR_pread64, fd, buf, n, off); }
PW_INLINE long sys_pwrite(int fd, const void *buf, size_t n, long off) { return pw_syscall4(__NR_pwrite64, fd, buf, n, off); }
PW_INLINE long sys_open(const char *path, int flags, int mode) { return pw_syscall4(__NR_openat, -100 /*AT_FDCWD*/, path, flags, mode); }
PW_INLINE long sys_close(int fd) { return pw_syscall1(__NR_close, fd); }
PW_INLINE long sys_lseek(int fd, long off, int whence) { return pw_syscall3(__NR_lseek, fd, off, whence); }
PW_INLINE long sys_fsync(int fd) { return pw_syscall1(__NR_fsync, fd); }
PW_INLINE long sys_rename(const char *a, const char *b) { return pw_syscall2(__NR_rename, a, b); }
PW_INLINE long sys_unlink(const char *p) { return pw_syscall1(__NR_unlink, p); }
PW_INLINE long sys_readlink(const char *p, char *buf, size_t n) { return pw_syscall3(__NR_readlink, p, buf, n); }
PW_INLINE long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off) {
  return pw_syscall6(__NR_mmap, (long)addr, (long)len, prot, flags, fd, off);
}
PW_INLINE long sys_munmap(void *addr, size_t len) { return pw_syscall2(__NR_munmap, addr, len); }
PW_INLINE long sys_mprotect(void *addr, size_t len, int prot) { return pw_syscall3(__NR_mprotect, addr, len, prot); }
PW_INLINE long sys_mremap(void *old, size_t oldlen, size_t newlen, int flags, void *newaddr) {
  return pw_syscall5(__NR_mremap, old, oldlen, newlen, flags, newaddr);
}
PW_INLINE long sys_brk(void *addr) { return pw_syscall1(__NR_brk, addr); }
PW_INLINE long sys_getpid(void) { return pw_syscall0(__NR_getpid); }
PW_INLINE long sys_gettid(void) { return pw_syscall0(__NR_gettid); }
PW_INLINE long sys_kill(int pid, int sig) { return pw_syscall2(__NR_kill, pid, sig); }
PW_INLINE long sys_tgkill(int tgid, int tid, int sig) { return pw_syscall3(__NR_tgkill, tgid, tid, sig); }
PW_INLINE long sys_rt_sigaction(int sig, const void *act, void *old, size_t sz) {
  return pw_syscall4(__NR_rt_sigaction, sig, act, old, sz);
}
PW_INLINE long sys_rt_sigprocmask(int how, const void *set, void *old, size_t sz) {
  return pw_syscall4(__NR_rt_sigprocmask, how, set, old, sz);
}
PW_INLINE long sys_sigaltstack(const void *ss, void *old) { return pw_syscall2(__NR_sigaltstack, ss, old); }
PW_INLINE long sys_arch_prctl(int code, unsigned long addr) { return pw_syscall2(__NR_arch_prctl, code, addr); }
PW_INLINE long sys_prctl(int op, long a, long b, long c, long d) { return pw_syscall5(__NR_prctl, op, a, b, c, d); }
PW_INLINE long sys_getrandom(void *buf, size_t n, unsigned flags) { return pw_syscall3(__NR_getrandom, buf, n, flags); }
PW_INLINE long sys_clock_gettime(int clk, void *ts) { return pw_syscall2(__NR_clock_gettime, clk, ts); }
PW_INLINE long sys_nanosleep(const void *req, void *rem) { return pw_syscall2(__NR_nanosleep, req, rem); }
PW_INLINE long sys_fstat(int fd, void *st) { return pw_syscall2(__NR_fstat, fd, st); }
PW_INLINE long sys_rseq(void *rseq, uint32_t len, int flags, uint32_t sig) { return pw_syscall4(__NR_rseq, rseq, len, flags, sig); }
/* added for ckpt/restart */
PW_INLINE long sys_getdents64(int fd, void *buf, size_t n) { return pw_syscall3(__NR_getdents64, fd, buf, n); }
PW_INLINE long sys_fcntl(int fd, int cmd, long arg) { return pw_syscall3(__NR_fcntl, fd, cmd, arg); }
PW_INLINE long sys_stat(const char *path, void *st) { return pw_syscall4(__NR_newfstatat, -100 /*AT_FDCWD*/, path, st, 0); }
PW_INLINE long sys_dup3(int oldfd, int newfd, int flags) { return pw_syscall3(__NR_dup3, oldfd, newfd, flags); }
PW_INLINE long sys_fchmod(int fd, int mode) { return pw_syscall2(__NR_fchmod, fd, mode); }
PW_INLINE long sys_futex(void *uaddr, int op, int val, const void *timeout) { return pw_syscall4(__NR_futex, uaddr, op, val, timeout); }
PW_INLINE long sys_get_robust_list(int tid, void *head_ptr, void *len_ptr) { return pw_syscall3(__NR_get_robust_list, tid, head_ptr, len_ptr); }
PW_INLINE long sys_set_robust_list(void *head, size_t len) { return pw_syscall2(__NR_set_robust_list, head, len); }
PW_INLINE long sys_timer_create(int clk, void *sev, void *id) { return pw_syscall3(__NR_timer_create, clk, sev, id); }
PW_INLINE long sys_timer_settime(int id, int flags, const void *its, void *old) {
  return pw_syscall4(__NR_timer_settime, id, flags, its, old);
}
PW_INLINE __attribute__((noreturn)) void sys_exit_group(int code) {
  for (;;) pw_syscall1(__NR_exit_group, code);
}

/* ---- freestanding helpers (no libc) ---- */
PW_INLINE size_t pw_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
PW_INLINE void pw_memcpy(void *d, const void *s, size_t n) {
  unsigned char *dd = d; const unsigned char *ss = s;
  while (n--) *dd++ = *ss++;
}
PW_INLINE void pw_memset(void *d, int c, size_t n) { unsigned char *dd = d; while (n--) *dd++ = (unsigned char)c; }
PW_INLINE int pw_memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++) if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}
PW_INLINE int pw_strcmp(const char *a, const char *b) {
  while (*a && *a == *b) { a++; b++; }
  return (unsigned char)*a - (unsigned char)*b;
}
/* Write all of buf, retrying short writes and EINTR. Returns 0 or -errno. */
PW_INLINE long pw_write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n) {
    long r = sys_write(fd, p, n);
    if (r == -4 /*EINTR*/) continue;
    if (sys_failed(r)) return r;
    p += r; n -= (size_t)r;
  }
  return 0;
}
PW_INLINE void pw_puts(int fd, const char *s) { pw_write_all(fd, s, pw_strlen(s)); }
/* Format v in base 10 or 16 into buf (at least 24 bytes); returns the length. */
PW_INLINE size_t pw_utoa(unsigned long v, char *buf, int base) {
  char tmp[24]; size_t n = 0;
  do { unsigned d = (unsigned)(v % (unsigned)base); tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10); v /= (unsigned)base; } while (v);
  for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  buf[n] = 0;
  return n;
}
/* Parse hex digits at *s, advancing it. */
PW_INLINE unsigned long pw_parse_hex(const char **s) {
  unsigned long v = 0;
  for (;;) {
    char c = **s; unsigned d;
    if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
    else return v;
    v = v * 16 + d; (*s)++;
  }
}
/* errno name for messages that follow the template "pagewise-loader: cannot map segment 2 of ./a.out: ENOMEM". */
PW_INLINE const char *pw_errname(long neg) {
  switch (-neg) {
    case 1: return "EPERM"; case 2: return "ENOENT"; case 4: return "EINTR"; case 5: return "EIO";
    case 9: return "EBADF"; case 11: return "EAGAIN"; case 12: return "ENOMEM"; case 13: return "EACCES";
    case 14: return "EFAULT"; case 16: return "EBUSY"; case 17: return "EEXIST"; case 19: return "ENODEV";
    case 20: return "ENOTDIR"; case 21: return "EISDIR"; case 22: return "EINVAL"; case 24: return "EMFILE";
    case 26: return "ETXTBSY"; case 28: return "ENOSPC"; case 36: return "ENAMETOOLONG"; case 38: return "ENOSYS";
    case 40: return "ELOOP"; case 75: return "EOVERFLOW"; case 95: return "EOPNOTSUPP";
    default: return "error";
  }
}

#endif
