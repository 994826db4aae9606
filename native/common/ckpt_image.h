/*
 * ckpt_image.h: the checkpoint image, shared by the writer (native/ckpt/libckpt.c) and the restarter
 * (native/restart/myrestart.c). Documented field by field in docs/formats/ckpt.md; the TypeScript reader
 * is src/ckpt/image.ts. The numbers live in protocol.h (section "checkpoint image"); the offsets below
 * are pinned with _Static_assert so the C structs, the #defines and the document cannot drift apart.
 *
 * Layout of a file (little-endian, x86-64):
 *   [0, 4096)                 struct pw_ckpt_header
 *   [region_table_off, ...)   region_count x struct pw_ckpt_region
 *   [file_table_off, ...)     file_count x struct pw_ckpt_file
 *   [thread_table_off, ...)   thread_count x struct pw_ckpt_thread
 *   [fpstate_off, ...)        fpstate_size bytes: the FPU/xsave area of the interrupted context
 *   ... zero padding to meta_size (a multiple of 4096); header_crc covers [0, meta_size)
 *   then, per region with data: its stored (non-zero) pages at data_off (page-aligned, contiguous,
 *   in address order), then its page bitmap at bitmap_off (one bit per page of the region, bit i of
 *   64-bit word i/64 set = page i stored). The region's crc covers the stored pages then the bitmap.
 *
 * Contract: types and pure functions only (crc32c), usable freestanding: no libc calls, no globals
 * except the lazily built crc table.
 */
#ifndef PAGEWISE_CKPT_IMAGE_H
#define PAGEWISE_CKPT_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "protocol.h"

