/*
 * myrestart IMAGE: bring a process checkpointed by libckpt.so back, in this process, where it was.
 * Static, no libc (-nostdlib: no TLS, no rseq, no brk of ours), linked at 0x5000000 so it keeps out
 * of the program's way: text 0x5000000, data 0x5100000, bss 0x5200000, stack 0x5300000.
 *
 * The story (as DMTCP's mtcp_restart):
 *   1. Validate the whole image before touching anything: magic, version, machine, sizes, header crc,
 *      every region (bounds, order, no overlap with our 0x5000000-0x5400000, its data crc and bitmap),
 *      files to reopen present, the kernel's vdso/vvar of the same sizes as the image's. Refused: one
 *      line on stderr, exit 2 (PW_CKPT_EXIT_REFUSED), nothing changed.
 *   2. Map a stack at 0x5300000 and switch to it (the image name is already in R, our bss).
 *   3. Read our own /proc/self/maps; move [vvar], [vvar_vclock], [vdso] into our scratch window
 *      (0x5340000...), unmap everything else that is not ours (the old stack with argv, envp, auxv).
 *      ---- the point of no return: a failure after this can only be reported and exit 127 ----
 *   4. Map every region with its permissions; fill the stored pages with pread from the image
 *      (page-aligned in the file), all-zero pages stay anonymous zero; set the final protection.
 *   5. Move [vvar]/[vvar_vclock]/[vdso] to where the program had them (mremap), so its cached vdso
 *      pointers (clock_gettime, gettimeofday) work.
 *   6. Close the image; reopen the program's regular files on their fds at their offsets; register the
 *      rseq area again; restore every signal disposition, the thread name, FS base; block every signal
 *      (the mask the handler ran with).
 *   7. Create the other threads of the image (clone with CLONE_THREAD|CLONE_SETTLS, their FS base,
 *      CLONE_CHILD_CLEARTID on glibc's tid field), each jumping at once into its own saved resume point
 *      in the handler; then jump into the leader's with eax = 1. Each repairs what is kernel state and
 *      returns; rt_sigreturn restores its interrupted context from the signal frame in the restored
 *      stack: every register, the FPU/xsave state, the signal mask and sigaltstack.
 *
 * Stage contracts: before 2 everything is allowed that does not change the address space. After 2 the
 * kernel's stack (argv, envp, auxv) must not be used. After 3 only our own segments exist (text with the
 * string literals, data, bss with R, the new stack): still fine for messages. After 7 nothing of ours runs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "sys.h"
#include "ckpt_image.h"

#define MAP_FIXED_NOREPLACE_ 0x100000
#define SCRATCH (PW_CKPT_RESTARTER_STACK + PW_CKPT_RESTARTER_STACK_SIZE)

/* Everything that must survive the stack switch lives here. */
static struct {
  char image[4096];
  int fd;
  uint64_t size;
  struct pw_ckpt_header hdr;
  struct pw_ckpt_region regions[PW_CKPT_MAX_REGIONS];
  struct pw_ckpt_file files[PW_CKPT_MAX_FILES];
  struct pw_ckpt_thread threads[PW_CKPT_MAX_THREADS];
  char maps[64 * 1024];
  struct { uint64_t start, end, scratch; } special[4]; /* by PW_CKPT_KIND_VDSO/VVAR/VVAR_VCLOCK */
} R;

/* gcc may emit these for struct copies even freestanding. */
void *memcpy(void *d, const void *s, size_t n) { pw_memcpy(d, s, n); return d; }
void *memset(void *d, int c, size_t n) { pw_memset(d, c, n); return d; }

static void put(const char *s) { pw_puts(2, s); }

__attribute__((noreturn)) static void die(int code, const char *what, const char *detail) {
  put("myrestart: ");
  put(R.image);
  put(": ");
  put(what);
  if (detail) { put(": "); put(detail); }
  put("\n");
  sys_exit_group(code);
}
#define REFUSE(what, detail) die(PW_CKPT_EXIT_REFUSED, what, detail)
#define LOST(what, detail) die(PW_CKPT_EXIT_LOST, what, detail)

