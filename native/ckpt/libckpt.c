/*
 * libckpt.so: checkpoint an unmodified program from inside, on SIGUSR2 (LD_PRELOAD=/abs/libckpt.so ./prog).
 *
 * The story:
 *   1. The constructor (before main) records the image path ($PAGEWISE_CKPT or "myckpt"), the
 *      checkpoint interval ($PAGEWISE_CKPT_INTERVAL seconds), where glibc keeps the rseq area and the
 *      cached thread id, and installs the SIGUSR2 handler (SA_SIGINFO|SA_RESTART, every signal blocked
 *      while it runs, our own restorer). With an interval, a POSIX timer (timer_create, SIGEV_SIGNAL)
 *      raises the same SIGUSR2 periodically: SIGALRM and the program's itimers stay the program's.
 *      The handler runs on the interrupted stack (no SA_ONSTACK): the program's sigaltstack stays its own.
 *   2. The thread that takes the SIGUSR2 (the leader) stops every other thread: it sends each SIGUSR2
 *      with rt_tgsigqueueinfo and a cookie in si_value, and each, seeing the cookie, saves its resume
 *      point, TLS, robust list and rseq area in g.threads and waits on a futex (follower()). A thread
 *      that does not arrive within 5 s (SIGUSR2 blocked) aborts the checkpoint: one line, no image.
 *   3. It saves its own resume point (pw_ctx_save: callee-saved registers, rsp, rip, like setjmp).
 *      The restarter jumps back there with eax = 1: the handler then repairs what is kernel state
 *      (glibc's cached tid, the interval timer) and returns, and the kernel's rt_sigreturn restores the
 *      interrupted context from the signal frame (all registers, FPU/xsave state, mask, sigaltstack).
 *   4. On the first pass (eax = 0) it captures the header: the interrupted registers (uc_mcontext),
 *      FS base, masks, every disposition, sigaltstack, rseq, the FPU area; reads /proc/self/maps into
 *      the region table; lists regular files open on fds >= 3.
 *   5. It writes PATH.tmp.PID (mode 0600): per region with data its non-zero pages at a page-aligned
 *      offset, then its page bitmap, each region with a CRC32C; then the header and tables at offset 0;
 *      fsync; rename to PATH. A crash midway leaves the previous image intact. Then it releases the
 *      other threads. After a restart the same futex holds the cloned threads until the leader is back.
 *
 * Stage contract for the handler (2-5): the program may be anywhere inside libc, so: raw system calls
 * from sys.h only, no malloc, no stdio, no errno, no TLS (no stack protector), no libc function at all;
 * state lives in the one global `g`. Everything that follows pw_ctx_save must read only `g` (the restored
 * stack frame holds whatever the locals were when the stack page was written, as after longjmp).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ucontext.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/mman.h>
#include "sys.h"
#include "ckpt_image.h"

#define PW_EXPORT __attribute__((visibility("default")))
#define RSEQ_SIG_X86 0x53053053u
#define STOP_COOKIE 0x706167657769736bull /* "pagewisk": si_value of the leader's stop requests */

/* glibc >= 2.35 publishes where its rseq area is; weak: absent on older glibc. */
extern const long __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

/* setjmp-like: returns 0 when saving, 1 when the restarter jumps back. */
__attribute__((returns_twice)) long pw_ctx_save(struct pw_ckpt_resume *r);
void pw_restore_rt(void);
__asm__(".text\n"
        ".globl pw_ctx_save\n.hidden pw_ctx_save\n.type pw_ctx_save,@function\n"
        "pw_ctx_save:\n"
        "  mov %rbx, 0(%rdi)\n  mov %rbp, 8(%rdi)\n  mov %r12, 16(%rdi)\n  mov %r13, 24(%rdi)\n"
        "  mov %r14, 32(%rdi)\n  mov %r15, 40(%rdi)\n"
        "  lea 8(%rsp), %rdx\n  mov %rdx, 48(%rdi)\n"
        "  mov (%rsp), %rdx\n  mov %rdx, 56(%rdi)\n"
        "  xor %eax, %eax\n  ret\n"
        ".size pw_ctx_save, .-pw_ctx_save\n"
        /* SA_RESTORER target: what glibc's __restore_rt does. */
        ".globl pw_restore_rt\n.hidden pw_restore_rt\n.type pw_restore_rt,@function\n"
        "pw_restore_rt:\n  mov $15, %eax\n  syscall\n  hlt\n"
        ".size pw_restore_rt, .-pw_restore_rt\n");

