/*
 * pagewise-loader: load an ELF program into this process and run it, without execve of the program.
 *
 *   pagewise-loader [--mode eager|demand] [--via signal|uffd] [--shm FD] [--check] --exec PATH -- ARGV0 ARGS...
 *   pagewise-loader ARGS...  (argv[1] none of the options: a program's re-execution of /proc/self/exe)
 *
 * 1. Arguments; map the shared page (--shm FD from pagewise-exec) where state, counters and a failure
 *    message go (state LOADING). An argv that is not the loader's own, with the self fd (PW_SELF_FD)
 *    an eager run left: the program re-executed /proc/self/exe, which still names the loader; load
 *    the fd's file eagerly with that argv, as execve would have.
 * 2. Check everything (check.c): PATH is a regular executable file, not setuid/setgid (it would run
 *    without its privileges), and a loadable x86-64 ELF image; the same for its PT_INTERP, if any.
 * 3. Choose where each image goes: ET_EXEC at its own addresses (refused if they meet any existing
 *    mapping: the loader, its heap, the stack, the vDSO), a PIE at 0x555555554000 plus a random page
 *    offset as the kernel does, the interpreter wherever mmap(NULL) reserves room.
 * 4. Map. eager: every PT_LOAD from the file with its permissions, the partial page after the file
 *    bytes zeroed, the rest anonymous. demand/signal: each segment's pages reserved PROT_NONE, no
 *    contents; pager.c maps them on first touch. demand/uffd: anonymous with final permissions,
 *    registered with a userfaultfd (user-mode-only, UFFD_FEATURE_SIGBUS: the faulting thread resolves
 *    its own fault in pager.c, with no pager thread; see setup_uffd for why).
 * 5. Build the initial stack below the loader's frames: argc, argv (the loader's own strings), envp,
 *    a complete auxiliary vector (AT_RANDOM fresh, the rest the loader's own, passed through, or the
 *    program's), 16-byte aligned; tell the kernel where the program's brk, argv, env and auxv are
 *    (prctl PR_SET_MM_MAP: needs no privilege; on refusal brk stays after the loader, see docs).
 * 6. Restore what the program should inherit: signal dispositions (handled -> default, ignored stay
 *    ignored: execve of the loader did it, the loader installs none of its own before), the signal
 *    mask, no rseq registration, none of the loader's fds but the pager's and, eager while
 *    /proc/self/exe names the loader, the self fd.
 * 7. Install the demand pager (SIGSEGV handler, or SIGBUS for the uffd, on an alternate stack) and the
 *    kernel-touch guard (seccomp filter + SIGSYS handler, filter.c).  POINT OF NO RETURN: after the
 *    filter is installed nothing can be undone; until then every failure is reported cleanly.
 * 8. State RUNNING; jump to the entry (the interpreter's when dynamic) with rsp at argc and every
 *    other general register zero. Eager and privileged, through the handoff stub: it unmaps the
 *    loader's image and makes /proc/self/exe name the program on the way (prepare_handoff).
 * The loader links no libc (rt.c is its runtime) and `PAGEWISE_LOADER_TIMING=1` prints the time of
 * each phase on stderr: its start is paid by every run (docs/loader.md, "Start-up").
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "sys.h"
#include "loader.h"
#include "hybrid.h"

extern char __executable_start[], etext[];
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

static struct pw_loader_shm fallback_shm;

/* PAGEWISE_LOADER_TIMING=1: the time of each start-up phase on stderr (docs/loader.md, "Start-up") */
static int timing;
static struct timespec t_last;
static void phase(const char *name) {
  if (!timing) return;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  if (name) fprintf(stderr, "pagewise-loader: %-12s %6ld us\n", name, (t.tv_sec - t_last.tv_sec) * 1000000 + (t.tv_nsec - t_last.tv_nsec) / 1000);
  t_last = t;
}
static const char *prog_path = "program";

/* ---- failure before the point of no return: one line in the shared page (and on stderr when no
 * parent reads the page), exit 2 for bad input, 1 for a failed operation ---- */
static __attribute__((noreturn, format(printf, 2, 3))) void fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pw.shm->message, sizeof pw.shm->message, fmt, ap);
  va_end(ap);
  pw.shm->error = (uint32_t)code;
  __atomic_store_n(&pw.shm->state, PW_LOADER_STATE_FAILED, __ATOMIC_RELEASE);
  if (pw.shm == &fallback_shm) fprintf(stderr, "pagewise-loader: %s\n", pw.shm->message);
  exit(code == PW_LOADER_ERR_MAP_FAILED || code == PW_LOADER_ERR_UFFD || code == PW_LOADER_ERR_SECCOMP ? PW_EXIT_FAILED : PW_EXIT_BAD_INPUT);
}

static int prot_of(uint32_t f) { return (f & PF_R ? PROT_READ : 0) | (f & PF_W ? PROT_WRITE : 0) | (f & PF_X ? PROT_EXEC : 0); }

/* ---- 2. open and check ---- */
static void open_image(struct pw_image *im, int *fd, const char *path, int is_interp) {
  const char *role = is_interp ? "interpreter " : "";
  *fd = open(path, O_RDONLY | O_CLOEXEC);
  if (*fd < 0) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR) fail(is_interp ? PW_LOADER_ERR_BAD_INTERP : PW_LOADER_ERR_NOT_FOUND, "%s%s: no such file", role, path);
    fail(PW_LOADER_ERR_NOT_EXECUTABLE, "%s%s: cannot open: %s", role, path, strerror(e));
  }
  struct stat st;
  if (fstat(*fd, &st) < 0) fail(PW_LOADER_ERR_NOT_EXECUTABLE, "%s%s: fstat: %s", role, path, strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(PW_LOADER_ERR_NOT_EXECUTABLE, "%s%s is not a regular file", role, path);
  if (!is_interp) {
    if (access(path, X_OK) < 0 || !(st.st_mode & 0111)) fail(PW_LOADER_ERR_NOT_EXECUTABLE, "%s is not executable (mode %04o)", path, st.st_mode & 07777);
    if ((st.st_mode & S_ISUID) || ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP)))
      fail(PW_LOADER_ERR_SETUID, "%s is set-%s: loaded by pagewise it would run without its privileges", path, st.st_mode & S_ISUID ? "user-ID" : "group-ID");
  }
  if (st.st_size == 0) fail(PW_LOADER_ERR_NOT_ELF, "%s%s is empty, not an ELF file", role, path);
  void *v = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, *fd, 0);
  if (v == MAP_FAILED) fail(PW_LOADER_ERR_MAP_FAILED, "cannot map %s%s for reading: %s", role, path, strerror(errno));
  im->view = v;
  im->size = (uint64_t)st.st_size;
  char msg[sizeof pw.shm->message];
  int code = pw_check_image(im, path, is_interp, msg, sizeof msg);
  if (code) fail(code, "%s%s", is_interp ? "interpreter: " : "", msg);
}

