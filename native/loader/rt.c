/*
 * rt.c: the loader's own small C runtime, so that pagewise-loader links without libc (-nostdlib).
 *
 * Why: the loader is exec'd before every program it loads, so its own start is paid by every run.
 * Linked with glibc (static-pie, 1.2 MB) it cost about 0.25 ms more than a freestanding program to
 * exec and start (self-relocation of ~1300 pointers, IRELATIVE and CPU feature set-up, TLS, stdio),
 * and as root every page of it had to be copied before /proc/self/exe could name the program
 * (docs/loader.md, "Start-up").
 *
 * Contract: exactly the subset of the C library that loader.c, check.c and filter.c call, with the
 * same semantics for the uses made of it: system call wrappers setting errno, string and memory
 * functions, getenv/getauxval, a bump allocator (calloc/strdup; never freed; in mmap()ed chunks, not in
 * the loader's image, because a #! expansion's strings become the program's argv), realpath (through
 * /proc/self/fd), strtol/strtoul, snprintf/vsnprintf/fprintf to fd 2 (%d %i %u %x %o %s %c %p %%, flags
 * '-' '0', width, precision for %s, l/z/h length), strerror (glibc's wording for the errors the loader
 * can meet). Nothing here is used after the jump: pager.c and hybrid.c are freestanding on their own.
 *
 * 1. _start: rsp points at argc; call pw_rt_start(sp) with the ABI's stack alignment.
 * 2. pw_rt_start applies the static-pie's R_X86_64_RELATIVE relocations (before any code reads a
 *    pointer from data), finds argc, argv, envp and the auxv, and calls exit(main(argc, argv, envp)).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sys.h"

int main(int argc, char **argv, char **envp);

/* ---- 1, 2. start-up ---- */
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "\txor %ebp, %ebp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall pw_rt_start\n\thlt\n");

extern ElfW(Dyn) _DYNAMIC[] __attribute__((visibility("hidden")));
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));
static char **rt_environ;
static const ElfW(auxv_t) *rt_auxv;

__attribute__((used, noreturn)) void pw_rt_start(uint64_t *sp) {
  uint64_t base = (uint64_t)&__ehdr_start, rela = 0, relasz = 0;
  for (const ElfW(Dyn) *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_RELA) rela = d->d_un.d_ptr;
    else if (d->d_tag == DT_RELASZ) relasz = d->d_un.d_val;
  }
  for (const ElfW(Rela) *r = (const ElfW(Rela) *)(base + rela); relasz >= sizeof *r; r++, relasz -= sizeof *r)
    if (ELF64_R_TYPE(r->r_info) == R_X86_64_RELATIVE) *(uint64_t *)(base + r->r_offset) = base + (uint64_t)r->r_addend;
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1), **envp = argv + argc + 1, **e = envp;
  while (*e) e++;
  rt_environ = envp;
  rt_auxv = (const ElfW(auxv_t) *)(e + 1);
  exit(main(argc, argv, envp));
}

