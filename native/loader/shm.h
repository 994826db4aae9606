/*
 * shm.h: the C layout of the loader's shared page and of pagewise-exec's report record.
 * The numbers live in common/protocol.h (and src/native/protocol.ts); the structs below must match
 * the PW_LOADER_OFF_* / PW_EXEC_OFF_* offsets, which the _Static_asserts check.
 */
#ifndef PW_LOADER_SHM_H
#define PW_LOADER_SHM_H
#include <stddef.h>
#include <stdint.h>
#include "protocol.h"

struct pw_loader_shm {
  uint32_t magic, version, state, error;
  uint32_t mode, via, uffd_flags, segments;
  uint64_t pages_mapped;    /* pages the loader mapped (eager: all; demand: on faults and fallbacks) */
  uint64_t faults;          /* faults the pager handled (SIGSEGV or userfaultfd) */
  uint64_t pages_file;      /* pages filled with file bytes (whole or partial) */
  uint64_t pages_zero;      /* pages that were zeroes only */
  uint64_t guard_traps;     /* system calls stopped by the kernel-touch guard (SIGSYS) */
  uint64_t fallback_pages;  /* pages mapped all at once (program took SIGSEGV, or forked under uffd) */
  uint64_t lazy_pages;      /* pages left to demand paging at start */
  char message[PW_LOADER_MESSAGE_SIZE];
  /* hybrid mode and --record (hybrid.c, docs/hybrid.md) */
  uint32_t predictor;         /* PW_PREDICT_* of common/predict.h, 0 when not hybrid */
  uint32_t prefetch_window;   /* --pages */
  uint64_t pages_prefetched;  /* pages the predictor had mapped (zero pages + partial pages) */
  uint64_t prefetch_useful;   /* of the zero pages among them, those present at exit (valid if MEASURED) */
  uint64_t prefetch_partial;  /* prefetched pages holding file bytes: written when built, use not measurable */
  uint32_t prefetch_flags;    /* PW_LOADER_PREFETCH_MEASURED | PW_LOADER_RECORD_ENDED */
  uint32_t record_errno;      /* first write error of the --record file (positive errno), 0 if none */
};
_Static_assert(offsetof(struct pw_loader_shm, magic) == PW_LOADER_OFF_MAGIC, "magic");
_Static_assert(offsetof(struct pw_loader_shm, state) == PW_LOADER_OFF_STATE, "state");
_Static_assert(offsetof(struct pw_loader_shm, error) == PW_LOADER_OFF_ERROR, "error");
_Static_assert(offsetof(struct pw_loader_shm, mode) == PW_LOADER_OFF_MODE, "mode");
_Static_assert(offsetof(struct pw_loader_shm, uffd_flags) == PW_LOADER_OFF_UFFD_FLAGS, "uffd");
_Static_assert(offsetof(struct pw_loader_shm, segments) == PW_LOADER_OFF_SEGMENTS, "segments");
_Static_assert(offsetof(struct pw_loader_shm, pages_mapped) == PW_LOADER_OFF_PAGES_MAPPED, "pages");
_Static_assert(offsetof(struct pw_loader_shm, faults) == PW_LOADER_OFF_FAULTS, "faults");
_Static_assert(offsetof(struct pw_loader_shm, guard_traps) == PW_LOADER_OFF_GUARD_TRAPS, "guard");
_Static_assert(offsetof(struct pw_loader_shm, fallback_pages) == PW_LOADER_OFF_FALLBACK_PAGES, "fallback");
_Static_assert(offsetof(struct pw_loader_shm, lazy_pages) == PW_LOADER_OFF_LAZY_PAGES, "lazy");
_Static_assert(offsetof(struct pw_loader_shm, message) == PW_LOADER_OFF_MESSAGE, "message");
_Static_assert(offsetof(struct pw_loader_shm, predictor) == PW_LOADER_OFF_PREDICTOR, "predictor");
_Static_assert(offsetof(struct pw_loader_shm, prefetch_window) == PW_LOADER_OFF_PREFETCH_WINDOW, "window");
_Static_assert(offsetof(struct pw_loader_shm, pages_prefetched) == PW_LOADER_OFF_PAGES_PREFETCHED, "prefetched");
_Static_assert(offsetof(struct pw_loader_shm, prefetch_useful) == PW_LOADER_OFF_PREFETCH_USEFUL, "useful");
_Static_assert(offsetof(struct pw_loader_shm, prefetch_partial) == PW_LOADER_OFF_PREFETCH_PARTIAL, "partial");
_Static_assert(offsetof(struct pw_loader_shm, prefetch_flags) == PW_LOADER_OFF_PREFETCH_FLAGS, "pflags");
_Static_assert(offsetof(struct pw_loader_shm, record_errno) == PW_LOADER_OFF_RECORD_ERRNO, "record errno");
_Static_assert(sizeof(struct pw_loader_shm) <= PW_LOADER_SHM_SIZE, "shm size");

struct pw_exec_report {
  uint32_t magic, version;
  int32_t wait_status;
  uint32_t shm_size;
  uint64_t wall_ns, utime_us, stime_us, maxrss_kb, minflt, majflt, nvcsw, nivcsw;
  int32_t pid, exec_errno;
  uint64_t start_ns, reserved;
};
_Static_assert(offsetof(struct pw_exec_report, wait_status) == PW_EXEC_OFF_WAIT_STATUS, "ws");
_Static_assert(offsetof(struct pw_exec_report, shm_size) == PW_EXEC_OFF_SHM_SIZE, "ss");
_Static_assert(offsetof(struct pw_exec_report, wall_ns) == PW_EXEC_OFF_WALL_NS, "wall");
_Static_assert(offsetof(struct pw_exec_report, nivcsw) == PW_EXEC_OFF_NIVCSW, "nivcsw");
_Static_assert(offsetof(struct pw_exec_report, pid) == PW_EXEC_OFF_PID, "pid");
_Static_assert(offsetof(struct pw_exec_report, exec_errno) == PW_EXEC_OFF_EXEC_ERRNO, "errno");
_Static_assert(offsetof(struct pw_exec_report, start_ns) == PW_EXEC_OFF_START_NS, "start");
_Static_assert(sizeof(struct pw_exec_report) == PW_EXEC_REPORT_SIZE, "report size");
#endif
