/*
 * loader.h: what the loader's phases share, and THE global struct the pager reads.
 *
 * Everything the code that runs after control passed to the program (the SIGSEGV or SIGBUS fault
 * handler, the uffd-thread pager, the SIGSYS guard) may touch lives in `pw` (struct pw_state) or in memory it points
 * to, all of it in the loader's own image or in mappings made with mmap() before the jump; none of it
 * in the loader's libc heap, TLS or stack.
 */
#ifndef PW_LOADER_H
#define PW_LOADER_H
#include <stdint.h>
#include <stddef.h>
#include "shm.h"

#define PW_PAGE 4096UL
#define PW_PAGE_DOWN(x) ((uint64_t)(x) & ~(PW_PAGE - 1))
#define PW_PAGE_UP(x) (((uint64_t)(x) + PW_PAGE - 1) & ~(PW_PAGE - 1))
#define PW_MAX_PHNUM 128
#define PW_MAX_SEGS 32          /* PT_LOADs of program + interpreter */
#define PW_USER_TOP 0x7ffffffff000UL /* the 47-bit user address space */
#define PW_ET_DYN_BASE 0x555555554000UL /* where the kernel puts PIE programs (2/3 of TASK_SIZE) */

/* Page states in struct pw_seg.state (one byte per page). */
#define PW_PG_LAZY 0
#define PW_PG_BUSY 1
#define PW_PG_DONE 2

/* One PT_LOAD as placed in memory (bias applied). The pages [start, end) belong to it; file bytes
 * cover [start, file_end) taken from view + file_off; the rest of its pages are zeroes. */
struct pw_seg {
  uint64_t start, end;        /* page-aligned */
  uint64_t file_end;          /* vaddr + filesz (not aligned): first byte that is zero */
  uint64_t file_off;          /* file offset of byte `start` */
  const unsigned char *view;  /* the whole file, mapped PROT_READ */
  uint64_t view_size;         /* its length in bytes */
  int prot;                   /* PROT_* from p_flags */
  int image;                  /* 0 program, 1 interpreter */
  uint8_t *state;             /* PW_PG_* per page; mmap()ed; NULL in eager mode */
};

/* Parsed and checked image (check.c). All values as in the file (no bias). */
struct pw_image {
  const char *path;
  const unsigned char *view;
  uint64_t size;
  int type;                   /* ET_EXEC or ET_DYN */
  uint64_t entry, phoff, phdr_vaddr;
  int phnum;
  int nload;
  struct { uint64_t vaddr, memsz, filesz, offset; uint32_t flags; } load[PW_MAX_PHNUM];
  uint64_t lo, hi;            /* page span of all PT_LOADs */
  const char *interp;         /* PT_INTERP path, in view, or NULL */
  uint64_t bias;
};

struct pw_state {
  struct pw_loader_shm *shm;
  struct pw_seg seg[PW_MAX_SEGS];
  int nseg;
  int mode, via;
  int uffd;                   /* userfaultfd (uffd via), else -1 */
  int fault_sig;              /* the signal a lazy page raises: SIGSEGV (signal via), SIGBUS (uffd via), 0 (uffd-thread) */
  int uffd_user_only;         /* the userfaultfd cannot see kernel faults */
  int guard;                  /* SIGSYS guard installed */
  int own_fault_taken;        /* the program installed its own action for fault_sig: everything is mapped */
  uint64_t loader_lo, loader_hi; /* the loader's text: syscalls from here pass the filter */
  void *altstack;
  size_t altstack_size;
  int passthrough;            /* a program exec'd by a demand-loaded one: only the SIGSYS handler */
  char loader_path[4096];     /* this loader's file, to exec a program's children through it */
  char exe_path[4096];        /* the program's file: what /proc/self/exe means to the program */
};
/* The syscall trampoline: one page at this fixed address in every process of a demand-loaded tree,
 * holding `syscall; ret` glue. The seccomp filter lets calls from it through, so the SIGSYS handler of
 * a loader instance at any (random) address can issue the calls it intercepted. */
#define PW_TRAMPOLINE 0x7e0000000000UL
#define pw_tramp ((long (*)(long, long, long, long, long, long, long))PW_TRAMPOLINE)
extern const char pw_tramp_code[], pw_tramp_code_end[];
extern struct pw_state pw;

/* The self fd: an eagerly loaded program whose /proc/self/exe could not be re-pointed (unprivileged)
 * keeps an O_PATH fd of its own file at this number, NOT close-on-exec. When the program re-executes
 * /proc/self/exe (busybox's shell does, for applets), the kernel starts the loader again, with the
 * program's argv: the loader recognises that (argv[1] is none of its options) and loads the file of
 * this fd instead of printing its usage line (loader.c, self_exec_fd; docs/loader.md "/proc/self/exe").
 * Fixed, because nothing else survives execve; high, out of the way of the fds programs count on. */
#define PW_SELF_FD 1000

/* check.c (hosted, before the first mapping) */
int pw_check_image(struct pw_image *im, const char *path, int is_interp, char *msg, size_t msglen);

/* pager.c (freestanding: runs in the program's context) */
long pw_map_page(struct pw_seg *s, uint64_t page);          /* map one lazy page; 0 or -errno */
long pw_prefault(uint64_t addr, uint64_t len);               /* map lazy pages overlapping a range */
void pw_map_all(void);                                       /* map every lazy page left */
void pw_fault_handler(int sig, void *info, void *uc);       /* SIGSEGV (signal via) or SIGBUS (uffd via) */
void pw_sys_handler(int sig, void *info, void *uc);
void pw_uffd_pager(void);                                    /* --via uffd-thread: the pager thread's loop */
struct pw_seg *pw_find_seg(uint64_t addr);

/* filter.c */
int pw_install_filter(char *msg, size_t msglen);
#endif