/* ---- errno and system calls ---- */
static int rt_errno;
int *__errno_location(void) { return &rt_errno; }
static long rt_ret(long r) {
  if (sys_failed(r)) { rt_errno = (int)-r; return -1; }
  return r;
}
void exit(int code) { sys_exit_group(code); }
int open(const char *path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
  va_end(ap);
  return (int)rt_ret(sys_open(path, flags, mode));
}
int close(int fd) { return (int)rt_ret(sys_close(fd)); }
ssize_t read(int fd, void *buf, size_t n) { return rt_ret(sys_read(fd, buf, n)); }
ssize_t write(int fd, const void *buf, size_t n) { return rt_ret(sys_write(fd, buf, n)); }
int fstat(int fd, struct stat *st) { return (int)rt_ret(sys_fstat(fd, st)); }
int access(const char *path, int mode) { return (int)rt_ret(pw_syscall2(__NR_access, path, mode)); }
ssize_t readlink(const char *path, char *buf, size_t n) { return rt_ret(sys_readlink(path, buf, n)); }
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  long r = sys_mmap(addr, len, prot, flags, fd, off);
  return sys_failed(r) ? (rt_errno = (int)-r, MAP_FAILED) : (void *)r;
}
int munmap(void *addr, size_t len) { return (int)rt_ret(sys_munmap(addr, len)); }
int mprotect(void *addr, size_t len, int prot) { return (int)rt_ret(sys_mprotect(addr, len, prot)); }
void *mremap(void *old, size_t oldlen, size_t newlen, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  void *na = (flags & MREMAP_FIXED) ? va_arg(ap, void *) : NULL;
  va_end(ap);
  long r = sys_mremap(old, oldlen, newlen, flags, na);
  return sys_failed(r) ? (rt_errno = (int)-r, MAP_FAILED) : (void *)r;
}
int prctl(int op, ...) {
  va_list ap;
  va_start(ap, op);
  long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long), d = va_arg(ap, long);
  va_end(ap);
  return (int)rt_ret(sys_prctl(op, a, b, c, d));
}
int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  long arg = va_arg(ap, long);
  va_end(ap);
  return (int)rt_ret(pw_syscall3(__NR_ioctl, fd, req, arg));
}
int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return (int)rt_ret(sys_fcntl(fd, cmd, arg));
}
long syscall(long n, ...) {
  va_list ap;
  va_start(ap, n);
  long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long), d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
  va_end(ap);
  return rt_ret(pw_syscall6(n, a, b, c, d, e, f));
}
ssize_t getrandom(void *buf, size_t n, unsigned flags) { return rt_ret(sys_getrandom(buf, n, flags)); }
int sigaltstack(const stack_t *ss, stack_t *old) { return (int)rt_ret(sys_sigaltstack(ss, old)); }
int clock_gettime(clockid_t clk, struct timespec *ts) { return (int)rt_ret(sys_clock_gettime(clk, ts)); }
uid_t getuid(void) { return (uid_t)pw_syscall0(__NR_getuid); }
uid_t geteuid(void) { return (uid_t)pw_syscall0(__NR_geteuid); }
gid_t getgid(void) { return (gid_t)pw_syscall0(__NR_getgid); }
gid_t getegid(void) { return (gid_t)pw_syscall0(__NR_getegid); }
pid_t getpid(void) { return (pid_t)sys_getpid(); }

/* ---- memory and strings (gcc may also call memcpy/memset/memmove/memcmp/strlen itself) ---- */
void *memcpy(void *d, const void *s, size_t n) {
  void *ret = d;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return ret;
}
void *memmove(void *d, const void *s, size_t n) {
  unsigned char *dd = d;
  const unsigned char *ss = s;
  if (dd <= ss || dd >= ss + n) return memcpy(d, s, n);
  while (n--) dd[n] = ss[n];
  return d;
}
void *memset(void *d, int c, size_t n) {
  void *ret = d;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return ret;
}
int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++) if (*x != *y) return *x - *y;
  return 0;
}
size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}
int strncmp(const char *a, const char *b, size_t n) {
  for (; n; n--, a++, b++) { if (*a != *b) return (unsigned char)*a - (unsigned char)*b; if (!*a) return 0; }
  return 0;
}
char *strchr(const char *s, int c) {
  for (;; s++) { if (*s == (char)c) return (char *)s; if (!*s) return NULL; }
}
char *strrchr(const char *s, int c) {
  const char *r = NULL;
  for (;; s++) { if (*s == (char)c) r = s; if (!*s) return (char *)r; }
}
size_t strcspn(const char *s, const char *reject) {
  size_t n = 0;
  while (s[n] && !strchr(reject, s[n])) n++;
  return n;
}
char *strpbrk(const char *s, const char *accept) {
  s += strcspn(s, accept);
  return *s ? (char *)s : NULL;
}
char *strcpy(char *d, const char *s) { memcpy(d, s, strlen(s) + 1); return d; }
char *stpcpy(char *d, const char *s) { size_t n = strlen(s); memcpy(d, s, n + 1); return d + n; }