static char numbuf[4][24];
static const char *hex(int slot, uint64_t v) { numbuf[slot][0] = '0'; numbuf[slot][1] = 'x'; pw_utoa(v, numbuf[slot] + 2, 16); return numbuf[slot]; }
static const char *dec(int slot, uint64_t v) { pw_utoa(v, numbuf[slot], 10); return numbuf[slot]; }

/* "region 3 (0x7f..-0x7f.. [heap])" for messages. */
static char where[512];
static const char *region_name(uint32_t i) {
  const struct pw_ckpt_region *r = &R.regions[i];
  size_t n = 0;
  const char *parts[] = {"region ", dec(0, i), " (", hex(1, r->start), "-", hex(2, r->end), r->name[0] ? " " : "", r->name, ")"};
  for (size_t k = 0; k < sizeof parts / sizeof *parts; k++)
    for (const char *p = parts[k]; *p && n < sizeof where - 1; p++) where[n++] = *p;
  where[n] = 0;
  return where;
}

static long read_exact(int fd, void *buf, size_t n, uint64_t off) {
  char *p = buf;
  while (n) {
    long r = sys_pread(fd, p, n, (long)off);
    if (r == -4) continue;
    if (sys_failed(r)) return r;
    if (r == 0) return -5;
    p += r; n -= (size_t)r; off += (uint64_t)r;
  }
  return 0;
}

static long read_maps(void) {
  long fd = sys_open("/proc/self/maps", O_RDONLY, 0);
  if (sys_failed(fd)) return fd;
  size_t n = 0;
  for (;;) {
    long r = sys_read((int)fd, R.maps + n, sizeof R.maps - 1 - n);
    if (r <= 0) break;
    n += (size_t)r;
  }
  sys_close((int)fd);
  R.maps[n] = 0;
  return (long)n;
}

/* Calls fn(start, end, name) for each line of R.maps. */
static void each_mapping(void (*fn)(uint64_t, uint64_t, const char *)) {
  const char *s = R.maps;
  while (*s) {
    uint64_t start = pw_parse_hex(&s); s++;
    uint64_t end = pw_parse_hex(&s);
    while (*s && *s != '\n' && *s != '[' && *s != '/') s++;
    char name[32]; size_t k = 0;
    while (*s && *s != '\n') { if (k < sizeof name - 1) name[k++] = *s; s++; }
    name[k] = 0;
    if (*s) s++;
    fn(start, end, name);
  }
}

static int special_kind(const char *name) {
  if (!pw_strcmp(name, "[vdso]")) return PW_CKPT_KIND_VDSO;
  if (!pw_strcmp(name, "[vvar]")) return PW_CKPT_KIND_VVAR;
  if (!pw_strcmp(name, "[vvar_vclock]")) return PW_CKPT_KIND_VVAR_VCLOCK;
  return 0;
}

static void note_special(uint64_t start, uint64_t end, const char *name) {
  int k = special_kind(name);
  if (k) { R.special[k].start = start; R.special[k].end = end; }
}