#define MAPS_BUF (256 * 1024)

/* All state of the library: survives in the image, so a restarted process can checkpoint again. */
static struct {
  char path[4096];
  char tmp[4096 + 32];
  long interval;              /* seconds, 0 = none */
  int timer_id;
  int timer_ok;
  long rseq_offset;           /* from the thread pointer; rseq_size 0 = not registered */
  unsigned rseq_size;
  int tid_offset;             /* glibc's cached tid, from the thread pointer; -1 = not found */
  int busy;
  uint32_t generation;        /* 1 = the original process, +1 per restart */
  uint32_t nregions, nfiles;
  struct pw_ckpt_resume resume; /* pw_ctx_save's, copied into the header */
  /* Other threads (step 2): the leader sets phase 1 and signals them; each records itself in
   * threads[slot], counts itself in `arrived` and waits (futex) until phase is 0 again. */
  volatile int phase;
  volatile int arrived;
  int nthreads;                /* followers expected */
  struct pw_ckpt_thread threads[PW_CKPT_MAX_THREADS];
  struct pw_ckpt_header hdr;
  struct pw_ckpt_region regions[PW_CKPT_MAX_REGIONS];
  struct pw_ckpt_file files[PW_CKPT_MAX_FILES];
  unsigned char fpstate[PW_CKPT_FPSTATE_MAX] __attribute__((aligned(64)));
  char maps[MAPS_BUF];
  char dents[8192];
  unsigned char zero[4096];
  unsigned char bounce[4096] __attribute__((aligned(64)));
} g;

/* ---- small freestanding helpers ---- */
static void say4(const char *a, const char *b, const char *c, const char *d) {
  char line[512]; size_t n = 0;
  const char *parts[5] = {"libckpt: ", a, b, c, d};
  for (int i = 0; i < 5; i++)
    for (const char *p = parts[i]; p && *p && n < sizeof line - 2; p++) line[n++] = *p;
  line[n++] = '\n';
  pw_write_all(2, line, n);
}
static void say(const char *a, const char *b, const char *c) { say4(a, b, c, ""); }

static unsigned long parse_dec(const char **s) {
  unsigned long v = 0;
  while (**s >= '0' && **s <= '9') v = v * 10 + (unsigned long)(*(*s)++ - '0');
  return v;
}

static int starts_with(const char *s, const char *p) {
  while (*p) if (*s++ != *p++) return 0;
  return 1;
}

static void copy_str(char *dst, size_t cap, const char *src, size_t n, int *trunc) {
  if (n >= cap) { n = cap - 1; if (trunc) *trunc = 1; }
  pw_memcpy(dst, src, n);
  dst[n] = 0;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

static long read_file(const char *path, char *buf, size_t cap) {
  long fd = sys_open(path, O_RDONLY | O_CLOEXEC, 0);
  if (sys_failed(fd)) return fd;
  size_t n = 0;
  for (;;) {
    if (n >= cap - 1) { sys_close((int)fd); return -27 /*EFBIG*/; }
    long r = sys_read((int)fd, buf + n, cap - 1 - n);
    if (r == -4) continue;
    if (sys_failed(r)) { sys_close((int)fd); return r; }
    if (r == 0) break;
    n += (size_t)r;
  }
  buf[n] = 0;
  sys_close((int)fd);
  return (long)n;
}

/* Entries of a /proc directory other than . and ..; calls fn(name) for each if fn is set. */
static long count_dir(const char *path, void (*fn)(const char *)) {
  long fd = sys_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (sys_failed(fd)) return fd;
  long count = 0;
  for (;;) {
    long n = sys_getdents64((int)fd, g.dents, sizeof g.dents);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; } *d = (void *)(g.dents + off);
      if (!(d->name[0] == '.' && (d->name[1] == 0 || (d->name[1] == '.' && d->name[2] == 0)))) {
        count++;
        if (fn) fn(d->name);
      }
      off += d->reclen;
    }
  }
  sys_close((int)fd);
  return count;
}