/* ---- allocation: a bump allocator in mmap()ed chunks (outside the loader's image), never freed ---- */
static char *arena, *arena_end;
void *calloc(size_t n, size_t size) {
  if (size && n > (size_t)-1 / size) { rt_errno = ENOMEM; return NULL; }
  size_t len = (n * size + 15) & ~(size_t)15;
  if (!len) len = 16;
  if (!arena || (size_t)(arena_end - arena) < len) {
    size_t chunk = len > 65536 ? (len + 4095) & ~(size_t)4095 : 65536;
    char *m = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    arena = m;
    arena_end = m + chunk;
  }
  void *r = arena; /* fresh anonymous memory is zero */
  arena += len;
  return r;
}
void *malloc(size_t n) { return calloc(1, n); }
void free(void *p) { (void)p; }
char *strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = calloc(1, n);
  return d ? memcpy(d, s, n) : NULL;
}

/* ---- environment, auxv, paths, numbers ---- */
char *getenv(const char *name) {
  size_t n = strlen(name);
  for (char **e = rt_environ; e && *e; e++)
    if (!strncmp(*e, name, n) && (*e)[n] == '=') return *e + n + 1;
  return NULL;
}
unsigned long getauxval(unsigned long type) {
  for (const ElfW(auxv_t) *a = rt_auxv; a && a->a_type != AT_NULL; a++)
    if (a->a_type == type) return a->a_un.a_val;
  rt_errno = ENOENT;
  return 0;
}
/* the kernel's own resolution of PATH: open it (O_PATH follows symlinks as realpath does) and read
 * back the name of what was opened */
char *realpath(const char *path, char *resolved) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return NULL;
  char link[32] = "/proc/self/fd/";
  char num[24];
  pw_utoa((unsigned long)fd, num, 10);
  memcpy(link + 14, num, strlen(num) + 1);
  ssize_t n = readlink(link, resolved, 4095);
  close(fd);
  if (n <= 0) return NULL;
  resolved[n] = 0;
  return resolved;
}
unsigned long strtoul(const char *s, char **end, int base) {
  const char *p = s;
  while (*p == ' ' || *p == '\t' || *p == '\n') p++;
  int neg = 0;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) { p += 2; base = 16; }
  else if (base == 0) base = p[0] == '0' ? 8 : 10;
  unsigned long v = 0;
  const char *digits = p;
  for (;; p++) {
    int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'z' ? *p - 'a' + 10 : *p >= 'A' && *p <= 'Z' ? *p - 'A' + 10 : 99;
    if (d >= base) break;
    v = v * (unsigned long)base + (unsigned long)d;
  }
  if (end) *end = (char *)(p == digits ? s : p);
  return neg ? -v : v;
}
long strtol(const char *s, char **end, int base) { return (long)strtoul(s, end, base); }
int atoi(const char *s) { return (int)strtol(s, NULL, 10); }

/* ---- formatting ---- */
int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
  size_t n = 0;