/* ---- 1. validate ---- */
static void validate(void) {
  struct pw_ckpt_header *h = &R.hdr;
  long fd = sys_open(R.image, O_RDONLY | O_CLOEXEC, 0);
  if (sys_failed(fd)) REFUSE("cannot open the image", pw_errname(fd));
  R.fd = (int)fd;
  struct stat st;
  if (sys_failed(sys_fstat(R.fd, &st)) || !S_ISREG(st.st_mode)) REFUSE("not a regular file", 0);
  R.size = (uint64_t)st.st_size;
  if (R.size < 8) REFUSE("not a checkpoint image", "shorter than the magic number");
  if (read_exact(R.fd, h, 8, 0) || h->magic != PW_CKPT_MAGIC) REFUSE("not a checkpoint image", "bad magic number");
  if (R.size < sizeof *h || read_exact(R.fd, h, sizeof *h, 0)) REFUSE("truncated", "the header is cut short");
  if (h->version_major != PW_CKPT_VERSION_MAJOR) REFUSE("unsupported image format version", dec(0, h->version_major));
  if (h->machine != PW_CKPT_MACHINE_X86_64) REFUSE("image of another architecture: e_machine", dec(0, h->machine));
  if (h->header_size != PW_CKPT_HEADER_SIZE || h->region_size != PW_CKPT_REGION_SIZE || h->file_size != PW_CKPT_FILE_SIZE ||
      h->page_size != PW_CKPT_PAGE_SIZE)
    REFUSE("corrupt header", "record sizes");
  if (h->image_size > R.size) REFUSE("truncated", "the file is shorter than its header says");
  if (h->region_count > PW_CKPT_MAX_REGIONS || h->file_count > PW_CKPT_MAX_FILES || h->fpstate_size > PW_CKPT_FPSTATE_MAX)
    REFUSE("corrupt header", "table sizes");
  if (h->region_table_off != PW_CKPT_HEADER_SIZE ||
      h->file_table_off != h->region_table_off + (uint64_t)h->region_count * PW_CKPT_REGION_SIZE ||
      h->thread_table_off != h->file_table_off + (uint64_t)h->file_count * PW_CKPT_FILE_SIZE ||
      h->thread_count > PW_CKPT_MAX_THREADS || (h->thread_count && h->thread_size != PW_CKPT_THREAD_SIZE) ||
      h->fpstate_off < h->thread_table_off + (uint64_t)h->thread_count * PW_CKPT_THREAD_SIZE ||
      h->meta_size < h->fpstate_off + h->fpstate_size || h->meta_size > h->image_size || (h->meta_size & 4095))
    REFUSE("corrupt header", "table offsets");
  if (read_exact(R.fd, R.regions, (size_t)h->region_count * PW_CKPT_REGION_SIZE, h->region_table_off) ||
      read_exact(R.fd, R.files, (size_t)h->file_count * PW_CKPT_FILE_SIZE, h->file_table_off) ||
      read_exact(R.fd, R.threads, (size_t)h->thread_count * PW_CKPT_THREAD_SIZE, h->thread_table_off))
    REFUSE("truncated", "the tables are cut short");
  /* header crc over [0, meta_size) with the crc field zero */
  uint32_t want = h->header_crc, crc = 0;
  for (uint64_t off = 0; off < h->meta_size;) {
    size_t n = (size_t)(h->meta_size - off < sizeof R.maps ? h->meta_size - off : sizeof R.maps);
    if (read_exact(R.fd, R.maps, n, off)) REFUSE("truncated", "the header area is cut short");
    if (off <= PW_CKPT_OFF_HEADER_CRC && PW_CKPT_OFF_HEADER_CRC + 4 <= off + n) pw_memset(R.maps + PW_CKPT_OFF_HEADER_CRC - off, 0, 4);
    crc = pw_crc32c_update(crc, R.maps, n);
    off += n;
  }
  if (crc != want) REFUSE("checksum mismatch in the header and tables", hex(0, crc));

  uint64_t prev_end = 0;
  for (uint32_t i = 0; i < h->region_count; i++) {
    struct pw_ckpt_region *r = &R.regions[i];
    if (r->start >= r->end || (r->start & 4095) || (r->end & 4095) || r->end > 0x800000000000ull || r->start < prev_end)
      REFUSE("corrupt region table", region_name(i));
    prev_end = r->end;
    if (r->start < PW_CKPT_RESTARTER_END && r->end > PW_CKPT_RESTARTER_START)
      REFUSE("collides with the restarter's own range 0x5000000-0x5400000", region_name(i));
    if (r->flags & PW_CKPT_R_NODATA) continue;
    uint64_t pages = (r->end - r->start) / 4096, words = pw_ckpt_bitmap_words(pages);
    if ((r->data_off & 4095) || r->stored_pages > pages || r->data_off < h->meta_size ||
        r->bitmap_off != r->data_off + r->stored_pages * 4096 || r->bitmap_off + words * 8 > h->image_size)
      REFUSE("corrupt region table", region_name(i));
    uint64_t len = r->bitmap_off + words * 8 - r->data_off;
    long m = sys_mmap(0, len, PROT_READ, MAP_PRIVATE, R.fd, (long)r->data_off);
    if (sys_failed(m)) REFUSE("cannot read the data of", region_name(i));
    const uint64_t *bm = (const uint64_t *)(m + (long)(r->stored_pages * 4096));
    uint64_t bits = 0;
    for (uint64_t w = 0; w < words; w++) bits += (uint64_t)__builtin_popcountll(bm[w]);
    uint32_t c = pw_crc32c_update(0, (const void *)m, len);
    sys_munmap((void *)m, len);
    if (c != r->crc) REFUSE("checksum mismatch in the data of", region_name(i));
    if (bits != r->stored_pages) REFUSE("corrupt page bitmap of", region_name(i));
  }
  for (uint32_t i = 0; i < h->file_count; i++) {
    struct pw_ckpt_file *f = &R.files[i];
    f->path[PW_CKPT_PATH_MAX - 1] = 0;
    struct stat fst;
    if (sys_failed(sys_stat(f->path, &fst))) REFUSE("a file the program had open is gone", f->path);
  }
  for (uint32_t i = 0; i < h->region_count; i++) {
    struct pw_ckpt_region *r = &R.regions[i];
    if ((r->flags & PW_CKPT_R_SHARED) && (r->flags & PW_CKPT_R_FILE) && !(r->flags & PW_CKPT_R_SPECIAL)) {
      r->name[PW_CKPT_NAME_MAX - 1] = 0;
      struct stat fst;
      if ((r->flags & PW_CKPT_R_NAME_TRUNC) || sys_failed(sys_stat(r->name, &fst)))
        REFUSE("a file the program had mapped shared is gone", r->name);
    }
  }
  if (sys_failed(read_maps())) REFUSE("cannot read /proc/self/maps", 0);
  each_mapping(note_special);
  for (uint32_t i = 0; i < h->region_count; i++) {
    struct pw_ckpt_region *r = &R.regions[i];
    if (!(r->flags & PW_CKPT_R_SPECIAL)) continue;
    if (r->kind < 1 || r->kind > 3) REFUSE("corrupt region table", region_name(i));
    uint64_t have = R.special[r->kind].end - R.special[r->kind].start;
    if (have != r->end - r->start)
      REFUSE("the kernel's vdso/vvar differ from the image's (checkpointed under another kernel?)", region_name(i));
  }
}