/* ---- 3. placement ---- */
static uint64_t max_align(const struct pw_image *im) {
  uint64_t a = PW_PAGE;
  const unsigned char *b = im->view;
  for (int i = 0; i < im->phnum; i++) {
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(b + im->phoff + (uint64_t)i * 56);
    if (ph->p_type == PT_LOAD && ph->p_align > a && ph->p_align <= (1UL << 30)) a = ph->p_align;
  }
  return a;
}

/* /proc/self/maps, parsed without stdio (the loader has no libc: rt.c). read_maps reads it whole
 * into maps_buf; maps_next cuts one line "lo-hi perms offset dev inode [name]" off *p. */
static char maps_buf[1 << 16];
static int read_maps(void) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t n = 0;
  ssize_t r;
  while (n + 1 < sizeof maps_buf && (r = read(fd, maps_buf + n, sizeof maps_buf - 1 - n)) > 0) n += (size_t)r;
  close(fd);
  maps_buf[n] = 0;
  return 0;
}
static int maps_next(char **p, unsigned long *lo, unsigned long *hi, char perms[5], char **name) {
  while (**p) {
    char *line = *p, *nl = strchr(line, '\n');
    if (nl) { *nl = 0; *p = nl + 1; } else *p = line + strlen(line);
    char *e;
    *lo = strtoul(line, &e, 16);
    if (e == line || *e != '-') continue;
    line = e + 1;
    *hi = strtoul(line, &e, 16);
    if (e == line || *e != ' ') continue;
    line = e + 1;
    int k = 0;
    while (k < 4 && line[k] && line[k] != ' ') { perms[k] = line[k]; k++; }
    perms[k] = 0;
    for (int field = 0; field < 4; field++) { /* perms, offset, dev, inode */
      while (*line && *line != ' ') line++;
      while (*line == ' ') line++;
    }
    *name = line;
    return 1;
  }
  return 0;
}

/* Refuse fixed addresses that meet anything already mapped (the loader above all). */
static void check_free(const struct pw_image *im) {
  if (read_maps() < 0) fail(PW_LOADER_ERR_MAP_FAILED, "cannot read /proc/self/maps: %s", strerror(errno));
  char *p = maps_buf, perms[5], *name;
  unsigned long lo, hi;
  while (maps_next(&p, &lo, &hi, perms, &name)) {
    if (lo < im->hi + im->bias && hi > im->lo + im->bias) {
      int on_loader = (unsigned long)__executable_start >= lo && (unsigned long)__executable_start < hi;
      fail(PW_LOADER_ERR_OVERLAP, "%s: its segments at 0x%lx-0x%lx would land on %s (0x%lx-0x%lx)", im->path,
           (unsigned long)(im->lo + im->bias), (unsigned long)(im->hi + im->bias),
           on_loader ? "the loader itself" : (*name ? name : "an existing mapping"), lo, hi);
    }
  }
}