/* ---- step 4: capture ---- */
static int parse_maps(uint64_t rsp) {
  long n = read_file("/proc/self/maps", g.maps, sizeof g.maps);
  if (n < 0) { say("cannot read /proc/self/maps: ", pw_errname(n), "; no image written"); return -1; }
  const char *s = g.maps;
  g.nregions = 0;
  while (*s) {
    struct pw_ckpt_region *r = &g.regions[g.nregions];
    pw_memset(r, 0, sizeof *r);
    r->start = pw_parse_hex(&s); s++;
    r->end = pw_parse_hex(&s); s++;
    const char *perm = s; s += 5;
    r->file_offset = pw_parse_hex(&s); s++;
    r->dev_major = (uint32_t)pw_parse_hex(&s); s++;
    r->dev_minor = (uint32_t)pw_parse_hex(&s); s++;
    r->inode = parse_dec(&s);
    while (*s == ' ') s++;
    const char *name = s;
    while (*s && *s != '\n') s++;
    size_t nlen = (size_t)(s - name);
    if (*s) s++;
    int trunc = 0;
    copy_str(r->name, sizeof r->name, name, nlen, &trunc);
    if (trunc) r->flags |= PW_CKPT_R_NAME_TRUNC;
    r->prot = (perm[0] == 'r' ? PROT_READ : 0) | (perm[1] == 'w' ? PROT_WRITE : 0) | (perm[2] == 'x' ? PROT_EXEC : 0);
    r->flags |= perm[3] == 's' ? PW_CKPT_R_SHARED : PW_CKPT_R_PRIVATE;
    if (r->inode) r->flags |= PW_CKPT_R_FILE;
    if (!pw_strcmp(r->name, "[vsyscall]")) continue;
    /* A restarted process still has the restarter's own pages: they are not part of the program. */
    if (g.generation > 1 && r->start >= PW_CKPT_RESTARTER_START && r->end <= PW_CKPT_RESTARTER_END) continue;
    if (!pw_strcmp(r->name, "[vdso]")) r->kind = PW_CKPT_KIND_VDSO;
    else if (!pw_strcmp(r->name, "[vvar]")) r->kind = PW_CKPT_KIND_VVAR;
    else if (!pw_strcmp(r->name, "[vvar_vclock]")) r->kind = PW_CKPT_KIND_VVAR_VCLOCK;
    else if (!pw_strcmp(r->name, "[heap]")) r->kind = PW_CKPT_KIND_HEAP;
    else if (!pw_strcmp(r->name, "[stack]") || (rsp >= r->start && rsp < r->end && !r->inode && r->name[0] == 0))
      r->kind = PW_CKPT_KIND_STACK;
    if (r->kind == PW_CKPT_KIND_STACK) r->flags |= PW_CKPT_R_GROWSDOWN;
    if (r->kind == PW_CKPT_KIND_VDSO || r->kind == PW_CKPT_KIND_VVAR || r->kind == PW_CKPT_KIND_VVAR_VCLOCK)
      r->flags |= PW_CKPT_R_SPECIAL | PW_CKPT_R_NODATA;
    if (r->prot == 0) r->flags |= PW_CKPT_R_NODATA;                      /* guard pages, reservations */
    if ((r->flags & PW_CKPT_R_SHARED) && r->inode) r->flags |= PW_CKPT_R_NODATA; /* the file is the truth */
    if (++g.nregions == PW_CKPT_MAX_REGIONS) { say("more than 2048 regions", "", "; no image written"); return -1; }
  }
  return 0;
}

static void add_file(const char *name) {
  const char *p = name;
  long fd = (long)parse_dec(&p);
  if (*p || fd <= 2 || g.nfiles >= PW_CKPT_MAX_FILES) return;
  char link[64] = "/proc/self/fd/";
  size_t k = pw_strlen(link);
  k += pw_utoa((unsigned long)fd, link + k, 10);
  struct pw_ckpt_file *f = &g.files[g.nfiles];
  pw_memset(f, 0, sizeof *f);
  long n = sys_readlink(link, f->path, sizeof f->path - 1);
  if (n <= 0 || n >= (long)sizeof f->path - 1 || f->path[0] != '/') return; /* pipes, sockets, too long */
  f->path[n] = 0;
  if (n > 10 && !pw_strcmp(f->path + n - 10, " (deleted)")) return;
  struct stat st;
  if (sys_failed(sys_fstat((int)fd, &st)) || !S_ISREG(st.st_mode)) return;
  long fl = sys_fcntl((int)fd, F_GETFL, 0), fdfl = sys_fcntl((int)fd, F_GETFD, 0);
  long off = sys_lseek((int)fd, 0, 1 /*SEEK_CUR*/);
  if (sys_failed(fl) || sys_failed(fdfl) || sys_failed(off)) return;
  f->fd = (int32_t)fd; f->open_flags = (uint32_t)fl; f->fd_flags = (uint32_t)fdfl; f->offset = off;
  f->inode = st.st_ino; f->size = (uint64_t)st.st_size; f->mode = st.st_mode;
  g.nfiles++;
}

