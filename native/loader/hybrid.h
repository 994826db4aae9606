/*
 * hybrid.h: the hybrid mode and --record (hybrid.c), as loader.c, filter.c and pager.c call them.
 * Before the jump: pw_hybrid_option (argument loop), pw_hybrid_check (after it; a message or NULL),
 * pw_hybrid_premap (after the lazy reservations), pw_hybrid_setup (before the handlers are installed).
 * After the jump (freestanding): pw_hybrid_fault (once per fault the pager handled),
 * pw_hybrid_exit (from the SIGSYS guard on exit_group / exit, before the real call).
 */
#ifndef PW_HYBRID_H
#define PW_HYBRID_H
#include <stddef.h>
#include <stdint.h>

int pw_hybrid_option(const char *opt, const char *val);   /* 0, or -1: bad value */
const char *pw_hybrid_check(void);
int pw_hybrid_traps_exit(void);                            /* the filter must trap exit_group and exit */
long pw_hybrid_premap(int prog_fd, int interp_fd);         /* 0 or -errno */
long pw_hybrid_setup(char *const *argv, int argc, const char *const image_path[2], const uint64_t image_inode[2],
                     char *msg, size_t msglen);            /* 0 or a PW_LOADER_ERR_* with msg */
void pw_hybrid_fault(uint64_t addr, void *ucontext);       /* ucontext NULL: from the uffd thread */
void pw_hybrid_exit(long nr);
void pw_hybrid_after_syscall(long nr, const uint64_t *args, long result); /* after a trapped call */
#endif