static void place(struct pw_image *im, int is_interp) {
  uint64_t span = im->hi - im->lo;
  if (im->type == ET_EXEC) {
    /* free? one reservation answers it (EEXIST when anything is there); only then read /proc/self/maps
     * (check_free) to name what is in the way. The reservation is dropped: mapping starts afresh. */
    im->bias = 0;
    void *r = mmap((void *)im->lo, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (r == (void *)im->lo) { munmap(r, span); return; }
    if (r != MAP_FAILED) munmap(r, span); /* a kernel without MAP_FIXED_NOREPLACE put it elsewhere */
    check_free(im);
    return;
  }
  uint64_t align = max_align(im);
  if (!is_interp) {
    for (int tries = 0; tries < 16; tries++) {
      uint64_t rnd = 0;
      if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = (uint64_t)getpid() * 2654435761u;
      uint64_t base = (PW_ET_DYN_BASE + ((rnd & ((1UL << 28) - 1)) << 12) + align - 1) & ~(align - 1);
      void *r = mmap((void *)base, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
      if (r == (void *)base) { im->bias = base - im->lo; return; }
      if (r != MAP_FAILED) munmap(r, span);
    }
    fail(PW_LOADER_ERR_MAP_FAILED, "no room for %s near 0x%lx", im->path, PW_ET_DYN_BASE);
  }
  void *r = mmap(NULL, span + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r == MAP_FAILED) fail(PW_LOADER_ERR_MAP_FAILED, "cannot reserve %lu bytes for interpreter %s: %s", (unsigned long)span, im->path, strerror(errno));
  uint64_t base = ((uint64_t)r + align - 1) & ~(align - 1);
  if (base > (uint64_t)r) munmap(r, base - (uint64_t)r);
  if ((uint64_t)r + span + align > base + span) munmap((void *)(base + span), (uint64_t)r + span + align - (base + span));
  im->bias = base - im->lo;
}

/* ---- 4. mapping ---- */
static void map_eager(const struct pw_image *im, int fd, int index) {
  for (int i = 0; i < im->nload; i++) {
    uint64_t v = im->load[i].vaddr + im->bias, start = PW_PAGE_DOWN(v);
    uint64_t fend = v + im->load[i].filesz, mend = PW_PAGE_UP(v + im->load[i].memsz);
    int prot = prot_of(im->load[i].flags);
    uint64_t anon = start;
    if (im->load[i].filesz) {
      if (mmap((void *)start, PW_PAGE_UP(fend) - start, prot, MAP_PRIVATE | MAP_FIXED, fd, (off_t)PW_PAGE_DOWN(im->load[i].offset)) == MAP_FAILED)
        fail(PW_LOADER_ERR_MAP_FAILED, "cannot map segment %d of %s: %s", index + i, im->path, strerror(errno));
      if ((fend & (PW_PAGE - 1)) && im->load[i].memsz > im->load[i].filesz) {
        /* the partial page after the file bytes: zero exactly from vaddr+filesz to the page end */
        if (!(prot & PROT_WRITE)) mprotect((void *)PW_PAGE_DOWN(fend), PW_PAGE, prot | PROT_WRITE);
        memset((void *)fend, 0, PW_PAGE_UP(fend) - fend);
        if (!(prot & PROT_WRITE)) mprotect((void *)PW_PAGE_DOWN(fend), PW_PAGE, prot);
      }
      anon = PW_PAGE_UP(fend);
    }
    if (mend > anon && mmap((void *)anon, mend - anon, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
      fail(PW_LOADER_ERR_MAP_FAILED, "cannot map the bss of segment %d of %s: %s", index + i, im->path, strerror(errno));
    if (pw.shm) pw.shm->pages_mapped += (mend - start) / PW_PAGE;
  }
}

static void map_lazy(const struct pw_image *im, int image) {
  for (int i = 0; i < im->nload; i++) {
    if (pw.nseg >= PW_MAX_SEGS) fail(PW_LOADER_ERR_BAD_HEADER, "%s: more than %d loadable segments in all", im->path, PW_MAX_SEGS);
    struct pw_seg *s = &pw.seg[pw.nseg++];
    uint64_t v = im->load[i].vaddr + im->bias;
    s->start = PW_PAGE_DOWN(v);
    s->end = PW_PAGE_UP(v + im->load[i].memsz);
    s->file_end = im->load[i].filesz ? v + im->load[i].filesz : s->start;
    s->file_off = PW_PAGE_DOWN(im->load[i].offset);
    s->view = im->view;
    s->view_size = im->size;
    s->prot = prot_of(im->load[i].flags);
    s->image = image;
    uint64_t npages = (s->end - s->start) / PW_PAGE;
    void *st = mmap(NULL, PW_PAGE_UP(npages), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (st == MAP_FAILED) fail(PW_LOADER_ERR_MAP_FAILED, "cannot allocate page states for %s: %s", im->path, strerror(errno));
    s->state = st;
    /* signal: PROT_NONE, so the first touch faults; uffd: final permissions, missing pages */
    int prot = pw.via != PW_LOADER_VIA_SIGNAL ? s->prot : PROT_NONE;
    if (mmap((void *)s->start, s->end - s->start, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED)
      fail(PW_LOADER_ERR_MAP_FAILED, "cannot reserve segment %d of %s: %s", i, im->path, strerror(errno));
  }
}

static void count_lazy(void) {
  uint64_t n = 0;
  for (int i = 0; i < pw.nseg; i++)
    for (uint64_t p = pw.seg[i].start; p < pw.seg[i].end; p += PW_PAGE)
      if (pw_find_seg(p) == &pw.seg[i]) n++;
  pw.shm->lazy_pages = n;
}

/*
 * The userfaultfd of the two uffd vias.
 *
 * --via uffd: faults are delivered as SIGBUS to the faulting thread (UFFD_FEATURE_SIGBUS), whose
 * handler (pager.c) resolves them with UFFDIO_COPY/ZEROPAGE itself. Why not only the usual design, a
 * pager thread reading the fd (--via uffd-thread, below): each fault then blocks the faulting thread
 * and wakes the pager, and the pager's UFFDIO_COPY wakes the thread back. On this 2-vCPU VM the
 * scheduler puts each wakee on the idle vCPU, and waking a halted vCPU goes through the host: 50 us
 * per fault against 10 for a SIGSEGV handler (seqscan 16384: 0.9-1.2 s against 0.2 s). Spinning in the
 * pager (up to 100 us) still paid the faulting thread's wake-up (40 us per fault); pinning the pager to
 * the faulting thread's CPU made the scheduler move that thread away at its wake-up (a migration per
 * fault); only a SCHED_IDLE pager pinned there was fast, and it starved for seconds as soon as another
 * task wanted that CPU. In-thread handling has no wake-up at all: 6.3-7.2 us per fault, 0.64-0.85x the
 * SIGSEGV floor of bench/loader.mjs in the same runs (docs/loader.md, "Why userfaultfd was slow here").
 * What it takes is the program's SIGBUS, kept as SIGSEGV is in the signal via (pager.c, docs/loader.md),
 * and the kernel's own accesses to missing pages get EFAULT instead of being served, so the guard
 * pre-faults system call buffers (as it does unprivileged). So the fd is user-mode-only whenever the
 * kernel has that flag: no privilege is needed.
 *
 * --via uffd-thread: the classic design, kept because it takes no signal at all from the program (a
 * Go program handles SIGSEGV and SIGBUS itself: under --via uffd its own SIGBUS handler makes the
 * loader map everything at once) and, privileged, serves the kernel's own faults too (then the guard
 * does not pre-fault buffers). Unprivileged (vm.unprivileged_userfaultfd=0) it opens the fd
 * user-mode-only and relies on the guard, as --via uffd.
 */
static void setup_uffd(int thread) {
  long fd;
  int user_only;
  if (thread) {
    fd = syscall(SYS_userfaultfd, O_CLOEXEC);
    user_only = 0;
    if (fd < 0 && (errno == EPERM || errno == EACCES)) {
      fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
      user_only = 1;
    }
  } else {
    fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
    user_only = fd >= 0;
    if (fd < 0 && errno == EINVAL) fd = syscall(SYS_userfaultfd, O_CLOEXEC); /* before Linux 5.11 */
  }
  if (fd < 0) fail(PW_LOADER_ERR_UFFD, "userfaultfd unavailable: %s", strerror(errno));
  struct uffdio_api api = {.api = UFFD_API, .features = thread ? 0 : UFFD_FEATURE_SIGBUS};
  if (ioctl((int)fd, UFFDIO_API, &api) < 0)
    fail(PW_LOADER_ERR_UFFD, "UFFDIO_API%s: %s", thread ? "" : " with UFFD_FEATURE_SIGBUS", strerror(errno));
  for (int i = 0; i < pw.nseg; i++) {
    struct uffdio_register reg = {.range = {.start = pw.seg[i].start, .len = pw.seg[i].end - pw.seg[i].start}, .mode = UFFDIO_REGISTER_MODE_MISSING};
    if (ioctl((int)fd, UFFDIO_REGISTER, &reg) < 0) fail(PW_LOADER_ERR_UFFD, "UFFDIO_REGISTER of 0x%lx: %s", (unsigned long)pw.seg[i].start, strerror(errno));
  }
  /* the pager's fd is the one the program inherits from the loader: put it out of the way */
  int hi = fcntl((int)fd, F_DUPFD_CLOEXEC, 1000);
  if (hi >= 0) { close((int)fd); fd = hi; }
  pw.uffd = (int)fd;
  pw.uffd_user_only = user_only;
  /* kernel faults are served only by a privileged pager thread (the SIGBUS feature gives EFAULT) */
  pw.shm->uffd_flags = user_only ? PW_LOADER_UFFD_USER_ONLY : thread ? PW_LOADER_UFFD_KERNEL_FAULTS : 0;
}

/* --via uffd-thread: start the pager thread: raw clone sharing everything, on its own stack, all
 * signals blocked. */
static void start_pager(void) {
  size_t sz = 256 * 1024;
  char *stk = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stk == MAP_FAILED) fail(PW_LOADER_ERR_UFFD, "cannot allocate the pager's stack: %s", strerror(errno));
  uint64_t all = ~0UL, old;
  sys_rt_sigprocmask(SIG_SETMASK, &all, &old, 8);
  long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
  long ret;
  register long r10 __asm__("r10") = 0;
  register long r8 __asm__("r8") = 0;
  __asm__ volatile("syscall\n\t"
                   "test %%rax, %%rax\n\t"
                   "jnz 1f\n\t"
                   "xor %%ebp, %%ebp\n\t"
                   "call *%%rbx\n\t"
                   "mov $60, %%eax\n\t"
                   "xor %%edi, %%edi\n\t"
                   "syscall\n"
                   "1:"
                   : "=a"(ret)
                   : "a"(__NR_clone), "D"(flags), "S"(stk + sz - 16), "d"(0), "r"(r10), "r"(r8), "b"(pw_uffd_pager)
                   : "rcx", "r11", "memory");
  sys_rt_sigprocmask(SIG_SETMASK, &old, NULL, 8);
  if (ret < 0) fail(PW_LOADER_ERR_UFFD, "cannot start the pager thread: %s", strerror((int)-ret));
}

/* ---- 5. the initial stack ---- */
#define PW_SA_RESTORER 0x04000000
struct kact { void *handler; unsigned long flags; void *restorer; unsigned long mask; };
extern void pw_restore_rt(void);
__asm__(".text\n.globl pw_restore_rt\npw_restore_rt:\n\tmov $15, %eax\n\tsyscall\n\thlt\n");

static __attribute__((noreturn, noinline)) void jump(uint64_t sp, uint64_t entry) {
  __asm__ volatile("mov %0, %%rsp\n\t"
                   "push %1\n\t"
                   "xor %%eax, %%eax\n\txor %%ebx, %%ebx\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\t"
                   "xor %%esi, %%esi\n\txor %%edi, %%edi\n\txor %%ebp, %%ebp\n\t"
                   "xor %%r8d, %%r8d\n\txor %%r9d, %%r9d\n\txor %%r10d, %%r10d\n\txor %%r11d, %%r11d\n\t"
                   "xor %%r12d, %%r12d\n\txor %%r13d, %%r13d\n\txor %%r14d, %%r14d\n\txor %%r15d, %%r15d\n\t"
                   "cld\n\t"
                   "ret"
                   :
                   : "r"(sp), "r"(entry)
                   : "memory");
  __builtin_unreachable();
}

/* The eager handoff (eager mode, privileged): after the jump an eagerly loaded program needs nothing of
 * the loader, so instead of copying the loader's image to anonymous memory (take_exe_file below: about
 * 1.7 us per page populated, 25 pages since rt.c, 230 with glibc), the loader leaves it. This stub, copied to a fresh anonymous
 * page, unmaps the whole loader image (its file mappings and bss), sets the exe file to the program
 * (PR_SET_MM_MAP again, now with exe_fd: refused while any mapping of the old exe file is left;
 * PR_SET_MM_EXE_FILE would need CAP_SYS_RESOURCE), closes that fd and jumps as jump() does. A refusal
 * leaves /proc/self/exe naming the loader, as an unprivileged run does (the layout was already set by
 * the same call without exe_fd, made in C where its failure can be reported), and then the self fd
 * (PW_SELF_FD, left by leave_self_fd) stays for the program's re-executions; on success the stub
 * closes it, since /proc/self/exe then names the program itself.
 * Its parameters sit in the same page from PW_HANDOFF_DATA: struct pw_handoff, with a copy of the
 * prctl_mm_map and of the auxv it points to. */
#define PW_HANDOFF_DATA 2048
struct prctl_mm_map_ {
  uint64_t start_code, end_code, start_data, end_data, start_brk, brk, start_stack, arg_start, arg_end, env_start, env_end;
  uint64_t *auxv; uint32_t auxv_size; uint32_t exe_fd;
};
struct pw_handoff {
  uint64_t unmap_at, unmap_len, exe_fd, sp, entry, self_fd, pad[2]; /* offsets 0..63, read by the stub */
  struct prctl_mm_map_ map;                                /* offset 64 */
  uint64_t auxv[2 * 48];
};
extern const char pw_handoff_code[], pw_handoff_code_end[];
__asm__(".text\n.globl pw_handoff_code\n.globl pw_handoff_code_end\npw_handoff_code:\n"
        "\tlea pw_handoff_code+2048(%rip), %rbx\n"
        "\tmov $11, %eax\n\tmov 0(%rbx), %rdi\n\tmov 8(%rbx), %rsi\n\tsyscall\n"                 /* munmap */
        "\tmov $157, %eax\n\tmov $35, %edi\n\tmov $14, %esi\n\tlea 64(%rbx), %rdx\n"
        "\tmov $104, %r10d\n\txor %r8d, %r8d\n\tsyscall\n"                    /* prctl(PR_SET_MM, PR_SET_MM_MAP) */
        "\ttest %rax, %rax\n\tjnz 1f\n"                       /* refused: the self fd stays (PW_SELF_FD) */
        "\tmov $3, %eax\n\tmov 40(%rbx), %rdi\n\tsyscall\n"             /* close(self_fd): exe is the program */
        "1:\tmov $3, %eax\n\tmov 16(%rbx), %rdi\n\tsyscall\n"                                 /* close */
        "\tmov 24(%rbx), %rsp\n\tpush 32(%rbx)\n"
        "\txor %eax, %eax\n\txor %ebx, %ebx\n\txor %ecx, %ecx\n\txor %edx, %edx\n"
        "\txor %esi, %esi\n\txor %edi, %edi\n\txor %ebp, %ebp\n"
        "\txor %r8d, %r8d\n\txor %r9d, %r9d\n\txor %r10d, %r10d\n\txor %r11d, %r11d\n"
        "\txor %r12d, %r12d\n\txor %r13d, %r13d\n\txor %r14d, %r14d\n\txor %r15d, %r15d\n"
        "\tcld\n\tret\npw_handoff_code_end:\n");
extern const ElfW(Ehdr) __ehdr_start;

/* Prepare the stub page; returns its address, or NULL when it cannot be made (then the caller copies
 * the loader as before). Failures here are still before the point of no return. */
static void *prepare_handoff(int exe_fd, int self_fd, uint64_t sp, uint64_t entry, const struct prctl_mm_map_ *m) {
  uint64_t base = (uint64_t)&__ehdr_start, end = base;
  const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
  for (int k = 0; k < __ehdr_start.e_phnum; k++)
    if (ph[k].p_type == PT_LOAD && base + PW_PAGE_UP(ph[k].p_vaddr + ph[k].p_memsz) > end) end = base + PW_PAGE_UP(ph[k].p_vaddr + ph[k].p_memsz);
  _Static_assert(PW_HANDOFF_DATA + sizeof(struct pw_handoff) <= PW_PAGE, "handoff page");
  _Static_assert(sizeof(struct prctl_mm_map_) == 104 && __builtin_offsetof(struct pw_handoff, map) == 64, "stub offsets");
  if ((size_t)(pw_handoff_code_end - pw_handoff_code) > PW_HANDOFF_DATA || end <= base || m->auxv_size > sizeof(((struct pw_handoff *)0)->auxv)) return NULL;
  char *page = mmap(NULL, PW_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return NULL;
  memcpy(page, pw_handoff_code, (size_t)(pw_handoff_code_end - pw_handoff_code));
  struct pw_handoff *h = (struct pw_handoff *)(page + PW_HANDOFF_DATA);
  *h = (struct pw_handoff){.unmap_at = base, .unmap_len = end - base, .exe_fd = (uint64_t)exe_fd, .self_fd = (uint64_t)(int64_t)self_fd, .sp = sp, .entry = entry, .map = *m};
  memcpy(h->auxv, m->auxv, m->auxv_size);
  h->map.auxv = h->auxv;
  h->map.exe_fd = (uint32_t)exe_fd;
  if (mprotect(page, PW_PAGE, PROT_READ | PROT_EXEC) < 0) { munmap(page, PW_PAGE); return NULL; }
  return page;
}

/* /proc/self/exe: the kernel lets a process change its exe file (PR_SET_MM_MAP exe_fd, which needs
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN) only when no mapping of the old exe file is left. So, when
 * privileged, replace each of the loader's file mappings by an anonymous copy of itself (mremap over it:
 * atomic, the code doing it keeps running) and return an fd of the program for exe_fd; -1 otherwise. */
static int take_exe_file(const char *path) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return -1;
  self[n] = 0;
  if (read_maps() < 0) return -1;
  struct { unsigned long lo, hi; int prot; } r[32];
  int nr = 0;
  char *p = maps_buf, perms[5], *name;
  unsigned long lo, hi;
  while (nr < 32 && maps_next(&p, &lo, &hi, perms, &name)) {
    if (strcmp(name, self) != 0) continue;
    r[nr].lo = lo; r[nr].hi = hi;
    r[nr].prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) | (perms[2] == 'x' ? PROT_EXEC : 0);
    nr++;
  }
  for (int i = 0; i < nr; i++) {
    size_t len = r[i].hi - r[i].lo;
    void *tmp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (tmp == MAP_FAILED) return -1;
    if (!(r[i].prot & PROT_READ)) mprotect((void *)r[i].lo, len, r[i].prot | PROT_READ);
    memcpy(tmp, (void *)r[i].lo, len);
    if (mprotect(tmp, len, r[i].prot) < 0 ||
        mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)r[i].lo) == MAP_FAILED) {
      munmap(tmp, len);
      return -1;
    }
  }
  return open(path, O_RDONLY | O_CLOEXEC);
}

/* The trampoline page (loader.h): mapped at its fixed address, read-only and executable. */
static void map_trampoline(void) {
  void *t = mmap((void *)PW_TRAMPOLINE, PW_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (t != (void *)PW_TRAMPOLINE) fail(PW_LOADER_ERR_MAP_FAILED, "cannot map the syscall trampoline at 0x%lx: %s", PW_TRAMPOLINE, strerror(errno));
  memcpy(t, pw_tramp_code, (size_t)(pw_tramp_code_end - pw_tramp_code));
  if (mprotect(t, PW_PAGE, PROT_READ | PROT_EXEC) < 0) fail(PW_LOADER_ERR_MAP_FAILED, "cannot protect the syscall trampoline: %s", strerror(errno));
}

/* A #! script is run as the kernel runs it: interpreter, its optional argument, the script's path,
 * the arguments after argv[0]; at most 4 levels. (pagewise run expands scripts itself; a passthrough
 * loader, exec'd in place of a script, needs this.) */
static void expand_script(const char **path, char ***pargv, int *pargc) {
  for (int depth = 0; depth < 4; depth++) {
    char head[256];
    int fd = open(*path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, head, sizeof head - 1);
    close(fd);
    if (n < 2 || head[0] != '#' || head[1] != '!') return;
    head[n] = 0;
    char *line = head + 2, *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    while (*line == ' ' || *line == '\t') line++;
    char *interp = strdup(line), *arg = NULL, *sp = strpbrk(interp, " \t");
    if (sp) {
      *sp++ = 0;
      while (*sp == ' ' || *sp == '\t') sp++;
      size_t len = strlen(sp);
      while (len && (sp[len - 1] == ' ' || sp[len - 1] == '\t' || sp[len - 1] == '\r')) sp[--len] = 0;
      if (*sp) arg = sp;
    }
    if (!*interp) fail(PW_LOADER_ERR_BAD_INTERP, "%s: the #! line names no interpreter", *path);
    char **nv = calloc((size_t)*pargc + 4, sizeof *nv);
    int k = 0;
    nv[k++] = interp;
    if (arg) nv[k++] = arg;
    nv[k++] = (char *)*path;
    for (int i = 1; i < *pargc; i++) nv[k++] = (*pargv)[i];
    nv[k] = NULL;
    *pargv = nv;
    *pargc = k;
    *path = interp;
  }
  fail(PW_LOADER_ERR_BAD_INTERP, "%s: #! interpreters nest more than 4 deep", *path);
}

/* ---- the program re-executing /proc/self/exe (PW_SELF_FD in loader.h) ----
 * Every invocation of the loader (pagewise run's, a passthrough child's, --check) has one of its
 * options as argv[1]: that is how the loader knows it was invoked as itself. An argv[1] that is none
 * of them (or no argv[1]) comes from a program that exec'd /proc/self/exe, or the loader's path read
 * from it, with its own argv: busybox's shell runs an applet as ["tr", "a", "x"] that way.
 * Keep this list equal to the options main() parses: an option missing here would be taken for a
 * re-execution when it comes first. */
static int loader_option(const char *a) {
  static const char *const opts[] = {"--mode", "--via", "--shm", "--passthrough", "--check", "--predictor", "--pages", "--record", "--exec", "--execfn"};
  for (size_t k = 0; k < sizeof opts / sizeof *opts; k++)
    if (!strcmp(a, opts[k])) return 1;
  return 0;
}

/* The self fd, when this process inherited one: an O_PATH fd (nothing but the loader makes those at
 * that number) of a regular file with an execute bit. Returns the path to load it by, or NULL. The
 * /proc/self/fd link opens the very file the fd holds, as the kernel's exe link would, even if the
 * path was renamed or replaced since. */
static const char *self_exec_fd(void) {
  static char link[32];
  int fl = fcntl(PW_SELF_FD, F_GETFL);
  struct stat st;
  if (fl < 0 || !(fl & O_PATH) || fstat(PW_SELF_FD, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) return NULL;
  snprintf(link, sizeof link, "/proc/self/fd/%d", PW_SELF_FD);
  return link;
}

/* Eager, before the jump: leave an O_PATH fd of PATH at PW_SELF_FD, inherited through execve (not
 * close-on-exec), so that a re-execution of /proc/self/exe that reaches the loader finds the program.
 * An fd already there that is not O_PATH is the program's own (inherited): it is never replaced and
 * nothing is left. O_PATH: the program can do no I/O through it. Returns the fd or -1. */
static int leave_self_fd(const char *path) {
  int fl = fcntl(PW_SELF_FD, F_GETFL);
  if (fl >= 0 && !(fl & O_PATH)) return -1;
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return -1;
  if (fd == PW_SELF_FD) return fcntl(fd, F_SETFD, 0) < 0 ? (close(fd), -1) : fd;
  long r = sys_dup3(fd, PW_SELF_FD, 0); /* EBADF when RLIMIT_NOFILE is 1000 or less: nothing left */
  close(fd);
  return r < 0 ? -1 : PW_SELF_FD;
}

static void usage(void) {
  fail(PW_LOADER_ERR_USAGE, "usage: pagewise-loader [--mode eager|demand|hybrid] [--via signal|uffd|uffd-thread] [--predictor NAME] [--pages N] [--record FILE] [--shm FD] --exec PATH -- ARGV0 ARGS...");
}

int main(int argc, char **argv, char **envp) {
  /* ---- 1. arguments and the shared page ---- */
  timing = getenv("PAGEWISE_LOADER_TIMING") != NULL;
  phase(NULL);
  pw.shm = &fallback_shm;
  pw.uffd = -1;
  const char *path = NULL;
  int shm_fd = -1, i, check_only = 0;
  /* not an invocation of the loader but a program's re-execution of /proc/self/exe, with the self fd
   * its eager loader left: behave as execve of that program would. Eager (the only mode that leaves
   * the fd), argv as given (argv[0] too: busybox dispatches on it), the same environment, AT_EXECFN
   * the name the caller exec'd (the kernel's, e.g. "/proc/self/exe"). Without the fd: usage, as before. */
  const char *execfn = NULL;
  int reexec = argc >= 1 && (argc < 2 || !loader_option(argv[1])) && (path = self_exec_fd()) != NULL;
  for (i = 1; !reexec && i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (i + 1 >= argc) usage();
    if (!strcmp(a, "--mode")) {
      a = argv[++i];
      if (!strcmp(a, "eager")) pw.mode = PW_LOADER_MODE_EAGER;
      else if (!strcmp(a, "demand")) pw.mode = PW_LOADER_MODE_DEMAND;
      else if (!strcmp(a, "hybrid")) pw.mode = PW_LOADER_MODE_HYBRID; /* hybrid.c */
      else usage();
    } else if (!strcmp(a, "--via")) {
      a = argv[++i];
      if (!strcmp(a, "signal")) pw.via = PW_LOADER_VIA_SIGNAL;
      else if (!strcmp(a, "uffd")) pw.via = PW_LOADER_VIA_UFFD;
      else if (!strcmp(a, "uffd-thread")) pw.via = PW_LOADER_VIA_UFFD_THREAD;
      else usage();
    } else if (!strcmp(a, "--shm")) {
      shm_fd = atoi(argv[++i]);
    } else if (!strcmp(a, "--passthrough")) { /* a child of a demand-loaded program: see exec_through_loader */
      pw.passthrough = 1;
    } else if (!strcmp(a, "--check")) { /* check the image (and its interpreter) only: for tests and fuzzing */
      check_only = 1;
    } else if (!strcmp(a, "--predictor") || !strcmp(a, "--pages") || !strcmp(a, "--record")) { /* hybrid.c */
      if (pw_hybrid_option(a, argv[i + 1])) usage();
      i++;
    } else if (!strcmp(a, "--exec")) {
      path = argv[++i];
    } else if (!strcmp(a, "--execfn")) { /* passthrough: the name the program exec'd, when PATH was resolved from it */
      execfn = argv[++i];
    } else usage();
  }
  if (reexec) { i = 0; execfn = (const char *)getauxval(AT_EXECFN); }
  else if (!path || i >= argc) usage();
  if (pw_hybrid_check()) fail(PW_LOADER_ERR_USAGE, "%s", pw_hybrid_check());
  char **pargv = argv + i;
  int pargc = argc - i;
  if (shm_fd >= 0) {
    void *m = mmap(NULL, PW_LOADER_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
    if (m == MAP_FAILED) fail(PW_LOADER_ERR_USAGE, "cannot map the shared page (fd %d): %s", shm_fd, strerror(errno));
    close(shm_fd);
    pw.shm = m;
  }
  pw.shm->magic = PW_LOADER_SHM_MAGIC;
  pw.shm->version = PW_LOADER_SHM_VERSION;
  pw.shm->mode = (uint32_t)pw.mode;
  pw.shm->via = (uint32_t)pw.via;
  prog_path = path;
  /* the pager's exec_through_loader needs both paths (demand, hybrid, passthrough); an eager program
   * never meets the pager */
  int pager_paths = pw.mode != PW_LOADER_MODE_EAGER || pw.passthrough;
  if (pager_paths) {
    ssize_t n = readlink("/proc/self/exe", pw.loader_path, sizeof pw.loader_path - 1);
    pw.loader_path[n > 0 ? n : 0] = 0;
  }
  if (pw.passthrough) {
    /* the filter of the demand-loaded ancestor is already here: the handler must be installed before
     * any call it traps (execve, calls on pages of the ancestor's lazy ranges) */
    pw.mode = PW_LOADER_MODE_EAGER;
    uint64_t sys_bit = 1UL << (SIGSYS - 1);
    sys_rt_sigprocmask(SIG_UNBLOCK, &sys_bit, NULL, 8); /* a trapped call with SIGSYS blocked kills */
    map_trampoline();
    struct kact act = {.handler = (void *)pw_sys_handler, .flags = SA_SIGINFO | PW_SA_RESTORER, .restorer = (void *)pw_restore_rt, .mask = 0};
    if (pw_tramp(__NR_rt_sigaction, SIGSYS, (long)&act, 0, 8, 0, 0) < 0) fail(PW_LOADER_ERR_MAP_FAILED, "cannot install the SIGSYS handler");
    pw.guard = 1;
  } else if (pw.mode != PW_LOADER_MODE_EAGER) {
    map_trampoline();
  }
  expand_script(&path, &pargv, &pargc);
  if (pager_paths && !realpath(path, pw.exe_path)) pw.exe_path[0] = 0;
  uint64_t saved_mask = 0;
  sys_rt_sigprocmask(SIG_BLOCK, NULL, &saved_mask, 8);

  phase("args");
  /* ---- 2. check everything ---- */
  static struct pw_image prog, interp;
  int pfd, ifd = -1;
  open_image(&prog, &pfd, path, 0);
  int dynamic = prog.interp != NULL;
  if (dynamic) open_image(&interp, &ifd, prog.interp, 1);
  if (check_only) return 0;

  phase("check");
  /* ---- 3. placement ---- */
  place(&prog, 0);
  if (dynamic) place(&interp, 1);

  phase("place");
  /* ---- 4. mapping ---- */
  if (pw.mode == PW_LOADER_MODE_EAGER) {
    map_eager(&prog, pfd, 0);
    if (dynamic) map_eager(&interp, ifd, prog.nload);
  } else {
    map_lazy(&prog, 0);
    if (dynamic) map_lazy(&interp, 1);
    count_lazy();
    { /* hybrid mode: file pages now, as eager; hybrid and --record state (hybrid.c) */
      struct stat hs[2];
      memset(hs, 0, sizeof hs);
      fstat(pfd, &hs[0]);
      if (ifd >= 0) fstat(ifd, &hs[1]);
      const char *hp[2] = {path, dynamic ? prog.interp : ""};
      uint64_t hino[2] = {hs[0].st_ino, hs[1].st_ino};
      char hm[sizeof pw.shm->message] = {0};
      long hr = pw_hybrid_premap(pfd, ifd);
      if (hr < 0) fail(PW_LOADER_ERR_MAP_FAILED, "cannot map the file pages of %s: %s", path, strerror((int)-hr));
      hr = pw_hybrid_setup(pargv, pargc, hp, hino, hm, sizeof hm);
      if (hr) fail((int)hr, "%s", hm);
    }
  }
  pw.shm->segments = (uint32_t)(prog.nload + (dynamic ? interp.nload : 0));
  close(pfd);
  if (ifd >= 0) close(ifd);
  if (pw.mode == PW_LOADER_MODE_EAGER) { munmap((void *)prog.view, prog.size); if (dynamic) munmap((void *)interp.view, interp.size); }

  phase("map");
  /* ---- 5. the initial stack ---- */
  int envc = 0;
  while (envp[envc]) envc++;
  Elf64_auxv_t *aux_in = (Elf64_auxv_t *)(envp + envc + 1);
  static uint64_t auxv[2 * 48];
  int na = 0;
  unsigned char *sp = (unsigned char *)__builtin_frame_address(0) - 65536;
  sp = (unsigned char *)((uint64_t)sp & ~15UL);
  sp -= 16;
  unsigned char *rnd = sp;
  if (getrandom(rnd, 16, 0) != 16) fail(PW_LOADER_ERR_MAP_FAILED, "getrandom: %s", strerror(errno));
  const char *plat = (const char *)getauxval(AT_PLATFORM);
  if (!plat) plat = "x86_64";
  size_t pl = strlen(plat) + 1;
  sp -= pl;
  memcpy(sp, plat, pl);
  char *platform = (char *)sp;
#define AUX(t, v) do { auxv[na++] = (t); auxv[na++] = (uint64_t)(v); } while (0)
  AUX(AT_SYSINFO_EHDR, getauxval(AT_SYSINFO_EHDR));
  AUX(AT_MINSIGSTKSZ, getauxval(AT_MINSIGSTKSZ));
  AUX(AT_HWCAP, getauxval(AT_HWCAP));
  AUX(AT_PAGESZ, PW_PAGE);
  AUX(AT_CLKTCK, getauxval(AT_CLKTCK));
  AUX(AT_PHDR, prog.phdr_vaddr + prog.bias);
  AUX(AT_PHENT, 56);
  AUX(AT_PHNUM, prog.phnum);
  AUX(AT_BASE, dynamic ? interp.lo + interp.bias : 0);
  AUX(AT_FLAGS, 0);
  AUX(AT_ENTRY, prog.entry + prog.bias);
  AUX(AT_UID, getuid());
  AUX(AT_EUID, geteuid());
  AUX(AT_GID, getgid());
  AUX(AT_EGID, getegid());
  AUX(AT_SECURE, 0);
  AUX(AT_RANDOM, rnd);
  AUX(AT_HWCAP2, getauxval(AT_HWCAP2));
  AUX(AT_EXECFN, execfn ? execfn : path);
  AUX(AT_PLATFORM, platform);
  for (Elf64_auxv_t *a = aux_in; a->a_type != AT_NULL; a++) /* pass through what we do not know */
    if (a->a_type == 27 /* AT_RSEQ_FEATURE_SIZE */ || a->a_type == 28 /* AT_RSEQ_ALIGN */) AUX(a->a_type, a->a_un.a_val);
  AUX(AT_NULL, 0);
  uint64_t words = 1 + (uint64_t)pargc + 1 + (uint64_t)envc + 1 + (uint64_t)na;
  uint64_t *st = (uint64_t *)((uint64_t)(sp - words * 8) & ~15UL);
  uint64_t *w = st;
  *w++ = (uint64_t)pargc;
  for (int k = 0; k < pargc; k++) *w++ = (uint64_t)pargv[k];
  *w++ = 0;
  for (int k = 0; k < envc; k++) *w++ = (uint64_t)envp[k];
  *w++ = 0;
  memcpy(w, auxv, (size_t)na * 8);

  phase("stack");
  /* tell the kernel about the program's layout: brk after the program's image, its argv, env, auxv */
  void *handoff = NULL; /* eager, privileged: the stub that leaves the loader's image (prepare_handoff) */
  int handoff_fd = -1;
  {
    struct prctl_mm_map_ m;
    memset(&m, 0, sizeof m);
    uint64_t code_lo = 0, code_hi = 0, data_lo = 0, data_hi = 0;
    for (int k = 0; k < prog.nload; k++) {
      uint64_t v = prog.load[k].vaddr + prog.bias;
      if ((prog.load[k].flags & PF_X) && !code_lo) { code_lo = v; code_hi = v + prog.load[k].filesz; }
      if (prog.load[k].flags & PF_W) { if (!data_lo) data_lo = v; data_hi = v + prog.load[k].filesz; }
    }
    if (!data_lo) { data_lo = data_hi = prog.hi + prog.bias; }
    uint64_t r = 0;
    getrandom(&r, sizeof r, 0);
    m.start_code = code_lo; m.end_code = code_hi > code_lo ? code_hi : code_lo + 1;
    m.start_data = data_lo; m.end_data = data_hi;
    m.start_brk = m.brk = prog.hi + prog.bias + ((r & 0x3ffff) << 12); /* randomized within 1 GiB, as the kernel does */
    m.start_stack = (uint64_t)st;
    m.arg_start = (uint64_t)pargv[0];
    m.arg_end = (uint64_t)pargv[pargc - 1] + strlen(pargv[pargc - 1]) + 1;
    if (m.arg_end <= m.arg_start) m.arg_end = m.arg_start + strlen(pargv[0]) + 1; /* #! expanded: not contiguous */
    m.env_start = envc ? (uint64_t)envp[0] : m.arg_end;
    m.env_end = envc ? (uint64_t)envp[envc - 1] + strlen(envp[envc - 1]) + 1 : m.arg_end;
    m.auxv = auxv; m.auxv_size = (uint32_t)(na * 8);
    m.exe_fd = (uint32_t)-1;
    /* /proc/self/exe -> the program (privileged only). Eager: the handoff stub does it after leaving
     * the loader's image; otherwise (demand, hybrid, passthrough: the loader's code keeps running in
     * the program) the image is copied first. */
    int exe_fd = -1;
    /* eager: the self fd for the program's re-executions of /proc/self/exe (PW_SELF_FD), left before
     * the exe change is tried and closed once /proc/self/exe names the program (below, or in the stub).
     * The demand modes need none: their guard resolves /proc/self/exe before every execve. */
    int self_fd = pw.mode == PW_LOADER_MODE_EAGER && !pw.passthrough ? leave_self_fd(path) : -1;
    if (geteuid() == 0) {
      if (pw.mode == PW_LOADER_MODE_EAGER && !pw.passthrough) {
        handoff_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (handoff_fd >= 0) handoff = prepare_handoff(handoff_fd, self_fd, (uint64_t)st, dynamic ? interp.entry + interp.bias : prog.entry + prog.bias, &m);
        if (!handoff && handoff_fd >= 0) { close(handoff_fd); handoff_fd = -1; }
      }
      if (!handoff) exe_fd = take_exe_file(path);
    }
    if (exe_fd >= 0) m.exe_fd = (uint32_t)exe_fd;
    phase("exe-copy");
    if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&m, sizeof m, 0) < 0 && exe_fd >= 0) {
      m.exe_fd = (uint32_t)-1; /* try again without the exe change */
      if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&m, sizeof m, 0) < 0 && getenv("PAGEWISE_LOADER_DEBUG"))
        fprintf(stderr, "pagewise-loader: PR_SET_MM_MAP: %s (brk stays after the loader)\n", strerror(errno));
    } else if (getenv("PAGEWISE_LOADER_DEBUG") && m.exe_fd == (uint32_t)-1 && !handoff) {
      fprintf(stderr, "pagewise-loader: /proc/self/exe stays the loader%s\n", self_fd >= 0 ? "" : (pw.mode == PW_LOADER_MODE_EAGER && !pw.passthrough ? ", and no self fd could be left" : ""));
    }
    if (exe_fd >= 0 && m.exe_fd != (uint32_t)-1 && self_fd >= 0) close(self_fd); /* exe is the program */
    if (exe_fd >= 0) close(exe_fd);
  }

  phase("prctl");
  /* ---- 7a. the demand pager ---- */
  pw.loader_lo = (uint64_t)__executable_start;
  pw.loader_hi = (uint64_t)etext;
  if (pw.mode == PW_LOADER_MODE_DEMAND && pw.via != PW_LOADER_VIA_SIGNAL) {
    setup_uffd(pw.via == PW_LOADER_VIA_UFFD_THREAD);
    if (pw.via == PW_LOADER_VIA_UFFD_THREAD) start_pager();
  }

  phase("pager");
  /* ---- 6. what the program inherits: signals (handled -> default), mask, no rseq ----
   * Dispositions need no work: the loader was just exec'd (execve reset every handled signal to
   * SIG_DFL and kept the ignored ones), it has no libc that could have installed one, and the only
   * handlers it installs itself (SIGSYS in passthrough, SIGSEGV or SIGBUS, and SIGSYS below) are the
   * ones the program must get. (A loop of 64 rt_sigaction reads used to check this: 10 us of every start.) */
  if (pw.mode != PW_LOADER_MODE_EAGER) { /* demand or hybrid */
    struct kact act = {.flags = SA_SIGINFO | PW_SA_RESTORER | SA_ONSTACK, .restorer = (void *)pw_restore_rt, .mask = 0};
    /* a lazy page raises SIGSEGV (PROT_NONE reservation) or SIGBUS (userfaultfd, UFFD_FEATURE_SIGBUS);
     * with the pager thread (uffd-thread) the program's threads take no signal for it */
    pw.fault_sig = pw.via == PW_LOADER_VIA_UFFD ? SIGBUS : pw.via == PW_LOADER_VIA_SIGNAL ? SIGSEGV : 0;
    if (pw.fault_sig) {
      pw.altstack_size = 64 * 1024;
      pw.altstack = mmap(NULL, pw.altstack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (pw.altstack == MAP_FAILED) fail(PW_LOADER_ERR_MAP_FAILED, "cannot allocate the signal stack: %s", strerror(errno));
      stack_t ss = {.ss_sp = pw.altstack, .ss_size = pw.altstack_size, .ss_flags = 0};
      if (sigaltstack(&ss, NULL) < 0) fail(PW_LOADER_ERR_MAP_FAILED, "sigaltstack: %s", strerror(errno));
      act.handler = (void *)pw_fault_handler;
      if (sys_rt_sigaction(pw.fault_sig, &act, NULL, 8) < 0)
        fail(PW_LOADER_ERR_MAP_FAILED, "cannot install the %s handler", pw.fault_sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
    }
    act.handler = (void *)pw_sys_handler;
    act.flags &= ~(unsigned long)SA_ONSTACK;
    if (sys_rt_sigaction(SIGSYS, &act, NULL, 8) < 0) fail(PW_LOADER_ERR_MAP_FAILED, "cannot install the SIGSYS handler");
  }
  if (&__rseq_size && __rseq_size > 0) {
    void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
    sys_rseq(area, __rseq_size < 32 ? 32 : __rseq_size, 1 /* RSEQ_FLAG_UNREGISTER */, 0x53053053);
  }

  phase("signals");
  /* ---- 7b. the kernel-touch guard ---- */
  if (pw.mode != PW_LOADER_MODE_EAGER) { /* demand or hybrid */
    char msg[sizeof pw.shm->message];
    int code = pw_install_filter(msg, sizeof msg);
    if (code) fail(code, "%s", msg);
    pw.guard = 1;
  }
  phase("filter");
  /* ======== POINT OF NO RETURN: the filter cannot be removed; from here failures are the program's ======== */
  sys_rt_sigprocmask(SIG_SETMASK, &saved_mask, NULL, 8);
  __atomic_store_n(&pw.shm->state, PW_LOADER_STATE_RUNNING, __ATOMIC_RELEASE);
  if (pw.shm != &fallback_shm) { /* keep the page mapped: the pager's counters live there */ }
  if (handoff) ((void (*)(void))handoff)(); /* unmaps this code: does not return */
  jump((uint64_t)st, dynamic ? interp.entry + interp.bias : prog.entry + prog.bias);
}