static void capture_header(int sig, ucontext_t *uc) {
  struct pw_ckpt_header *h = &g.hdr;
  pw_memset(h, 0, sizeof *h);
  h->magic = PW_CKPT_MAGIC;
  h->version_major = PW_CKPT_VERSION_MAJOR; h->version_minor = PW_CKPT_VERSION_MINOR;
  h->header_size = PW_CKPT_HEADER_SIZE; h->machine = PW_CKPT_MACHINE_X86_64; h->page_size = PW_CKPT_PAGE_SIZE;
  h->region_size = PW_CKPT_REGION_SIZE; h->file_size = PW_CKPT_FILE_SIZE;
  h->pid = (uint32_t)sys_getpid();
  h->generation = g.generation;
  struct { long s, ns; } ts;
  sys_clock_gettime(0 /*CLOCK_REALTIME*/, &ts);
  h->time_ns = (uint64_t)ts.s * 1000000000ull + (uint64_t)ts.ns;
  sys_prctl(16 /*PR_GET_NAME*/, (long)h->comm, 0, 0, 0);
  h->signo = (uint32_t)sig;
  h->resume = g.resume;
  for (int i = 0; i < 23; i++) h->gregs[i] = (uint64_t)uc->uc_mcontext.gregs[i];
  unsigned long fs = 0, gs = 0;
  sys_arch_prctl(0x1003 /*ARCH_GET_FS*/, (unsigned long)&fs);
  sys_arch_prctl(0x1004 /*ARCH_GET_GS*/, (unsigned long)&gs);
  h->fs_base = fs; h->gs_base = gs;
  pw_memcpy(&h->sigmask, &uc->uc_sigmask, 8);
  sys_rt_sigprocmask(SIG_BLOCK, 0, &h->handler_mask, 8);
  if (g.rseq_size) { h->rseq_addr = fs + (uint64_t)g.rseq_offset; h->rseq_len = g.rseq_size; h->rseq_sig = RSEQ_SIG_X86; }
  struct { uint64_t sp; int32_t flags; int32_t pad; uint64_t size; } ss;
  if (!sys_failed(sys_sigaltstack(0, &ss))) { h->altstack_sp = ss.sp; h->altstack_size = ss.size; h->altstack_flags = (uint32_t)ss.flags; }
  h->tid_offset = g.tid_offset;
  for (int s = 1; s <= PW_CKPT_NSIG; s++) sys_rt_sigaction(s, 0, &h->sigactions[s - 1], 8);
  h->brk = (uint64_t)sys_brk(0);
  uint64_t rlen = 0;
  sys_get_robust_list(0, &h->robust_head, &rlen);
  h->robust_len = rlen;
  /* The FPU area the kernel saved for the interrupted code: fxsave (512) or xsave (extended_size). */
  const unsigned char *fp = (const unsigned char *)uc->uc_mcontext.fpregs;
  uint32_t fpsize = 0;
  if (fp) {
    uint32_t magic1, ext;
    pw_memcpy(&magic1, fp + 464, 4); pw_memcpy(&ext, fp + 468, 4);
    fpsize = magic1 == 0x46505853u /*FP_XSTATE_MAGIC1*/ ? ext : 512;
    if (fpsize > PW_CKPT_FPSTATE_MAX) { fpsize = PW_CKPT_FPSTATE_MAX; h->flags |= 1; }
    pw_memcpy(g.fpstate, fp, fpsize);
  }
  h->fpstate_size = fpsize;
}

/* ---- step 5: write ---- */
static long write_at(int fd, const void *buf, size_t n, uint64_t off, uint32_t *crc) {
  const char *p = buf;
  if (crc) *crc = pw_crc32c_update(*crc, buf, n);
  while (n) {
    long r = sys_pwrite(fd, p, n > 0x40000000 ? 0x40000000 : n, (long)off);
    if (r == -4) continue;
    if (sys_failed(r)) return r;
    if (r == 0) return -5;
    p += r; n -= (size_t)r; off += (uint64_t)r;
  }
  return 0;
}

static int page_is_zero(const uint64_t *p) {
  uint64_t acc = 0;
  for (int i = 0; i < 512; i += 8) {
    acc |= p[i] | p[i + 1] | p[i + 2] | p[i + 3] | p[i + 4] | p[i + 5] | p[i + 6] | p[i + 7];
    if (acc) return 0;
  }
  return 1;
}