/* ---- 3. clear the address space ---- */
static uint64_t scratch_next = SCRATCH;
static void clear_one(uint64_t start, uint64_t end, const char *name) {
  if (start >= PW_CKPT_RESTARTER_START && end <= PW_CKPT_RESTARTER_END) return;
  if (!pw_strcmp(name, "[vsyscall]")) return;
  int k = special_kind(name);
  if (k) {
    long r = sys_mremap((void *)start, end - start, end - start, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)scratch_next);
    if (sys_failed(r)) LOST("cannot move the vdso aside", pw_errname(r));
    R.special[k].scratch = scratch_next;
    scratch_next += end - start;
    return;
  }
  long r = sys_munmap((void *)start, end - start);
  if (sys_failed(r)) LOST("cannot unmap the old stack", pw_errname(r));
}

/* ---- 4. map and fill ---- */
static void map_region(uint32_t i) {
  struct pw_ckpt_region *r = &R.regions[i];
  void *addr = (void *)r->start;
  size_t len = (size_t)(r->end - r->start);
  long m;
  if ((r->flags & PW_CKPT_R_SHARED) && (r->flags & PW_CKPT_R_FILE)) {
    long fd = sys_open(r->name, (r->prot & PROT_WRITE) ? O_RDWR : O_RDONLY, 0);
    if (sys_failed(fd)) LOST("cannot reopen a shared mapping's file", r->name);
    m = sys_mmap(addr, len, (int)r->prot, MAP_SHARED | MAP_FIXED, (int)fd, (long)r->file_offset);
    sys_close((int)fd);
    if (sys_failed(m)) LOST("cannot map", region_name(i));
    return;
  }
  /* A private file mapping is mapped from its file again when the file is still there (same inode,
   * long enough), so /proc/PID/maps names it as before (tools, `pagewise ckpt dump`, the next image);
   * its content still comes from the image: stored pages are read over it, the others zeroed where the
   * file is not zero. Otherwise, and for anonymous memory, an anonymous mapping. */
  long ffd = -1;
  if ((r->flags & PW_CKPT_R_FILE) && (r->flags & PW_CKPT_R_PRIVATE) && !(r->flags & PW_CKPT_R_NAME_TRUNC) && r->name[0] == '/') {
    struct stat st;
    ffd = sys_open(r->name, O_RDONLY | O_CLOEXEC, 0);
    if (!sys_failed(ffd) && (sys_failed(sys_fstat((int)ffd, &st)) || st.st_ino != r->inode || (uint64_t)st.st_size < r->file_offset + len)) {
      sys_close((int)ffd);
      ffd = -1;
    }
    if (sys_failed(ffd)) ffd = -1;
  }
  int file = ffd >= 0;
  int flags = MAP_FIXED | ((r->flags & PW_CKPT_R_SHARED) ? MAP_SHARED : MAP_PRIVATE) | (file ? 0 : MAP_ANONYMOUS);
  if ((r->flags & PW_CKPT_R_GROWSDOWN) && !file) flags |= MAP_GROWSDOWN;
  int data = !(r->flags & PW_CKPT_R_NODATA) && (r->stored_pages || file);
  m = sys_mmap(addr, len, data ? PROT_READ | PROT_WRITE : (int)r->prot, flags, file ? (int)ffd : -1, file ? (long)r->file_offset : 0);
  if (file) sys_close((int)ffd);
  if (sys_failed(m)) LOST("cannot map", region_name(i));
  if (!data) return;
  uint64_t pages = len / 4096, words = pw_ckpt_bitmap_words(pages);
  /* The bitmap is read a chunk at a time into bmbuf; runs of stored pages are read with one pread each. */
  static uint64_t bmbuf[512];
  uint64_t cached = ~0ull, stored = 0, run_start = 0, run_len = 0;
  for (uint64_t p = 0; p <= pages; p++) {
    int keep = 0;
    if (p < pages) {
      uint64_t w = p / 64, chunk = w / 512;
      if (chunk != cached) {
        uint64_t nw = words - chunk * 512 < 512 ? words - chunk * 512 : 512;
        if (read_exact(R.fd, bmbuf, nw * 8, r->bitmap_off + chunk * 512 * 8)) LOST("cannot read the bitmap of", region_name(i));
        cached = chunk;
      }
      keep = (bmbuf[w % 512] >> (p % 64)) & 1;
    }
    if (keep) { if (!run_len) run_start = p; run_len++; }
    if (!keep && file && p < pages) {   /* all zero at checkpoint: make it so over the file's bytes */
      uint64_t *pg = (uint64_t *)(r->start + p * 4096);
      for (int k = 0; k < 512; k++) if (pg[k]) { pw_memset(pg, 0, 4096); break; }
    }
    if (!keep && run_len) {
      if (read_exact(R.fd, (void *)(r->start + run_start * 4096), run_len * 4096, r->data_off + stored * 4096))
        LOST("cannot read the data of", region_name(i));
      stored += run_len; run_len = 0;
    }
  }
  if (stored != r->stored_pages) LOST("the page bitmap disagrees with the stored pages of", region_name(i));
  if ((r->prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE) || (r->prot & PROT_EXEC)) {
    long p = sys_mprotect(addr, len, (int)r->prot);
    if (sys_failed(p)) LOST("cannot set the protection of", region_name(i));
  }
}