#define PUT(c) do { if (n + 1 < cap) buf[n] = (c); n++; } while (0)
  for (; *fmt; fmt++) {
    if (*fmt != '%') { PUT(*fmt); continue; }
    fmt++;
    int left = 0, zero = 0, width = 0, prec = -1, lng = 0;
    for (;; fmt++) {
      if (*fmt == '-') left = 1;
      else if (*fmt == '0') zero = 1;
      else break;
    }
    if (*fmt == '*') { width = va_arg(ap, int); fmt++; }
    else while (*fmt >= '0' && *fmt <= '9') width = width * 10 + *fmt++ - '0';
    if (*fmt == '.') {
      fmt++;
      prec = 0;
      if (*fmt == '*') { prec = va_arg(ap, int); fmt++; }
      else while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + *fmt++ - '0';
    }
    while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') { if (*fmt != 'h') lng = 1; fmt++; }
    char tmp[32], *s = tmp;
    size_t len = 0;
    int neg = 0;
    switch (*fmt) {
      case 'd': case 'i': {
        long v = lng ? va_arg(ap, long) : va_arg(ap, int);
        unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
        neg = v < 0;
        char *q = tmp + sizeof tmp;
        do { *--q = (char)('0' + u % 10); u /= 10; } while (u);
        s = q; len = (size_t)(tmp + sizeof tmp - q);
        break;
      }
      case 'u': case 'x': case 'X': case 'o': case 'p': {
        unsigned long u = *fmt == 'p' ? (unsigned long)va_arg(ap, void *) : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
        unsigned b = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
        const char *dig = *fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        char *q = tmp + sizeof tmp;
        do { *--q = dig[u % b]; u /= b; } while (u);
        if (*fmt == 'p') { *--q = 'x'; *--q = '0'; }
        s = q; len = (size_t)(tmp + sizeof tmp - q);
        break;
      }
      case 's':
        s = va_arg(ap, char *);
        if (!s) s = "(null)";
        len = strlen(s);
        if (prec >= 0 && (size_t)prec < len) len = (size_t)prec;
        zero = 0;
        break;
      case 'c': tmp[0] = (char)va_arg(ap, int); len = 1; zero = 0; break;
      case '%': tmp[0] = '%'; len = 1; zero = 0; break;
      default: tmp[0] = '%'; tmp[1] = *fmt; len = *fmt ? 2 : 1; if (!*fmt) fmt--; zero = 0; break;
    }
    int pad = width - (int)len - neg;
    if (!left && !zero) while (pad-- > 0) PUT(' ');
    if (neg) PUT('-');
    if (!left && zero) while (pad-- > 0) PUT('0');
    for (size_t k = 0; k < len; k++) PUT(s[k]);
    if (left) while (pad-- > 0) PUT(' ');
  }
  if (cap) buf[n < cap ? n : cap - 1] = 0;
#undef PUT
  return (int)n;
}
int snprintf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}
/* stdio: only stderr is used (messages to fd 2, unbuffered) */
static char rt_stderr_tag;
FILE *stderr = (FILE *)&rt_stderr_tag;
int vfprintf(FILE *f, const char *fmt, va_list ap) {
  (void)f;
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  pw_write_all(2, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
  return n;
}
int fprintf(FILE *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprintf(f, fmt, ap);
  va_end(ap);
  return n;
}
size_t fwrite(const void *p, size_t size, size_t n, FILE *f) {
  (void)f;
  pw_write_all(2, p, size * n);
  return n;
}
int fputs(const char *s, FILE *f) { return (int)fwrite(s, 1, strlen(s), f); }
int fputc(int c, FILE *f) { char ch = (char)c; fwrite(&ch, 1, 1, f); return c; }

/* glibc's wording, for the errors the loader can meet; others by number */
char *strerror(int e) {
  static const struct { int e; const char *s; } t[] = {
    {EPERM, "Operation not permitted"}, {ENOENT, "No such file or directory"}, {EINTR, "Interrupted system call"},
    {EIO, "Input/output error"}, {ENXIO, "No such device or address"}, {E2BIG, "Argument list too long"},
    {ENOEXEC, "Exec format error"}, {EBADF, "Bad file descriptor"}, {EAGAIN, "Resource temporarily unavailable"},
    {ENOMEM, "Cannot allocate memory"}, {EACCES, "Permission denied"}, {EFAULT, "Bad address"},
    {EBUSY, "Device or resource busy"}, {EEXIST, "File exists"}, {ENODEV, "No such device"},
    {ENOTDIR, "Not a directory"}, {EISDIR, "Is a directory"}, {EINVAL, "Invalid argument"},
    {ENFILE, "Too many open files in system"}, {EMFILE, "Too many open files"}, {ETXTBSY, "Text file busy"},
    {EFBIG, "File too large"}, {ENOSPC, "No space left on device"}, {EROFS, "Read-only file system"},
    {ERANGE, "Numerical result out of range"}, {ENAMETOOLONG, "File name too long"}, {ENOSYS, "Function not implemented"},
    {ELOOP, "Too many levels of symbolic links"}, {EOVERFLOW, "Value too large for defined data type"},
    {EOPNOTSUPP, "Operation not supported"}, {ESTALE, "Stale file handle"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) if (t[i].e == e) return (char *)t[i].s;
  static char unknown[48] = "Unknown error ";
  pw_utoa((unsigned long)e, unknown + 14, 10);
  return unknown;
}