/* Write one region's stored pages at *cursor (page-aligned) then its bitmap; fills data_off etc. */
static long write_region(int fd, struct pw_ckpt_region *r, uint64_t *cursor) {
  uint64_t pages = (r->end - r->start) / PW_CKPT_PAGE_SIZE;
  uint64_t readable = pages;
  if ((r->flags & PW_CKPT_R_FILE) && !(r->flags & PW_CKPT_R_NAME_TRUNC)) {
    /* Pages wholly past the end of the mapped file raise SIGBUS when read: they are not stored. */
    struct stat st;
    if (!sys_failed(sys_stat(r->name, &st)) && st.st_ino == r->inode) {
      uint64_t fpages = (uint64_t)st.st_size > r->file_offset
                            ? align_up((uint64_t)st.st_size - r->file_offset, PW_CKPT_PAGE_SIZE) / PW_CKPT_PAGE_SIZE : 0;
      if (fpages < readable) readable = fpages;
    }
  }
  uint64_t words = pw_ckpt_bitmap_words(pages);
  size_t bmlen = (size_t)align_up(words * 8, PW_CKPT_PAGE_SIZE);
  long bm = sys_mmap(0, bmlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (sys_failed(bm)) return bm;
  uint64_t *bitmap = (uint64_t *)bm;
  uint32_t crc = 0;
  long rc = 0;
  r->data_off = *cursor;
  uint64_t out = *cursor, run_start = 0, run_len = 0;
  /* The region holding our own stack changes while we write it (our frames, below the handler's):
   * its pages go through a bounce buffer one at a time, so the crc and the data agree. */
  uint64_t here = (uint64_t)__builtin_frame_address(0);
  int live = here >= r->start && here < r->end;
  for (uint64_t i = 0; i <= readable; i++) {
    const uint64_t *page = (const uint64_t *)(r->start + i * PW_CKPT_PAGE_SIZE);
    if (live && i < readable) {
      pw_memcpy(g.bounce, page, PW_CKPT_PAGE_SIZE);
      if (page_is_zero((const uint64_t *)g.bounce)) continue;
      bitmap[i / 64] |= 1ull << (i % 64);
      r->stored_pages++;
      rc = write_at(fd, g.bounce, PW_CKPT_PAGE_SIZE, out, &crc);
      if (rc) goto out;
      out += PW_CKPT_PAGE_SIZE;
      continue;
    }
    int keep = i < readable && !page_is_zero(page);
    if (keep) {
      bitmap[i / 64] |= 1ull << (i % 64);
      if (run_len == 0) run_start = i;
      run_len++;
      r->stored_pages++;
    }
    if ((!keep || run_len >= 4096) && run_len) {
      rc = write_at(fd, (const void *)(r->start + run_start * PW_CKPT_PAGE_SIZE), run_len * PW_CKPT_PAGE_SIZE, out, &crc);
      if (rc) goto out;
      out += run_len * PW_CKPT_PAGE_SIZE;
      run_len = 0;
    }
  }
  r->bitmap_off = out;
  rc = write_at(fd, bitmap, words * 8, out, &crc);
  if (rc) goto out;
  out += words * 8;
  r->crc = crc;
  *cursor = out;
out:
  sys_munmap(bitmap, bmlen);
  return rc;
}

static long write_image(void) {
  struct pw_ckpt_header *h = &g.hdr;
  h->region_count = g.nregions;
  h->file_count = g.nfiles;
  h->region_table_off = PW_CKPT_HEADER_SIZE;
  h->file_table_off = h->region_table_off + (uint64_t)g.nregions * PW_CKPT_REGION_SIZE;
  h->thread_count = (uint32_t)g.nthreads;
  h->thread_size = PW_CKPT_THREAD_SIZE;
  h->thread_table_off = h->file_table_off + (uint64_t)g.nfiles * PW_CKPT_FILE_SIZE;
  h->fpstate_off = align_up(h->thread_table_off + (uint64_t)g.nthreads * PW_CKPT_THREAD_SIZE, 64);
  h->meta_size = align_up(h->fpstate_off + h->fpstate_size, PW_CKPT_PAGE_SIZE);

  long fd = sys_open(g.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (sys_failed(fd)) return fd;
  long rc = sys_fchmod((int)fd, 0600);
  uint64_t cursor = h->meta_size;
  for (uint32_t i = 0; i < g.nregions && !rc; i++) {
    struct pw_ckpt_region *r = &g.regions[i];
    if (r->flags & PW_CKPT_R_NODATA) continue;
    cursor = align_up(cursor, PW_CKPT_PAGE_SIZE);
    /* write-only or execute-only memory is made readable for as long as it is written */
    int unreadable = !(r->prot & PROT_READ);
    if (unreadable) rc = sys_mprotect((void *)r->start, r->end - r->start, (int)r->prot | PROT_READ);
    if (!rc) rc = write_region((int)fd, r, &cursor);
    if (unreadable) sys_mprotect((void *)r->start, r->end - r->start, (int)r->prot);
  }
  if (!rc) {
    h->image_size = cursor > h->meta_size ? cursor : h->meta_size;
    h->header_crc = 0;
    uint32_t crc = 0;
    uint64_t fpend = h->fpstate_off + h->fpstate_size;
    uint64_t files_end = h->thread_table_off + (uint64_t)g.nthreads * PW_CKPT_THREAD_SIZE; /* end of the tables */
    /* The crc needs the header's final bytes: compute over everything, then write it. */
    crc = pw_crc32c_update(crc, h, sizeof *h);
    crc = pw_crc32c_update(crc, g.regions, (size_t)g.nregions * PW_CKPT_REGION_SIZE);
    crc = pw_crc32c_update(crc, g.files, (size_t)g.nfiles * PW_CKPT_FILE_SIZE);
    crc = pw_crc32c_update(crc, g.threads, (size_t)g.nthreads * PW_CKPT_THREAD_SIZE);
    crc = pw_crc32c_update(crc, g.zero, (size_t)(h->fpstate_off - files_end));
    crc = pw_crc32c_update(crc, g.fpstate, h->fpstate_size);
    crc = pw_crc32c_update(crc, g.zero, (size_t)(h->meta_size - fpend));
    h->header_crc = crc;
    rc = write_at((int)fd, h, sizeof *h, 0, 0);
    if (!rc) rc = write_at((int)fd, g.regions, (size_t)g.nregions * PW_CKPT_REGION_SIZE, h->region_table_off, 0);
    if (!rc) rc = write_at((int)fd, g.files, (size_t)g.nfiles * PW_CKPT_FILE_SIZE, h->file_table_off, 0);
    if (!rc) rc = write_at((int)fd, g.threads, (size_t)g.nthreads * PW_CKPT_THREAD_SIZE, h->thread_table_off, 0);
    if (!rc) rc = write_at((int)fd, g.zero, (size_t)(h->fpstate_off - files_end), files_end, 0);
    if (!rc) rc = write_at((int)fd, g.fpstate, h->fpstate_size, h->fpstate_off, 0);
    if (!rc) rc = write_at((int)fd, g.zero, (size_t)(h->meta_size - fpend), fpend, 0);
  }
  if (!rc) rc = sys_fsync((int)fd);
  long rc2 = sys_close((int)fd);
  if (!rc) rc = rc2;
  if (!rc) rc = sys_rename(g.tmp, g.path);
  if (rc) sys_unlink(g.tmp);
  return rc;
}

/* ---- the restored side of the handler (step 3) ---- */
static void arm_timer(void) {
  if (g.interval <= 0) return;
  struct { uint64_t value; int signo; int notify; int pad[12]; } sev;
  pw_memset(&sev, 0, sizeof sev);
  sev.signo = SIGUSR2; sev.notify = 0 /*SIGEV_SIGNAL*/;
  int id = -1;
  if (sys_failed(sys_timer_create(1 /*CLOCK_MONOTONIC*/, &sev, &id))) { say("cannot create the checkpoint timer", "", ""); return; }
  struct { long is, ins, vs, vns; } its = {g.interval, 0, g.interval, 0};
  sys_timer_settime(id, 0, &its, 0);
  g.timer_id = id; g.timer_ok = 1;
}

static void patch_tid(void) {
  if (g.tid_offset < 0) return;
  unsigned long fs = 0;
  sys_arch_prctl(0x1003, (unsigned long)&fs);
  if (fs) *(volatile int *)(fs + (unsigned long)g.tid_offset) = (int)sys_gettid();
}

static void futex_wait(volatile int *addr, int val, long ms) {
  struct { long s, ns; } ts = {ms / 1000, (ms % 1000) * 1000000};
  sys_futex((void *)addr, 128 /*FUTEX_WAIT_PRIVATE*/, val, ms >= 0 ? &ts : 0);
}
static void futex_wake(volatile int *addr) { sys_futex((void *)addr, 129 /*FUTEX_WAKE_PRIVATE*/, 0x7fffffff, 0); }

/* Release the threads parked in follower(): the checkpoint is over (or, after a restart, all are back). */
static void release_threads(void) {
  g.phase = 0;
  futex_wake(&g.phase);
}

static void after_restore(void) {
  g.busy = 0;
  g.generation++;
  patch_tid();
  if (g.tid_offset >= 0) { /* as glibc did at startup: the kernel clears it and wakes joiners at exit */
    unsigned long fs = 0;
    sys_arch_prctl(0x1003, (unsigned long)&fs);
    if (fs) pw_syscall1(__NR_set_tid_address, fs + (unsigned long)g.tid_offset);
  }
  if (g.hdr.robust_head) sys_set_robust_list((void *)g.hdr.robust_head, g.hdr.robust_len);
  arm_timer();
  release_threads();
}

/* A thread the leader stopped: record where it waits, then wait; after a restart it comes back here
 * (cloned by myrestart with its TLS), repairs its own kernel state and waits for the leader. */
static void follower(ucontext_t *uc) {
  int slot = __atomic_fetch_add(&g.arrived, 1, __ATOMIC_SEQ_CST);
  if (slot >= PW_CKPT_MAX_THREADS) return;
  struct pw_ckpt_thread *t = &g.threads[slot];
  if (pw_ctx_save(&t->resume)) {
    t = &g.threads[slot];
    patch_tid();
    if (t->robust_head) sys_set_robust_list((void *)t->robust_head, t->robust_len);
    if (t->rseq_addr) sys_rseq((void *)t->rseq_addr, g.rseq_size, 0, RSEQ_SIG_X86);
    sys_prctl(15 /*PR_SET_NAME*/, (long)t->comm, 0, 0, 0);
  } else {
    unsigned long fs = 0;
    uint64_t rlen = 0;
    sys_arch_prctl(0x1003, (unsigned long)&fs);
    t->tid = (uint32_t)sys_gettid();
    t->fs_base = fs;
    sys_get_robust_list(0, &t->robust_head, &rlen);
    t->robust_len = rlen;
    t->rseq_addr = g.rseq_size ? fs + (uint64_t)g.rseq_offset : 0;
    sys_prctl(16 /*PR_GET_NAME*/, (long)t->comm, 0, 0, 0);
    pw_memcpy(&t->sigmask, &uc->uc_sigmask, 8);
    futex_wake(&g.arrived);
  }
  while (g.phase == 1) futex_wait(&g.phase, 1, -1);
}

/* Stop every other thread in follower(); 0 when all are parked, else -1 (and they are released). */
static int stop_threads(void) {
  static int tids[PW_CKPT_MAX_THREADS + 1];
  static int ntids;
  ntids = 0;
  g.nthreads = 0;
  g.arrived = 0;
  int me = (int)sys_gettid(), pid = (int)sys_getpid();
  /* list the threads */
  long fd = sys_open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (sys_failed(fd)) return -1;
  for (;;) {
    long n = sys_getdents64((int)fd, g.dents, sizeof g.dents);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; } *d = (void *)(g.dents + off);
      const char *p = d->name;
      int tid = (int)parse_dec(&p);
      if (!*p && tid > 0 && tid != me) {
        if (ntids == PW_CKPT_MAX_THREADS) { sys_close((int)fd); say("more than 64 threads", "", "; no image written"); return -1; }
        tids[ntids++] = tid;
      }
      off += d->reclen;
    }
  }
  sys_close((int)fd);
  if (ntids == 0) return 0;
  g.phase = 1;
  /* rt_tgsigqueueinfo with our cookie, so a stop request is told apart from a raise(SIGUSR2) */
  struct { int signo, err, code, pad; int pid; unsigned uid; uint64_t value; char rest[96]; } info;
  pw_memset(&info, 0, sizeof info);
  info.signo = SIGUSR2; info.code = -1 /*SI_QUEUE*/; info.pid = pid; info.value = STOP_COOKIE;
  for (int i = 0; i < ntids; i++) pw_syscall4(__NR_rt_tgsigqueueinfo, pid, tids[i], SIGUSR2, (long)&info);
  for (int waited = 0; g.arrived < ntids; waited += 10) {
    if (waited >= 5000) {
      char num[24];
      pw_utoa((unsigned long)(ntids - g.arrived), num, 10);
      say(num, " thread(s) did not stop within 5 s (SIGUSR2 blocked?)", "; no image written");
      release_threads();
      return -1;
    }
    int seen = g.arrived;
    if (seen < ntids) futex_wait(&g.arrived, seen, 10);
  }
  g.nthreads = ntids;
  return 0;
}