/* clone(flags, stack, NULL, ctid, tls) a thread of this process that starts at `r` (eax = 1) with the
 * saved callee-saved registers and rsp: it continues inside its own handler, as the leader does. */
long pw_clone_resume(unsigned long flags, void *stack, void *ctid, unsigned long tls, const struct pw_ckpt_resume *r);
__asm__(".text\n.type pw_clone_resume,@function\npw_clone_resume:\n"
        "  mov %r8, %r9\n  mov %rcx, %r8\n  mov %rdx, %r10\n  xor %edx, %edx\n  mov $56, %eax\n  syscall\n"
        "  test %rax, %rax\n  jnz 1f\n"
        "  mov 0(%r9), %rbx\n  mov 8(%r9), %rbp\n  mov 16(%r9), %r12\n  mov 24(%r9), %r13\n"
        "  mov 32(%r9), %r14\n  mov 40(%r9), %r15\n  mov 48(%r9), %rsp\n  mov $1, %eax\n  jmp *56(%r9)\n"
        "1: ret\n");

/* ---- 5-7 ---- */
__attribute__((noreturn)) static void jump_back(void) {
  __asm__ volatile(
      "mov 0(%0), %%rbx\n mov 8(%0), %%rbp\n mov 16(%0), %%r12\n mov 24(%0), %%r13\n"
      "mov 32(%0), %%r14\n mov 40(%0), %%r15\n mov 48(%0), %%rsp\n mov $1, %%eax\n jmp *56(%0)\n"
      : : "D"(&R.hdr.resume) : "memory");
  __builtin_unreachable();
}