struct pw_ckpt_sigaction {   /* the kernel's struct sigaction (rt_sigaction, sigsetsize 8) */
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

struct pw_ckpt_resume {      /* where the handler saved itself: callee-saved registers, rsp, rip */
  uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

struct pw_ckpt_header {
  uint64_t magic;            /* PW_CKPT_MAGIC: "PWCKPT\r\n" */
  uint16_t version_major;    /* PW_CKPT_VERSION_MAJOR: readers refuse another major */
  uint16_t version_minor;
  uint32_t header_size;      /* PW_CKPT_HEADER_SIZE */
  uint32_t machine;          /* PW_CKPT_MACHINE_X86_64 (ELF e_machine) */
  uint32_t page_size;
  uint32_t region_count;
  uint32_t file_count;
  uint32_t region_size;      /* PW_CKPT_REGION_SIZE */
  uint32_t file_size;        /* PW_CKPT_FILE_SIZE */
  uint64_t region_table_off;
  uint64_t file_table_off;
  uint64_t fpstate_off;
  uint32_t fpstate_size;
  uint32_t header_crc;       /* crc32c of [0, meta_size) with this field zero */
  uint64_t meta_size;
  uint64_t image_size;       /* the whole file */
  uint32_t pid;
  uint32_t generation;       /* 1 for the first checkpoint of a program, +1 per restart */
  uint64_t time_ns;          /* CLOCK_REALTIME at checkpoint */
  char comm[16];
  uint32_t signo;            /* the signal that triggered the checkpoint */
  uint32_t flags;
  uint64_t gregs[23];        /* uc_mcontext.gregs, in <sys/ucontext.h> order (REG_R8 ... REG_CR2) */
  uint64_t fs_base;
  uint64_t gs_base;
  uint64_t sigmask;          /* the interrupted code's mask (uc_sigmask) */
  uint64_t handler_mask;     /* the mask inside the handler (the restarter sets it before the jump) */
  struct pw_ckpt_resume resume;
  uint64_t rseq_addr;        /* 0 = none registered */
  uint32_t rseq_len;
  uint32_t rseq_sig;
  uint64_t altstack_sp;
  uint64_t altstack_size;
  uint32_t altstack_flags;
  int32_t tid_offset;        /* offset of glibc's cached tid from fs_base, -1 = unknown */
  struct pw_ckpt_sigaction sigactions[PW_CKPT_NSIG]; /* index = signal number - 1 */
  uint64_t brk;              /* the program break at checkpoint */
  uint32_t thread_count;     /* threads besides the one that wrote the image (the leader: the header's) */
  uint32_t thread_size;      /* PW_CKPT_THREAD_SIZE */
  uint64_t thread_table_off; /* = file_table_off + file_count * PW_CKPT_FILE_SIZE */
  uint64_t robust_head;      /* the leader's robust futex list (get_robust_list), re-registered */
  uint64_t robust_len;
  uint8_t reserved[PW_CKPT_HEADER_SIZE - 2536];
};

/* One per thread other than the leader, stopped in the handler while the leader wrote the image. */
struct pw_ckpt_thread {
  uint32_t tid;              /* at checkpoint (for inspect) */
  uint32_t flags;
  uint64_t fs_base;          /* its thread pointer: CLONE_SETTLS */
  struct pw_ckpt_resume resume; /* where it waits in the handler */
  uint64_t robust_head;
  uint64_t robust_len;
  uint64_t rseq_addr;        /* 0 = none */
  char comm[16];
  uint64_t sigmask;          /* its interrupted mask (restored by its own rt_sigreturn; for inspect) */
};

struct pw_ckpt_region {
  uint64_t start;
  uint64_t end;
  uint32_t prot;             /* PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4 */
  uint32_t flags;            /* PW_CKPT_R_* */
  uint64_t file_offset;      /* offset into the mapped file (maps column 3) */
  uint64_t inode;
  uint32_t dev_major;
  uint32_t dev_minor;
  uint64_t data_off;         /* 0 when no page is stored */
  uint64_t stored_pages;
  uint64_t bitmap_off;       /* 0 when the region carries no data (PW_CKPT_R_NODATA) */
  uint32_t crc;              /* crc32c of the stored pages then the bitmap */
  uint32_t kind;             /* PW_CKPT_KIND_* */
  uint8_t reserved[16];
  char name[PW_CKPT_NAME_MAX]; /* maps column 6, NUL-terminated (truncated: PW_CKPT_R_NAME_TRUNC) */
};

struct pw_ckpt_file {
  int32_t fd;
  uint32_t open_flags;       /* fcntl(F_GETFL) */
  int64_t offset;            /* lseek(fd, 0, SEEK_CUR) */
  uint64_t inode;
  uint64_t size;
  uint32_t mode;             /* st_mode */
  uint32_t fd_flags;         /* fcntl(F_GETFD): FD_CLOEXEC */
  char path[PW_CKPT_PATH_MAX];
};

_Static_assert(sizeof(struct pw_ckpt_sigaction) == 32, "sigaction record");
_Static_assert(sizeof(struct pw_ckpt_header) == PW_CKPT_HEADER_SIZE, "header size");
_Static_assert(sizeof(struct pw_ckpt_region) == PW_CKPT_REGION_SIZE, "region size");
_Static_assert(sizeof(struct pw_ckpt_file) == PW_CKPT_FILE_SIZE, "file size");
_Static_assert(offsetof(struct pw_ckpt_header, header_crc) == PW_CKPT_OFF_HEADER_CRC, "header_crc");
_Static_assert(offsetof(struct pw_ckpt_header, pid) == PW_CKPT_OFF_PID, "pid");
_Static_assert(offsetof(struct pw_ckpt_header, gregs) == PW_CKPT_OFF_GREGS, "gregs");
_Static_assert(offsetof(struct pw_ckpt_header, fs_base) == PW_CKPT_OFF_FS_BASE, "fs_base");
_Static_assert(offsetof(struct pw_ckpt_header, resume) == PW_CKPT_OFF_RESUME, "resume");
_Static_assert(offsetof(struct pw_ckpt_header, rseq_addr) == PW_CKPT_OFF_RSEQ, "rseq");
_Static_assert(offsetof(struct pw_ckpt_header, sigactions) == PW_CKPT_OFF_SIGACTIONS, "sigactions");
_Static_assert(offsetof(struct pw_ckpt_header, brk) == PW_CKPT_OFF_BRK, "brk");
_Static_assert(offsetof(struct pw_ckpt_header, thread_count) == PW_CKPT_OFF_THREADS, "threads");
_Static_assert(sizeof(struct pw_ckpt_thread) == PW_CKPT_THREAD_SIZE, "thread size");
_Static_assert(offsetof(struct pw_ckpt_region, data_off) == PW_CKPT_ROFF_DATA, "region data_off");
_Static_assert(offsetof(struct pw_ckpt_region, crc) == PW_CKPT_ROFF_CRC, "region crc");
_Static_assert(offsetof(struct pw_ckpt_region, name) == PW_CKPT_ROFF_NAME, "region name");
_Static_assert(offsetof(struct pw_ckpt_file, path) == PW_CKPT_FOFF_PATH, "file path");

/* Words of the page bitmap of a region of `pages` pages. */
static inline uint64_t pw_ckpt_bitmap_words(uint64_t pages) { return (pages + 63) / 64; }

/* ---- CRC32C (Castagnoli, reflected 0x82F63B78, init and final xor ~0), as iSCSI and ext4 use ---- */
/* Incremental form: crc = pw_crc32c_update(crc, p, n) starting from 0 gives the standard value. */
static uint32_t pw_crc32c_table[256];
static int pw_crc32c_hw = -1;

static inline int pw_crc32c_have_sse42(void) {
  uint32_t a = 1, b, c, d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
  return (c >> 20) & 1;
}

__attribute__((target("sse4.2"), unused)) static uint32_t pw_crc32c_hw_run(uint32_t c, const unsigned char *p, size_t n) {
  uint64_t c64 = c;
  while (n && ((uintptr_t)p & 7)) { c = __builtin_ia32_crc32qi(c, *p++); n--; }
  c64 = c;
  while (n >= 8) { uint64_t v; __builtin_memcpy(&v, p, 8); c64 = __builtin_ia32_crc32di(c64, v); p += 8; n -= 8; }
  c = (uint32_t)c64;
  while (n--) c = __builtin_ia32_crc32qi(c, *p++);
  return c;
}

__attribute__((unused)) static uint32_t pw_crc32c_update(uint32_t crc, const void *buf, size_t n) {
  const unsigned char *p = buf;
  uint32_t c = ~crc;
  if (pw_crc32c_hw < 0) {
    pw_crc32c_hw = pw_crc32c_have_sse42();
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t r = i;
      for (int k = 0; k < 8; k++) r = (r >> 1) ^ (0x82F63B78u & (0u - (r & 1)));
      pw_crc32c_table[i] = r;
    }
  }
  if (pw_crc32c_hw) return ~pw_crc32c_hw_run(c, p, n);
  while (n--) c = (c >> 8) ^ pw_crc32c_table[(c ^ *p++) & 0xff];
  return ~c;
}

#endif