static void pw_ckpt_handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  /* a stop request from the leader: we are a thread to park (or a late one after an abort: ignore) */
  if (si->si_code == -1 /*SI_QUEUE*/ && si->si_pid == (int)sys_getpid() && (uint64_t)si->si_value.sival_ptr == STOP_COOKIE) {
    if (g.phase == 1) follower(uc);
    return;
  }
  if (__atomic_exchange_n(&g.busy, 1, __ATOMIC_SEQ_CST)) return;
  if (stop_threads() != 0) {
    g.busy = 0;
    return;
  }
  if (pw_ctx_save(&g.resume)) {  /* eax = 1: we are the restored process */
    after_restore();
    return;                          /* rt_sigreturn restores the interrupted context */
  }
  uc = ucv;
  capture_header(sig, uc);
  if (parse_maps((uint64_t)uc->uc_mcontext.gregs[REG_RSP]) == 0) {
    g.nfiles = 0;
    count_dir("/proc/self/fd", add_file);
    long rc = write_image();
    if (rc) say4("cannot write the checkpoint image ", g.path, ": ", pw_errname(rc));
  }
  release_threads();
  g.busy = 0;
}

/* ---- step 1: the constructor (libc is initialised here, but we still need nothing of it) ---- */
static const char *env_get(char **envp, const char *name) {
  size_t n = pw_strlen(name);
  for (; envp && *envp; envp++)
    if (starts_with(*envp, name) && (*envp)[n] == '=') return *envp + n + 1;
  return 0;
}