__attribute__((noreturn, noinline)) static void restore_on_new_stack(void) {
  struct pw_ckpt_header *h = &R.hdr;
  if (sys_failed(read_maps())) REFUSE("cannot read /proc/self/maps", 0);
  /* ---- point of no return ---- */
  each_mapping(clear_one);
  for (uint32_t i = 0; i < h->region_count; i++)
    if (!(R.regions[i].flags & PW_CKPT_R_SPECIAL)) map_region(i);
  for (int k = 1; k <= 3; k++) {
    if (!R.special[k].scratch) continue;
    uint64_t target = 0, len = R.special[k].end - R.special[k].start;
    for (uint32_t i = 0; i < h->region_count; i++)
      if ((R.regions[i].flags & PW_CKPT_R_SPECIAL) && R.regions[i].kind == (uint32_t)k) target = R.regions[i].start;
    long r = target ? sys_mremap((void *)R.special[k].scratch, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)target)
                    : sys_munmap((void *)R.special[k].scratch, len);
    if (sys_failed(r)) LOST("cannot move the vdso into place", pw_errname(r));
  }
  sys_close(R.fd);
  for (uint32_t i = 0; i < h->file_count; i++) {
    struct pw_ckpt_file *f = &R.files[i];
    int cloexec = (f->fd_flags & 1 /*FD_CLOEXEC*/) ? O_CLOEXEC : 0;
    long fd = sys_open(f->path, (int)(f->open_flags & ~(uint32_t)(O_CREAT | O_TRUNC | O_EXCL)) | cloexec, 0);
    if (sys_failed(fd)) LOST("cannot reopen", f->path);
    if (fd != f->fd) {
      long d = sys_dup3((int)fd, f->fd, cloexec);
      sys_close((int)fd);
      if (sys_failed(d)) LOST("cannot reopen", f->path);
    }
    sys_lseek(f->fd, f->offset, 0);
  }
  if (h->rseq_addr) {
    long r = sys_rseq((void *)h->rseq_addr, h->rseq_len, 0, h->rseq_sig);
    if (sys_failed(r)) { put("myrestart: warning: cannot register rseq again: "); put(pw_errname(r)); put("\n"); }
  }
  sys_prctl(15 /*PR_SET_NAME*/, (long)h->comm, 0, 0, 0);
  /* The program break, where the kernel lets us (CAP_SYS_RESOURCE): then [heap] is named again and
   * brk() extends it; otherwise glibc's malloc falls back to mmap when brk fails. Errors ignored. */
  if (h->brk) {
    uint64_t start = h->brk;
    for (uint32_t i = 0; i < h->region_count; i++)
      if (R.regions[i].kind == PW_CKPT_KIND_HEAP) start = R.regions[i].start;
    for (int tries = 0; tries < 2; tries++) {  /* the kernel checks each against the other: try both orders */
      long a = sys_prctl(35 /*PR_SET_MM*/, 7 /*PR_SET_MM_BRK*/, (long)h->brk, 0, 0);
      long b = sys_prctl(35, 6 /*PR_SET_MM_START_BRK*/, (long)start, 0, 0);
      if (!sys_failed(a) && !sys_failed(b)) break;
    }
  }
  for (int s = 1; s <= PW_CKPT_NSIG; s++)
    if (s != 9 && s != 19) sys_rt_sigaction(s, &h->sigactions[s - 1], 0, 8);
  sys_rt_sigprocmask(2 /*SIG_SETMASK*/, &h->handler_mask, 0, 8);
  /* The other threads, each with its own TLS; glibc's tid field is cleared by the kernel at their exit
   * (CLONE_CHILD_CLEARTID), as pthread_join expects. They inherit the full mask set above. */
  for (uint32_t i = 0; i < h->thread_count; i++) {
    struct pw_ckpt_thread *t = &R.threads[i];
    unsigned long flags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x80000; /* VM FS FILES SIGHAND THREAD SYSVSEM SETTLS */
    void *ctid = 0;
    if (h->tid_offset >= 0) { flags |= 0x200000 /*CLONE_CHILD_CLEARTID*/; ctid = (void *)(t->fs_base + (uint64_t)h->tid_offset); }
    void *stack = (void *)(uintptr_t)(PW_CKPT_RESTARTER_STACK + 0x1000 + 256 * (i + 1)); /* never used: it jumps at once */
    long r = pw_clone_resume(flags, stack, ctid, t->fs_base, &t->resume);
    if (sys_failed(r)) LOST("cannot create a thread", pw_errname(r));
  }
  sys_arch_prctl(0x1002 /*ARCH_SET_FS*/, h->fs_base);
  jump_back();
}