static int find_tid_offset(void) {
  unsigned long fs = 0;
  if (sys_failed(sys_arch_prctl(0x1003, (unsigned long)&fs)) || !fs) return -1;
  int tid = (int)sys_gettid();
  /* glibc registered &pthread_self()->tid with set_tid_address at startup: PR_GET_TID_ADDRESS gives it
   * exactly (CONFIG_CHECKPOINT_RESTORE). Otherwise: the first int equal to our tid in struct pthread,
   * which starts at the thread pointer (`tid` lies within its first KiB). */
  unsigned long addr = 0;
  if (!sys_failed(sys_prctl(40 /*PR_GET_TID_ADDRESS*/, (long)&addr, 0, 0, 0)) && addr > fs && addr < fs + 0x1000 &&
      *(const int *)addr == tid)
    return (int)(addr - fs);
  for (int off = 0x10; off < 0x1000; off += 4)
    if (*(const int *)(fs + (unsigned long)off) == tid) return off;
  return -1;
}

__attribute__((constructor)) static void pw_ckpt_init(int argc, char **argv, char **envp) {
  (void)argc; (void)argv;
  const char *p = env_get(envp, "PAGEWISE_CKPT");
  if (!p || !*p) p = "myckpt";
  copy_str(g.path, sizeof g.path, p, pw_strlen(p), 0);
  size_t n = pw_strlen(g.path);
  pw_memcpy(g.tmp, g.path, n);
  pw_memcpy(g.tmp + n, ".tmp.", 5);
  pw_utoa((unsigned long)sys_getpid(), g.tmp + n + 5, 10);
  const char *iv = env_get(envp, "PAGEWISE_CKPT_INTERVAL");
  if (iv) { const char *q = iv; g.interval = (long)parse_dec(&q); if (*q) { say("PAGEWISE_CKPT_INTERVAL must be whole seconds, got ", iv, "; ignored"); g.interval = 0; } }
  if (&__rseq_size && &__rseq_offset && __rseq_size) { g.rseq_offset = __rseq_offset; g.rseq_size = __rseq_size < 32 ? 32 : __rseq_size; }
  g.tid_offset = find_tid_offset();
  g.generation = 1;
  struct pw_ckpt_sigaction sa = {(uint64_t)pw_ckpt_handler, SA_SIGINFO | SA_RESTART | 0x04000000 /*SA_RESTORER*/,
                                 (uint64_t)pw_restore_rt, ~0ull};
  long rc = sys_rt_sigaction(SIGUSR2, &sa, 0, 8);
  if (sys_failed(rc)) say("cannot install the SIGUSR2 handler: ", pw_errname(rc), "");
  arm_timer();
}

/* For tools: the library's version, so `pagewise ckpt dump` can tell it apart from another SIGUSR2 user. */
PW_EXPORT const unsigned pagewise_ckpt_version = PW_CKPT_VERSION_MAJOR;