__attribute__((used)) static void restart_main(long *sp) {
  long argc = sp[0];
  char **argv = (char **)(sp + 1);
  const char *usage = "usage: myrestart IMAGE   (restarts a process checkpointed by libckpt.so)\n";
  if (argc != 2 || !argv[1][0]) { put(usage); sys_exit_group(PW_CKPT_EXIT_REFUSED); }
  size_t n = pw_strlen(argv[1]);
  if (n >= sizeof R.image) { put("myrestart: image path too long\n"); sys_exit_group(PW_CKPT_EXIT_REFUSED); }
  pw_memcpy(R.image, argv[1], n + 1);   /* off the old stack, which step 3 unmaps */
  validate();
  /* ---- 2. our own stack ---- */
  uint64_t stack = PW_CKPT_RESTARTER_STACK;
  long m = sys_mmap((void *)stack, PW_CKPT_RESTARTER_STACK_SIZE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE_, -1, 0);
  if (sys_failed(m) || (uint64_t)m != stack) REFUSE("cannot map the restarter's stack at 0x5300000", pw_errname(m));
  __asm__ volatile("mov %0, %%rsp\n call *%1\n" : : "r"(stack + PW_CKPT_RESTARTER_STACK_SIZE), "r"(restore_on_new_stack) : "memory");
  __builtin_unreachable();
}

__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "  xor %ebp, %ebp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call restart_main\n  hlt\n");
