/*
 * protocol.h: the boundary between pagewise's C programs and its TypeScript side.
 *
 * Written down twice: src/native/protocol.ts holds the same numbers, and test/native/protocol.test.ts
 * checks that the two files agree (it reads the #define lines below, so keep them one per line, in the
 * form `#define PW_NAME value`). Record layouts are little-endian, packed as declared, sizes checked
 * with _Static_assert next to each struct. Each file format is documented in docs/formats/.
 */
#ifndef PAGEWISE_PROTOCOL_H
#define PAGEWISE_PROTOCOL_H

#include <stdint.h>

/* Version of this protocol as a whole (bumped when any layout below changes incompatibly). */
#define PW_PROTOCOL_VERSION 1

/* ---- exit statuses of the native programs' own failures (before the target program runs) ---- */
/* The loader and restarter exit with these only before control passes to the program; afterwards the
 * process's status is the program's. The TypeScript side tells the two apart through the report pipe. */
#define PW_EXIT_USAGE 2
#define PW_EXIT_BAD_INPUT 2
#define PW_EXIT_FAILED 1

/* ---- loader ---- */
/* The loader's shared page (docs/formats/loader-report.md): pagewise-exec creates a memfd of
 * PW_LOADER_SHM_SIZE bytes, the loader maps it MAP_SHARED and keeps its state and counters there, so
 * the parent reads them after the program ends, even by a signal. Offsets of struct pw_loader_shm. */
#define PW_LOADER_SHM_MAGIC 0x444c5750
#define PW_LOADER_SHM_VERSION 1
#define PW_LOADER_SHM_SIZE 4096
#define PW_LOADER_STATE_LOADING 0
#define PW_LOADER_STATE_RUNNING 1
#define PW_LOADER_STATE_FAILED 2
#define PW_LOADER_MODE_EAGER 0
#define PW_LOADER_MODE_DEMAND 1
#define PW_LOADER_MODE_HYBRID 2
#define PW_LOADER_VIA_SIGNAL 0
#define PW_LOADER_VIA_UFFD 1
#define PW_LOADER_VIA_UFFD_THREAD 2
/* uffd_flags bits: which userfaultfd the pager got. */
#define PW_LOADER_UFFD_USER_ONLY 1
#define PW_LOADER_UFFD_KERNEL_FAULTS 2
/* Loader failures before the point of no return (shm error field). */
#define PW_LOADER_ERR_NONE 0
#define PW_LOADER_ERR_USAGE 1
#define PW_LOADER_ERR_NOT_FOUND 2
#define PW_LOADER_ERR_NOT_EXECUTABLE 3
#define PW_LOADER_ERR_NOT_ELF 4
#define PW_LOADER_ERR_BAD_CLASS 5
#define PW_LOADER_ERR_BAD_MACHINE 6
#define PW_LOADER_ERR_BAD_HEADER 7
#define PW_LOADER_ERR_TRUNCATED 8
#define PW_LOADER_ERR_OVERLAP 9
#define PW_LOADER_ERR_SETUID 10
#define PW_LOADER_ERR_BAD_INTERP 11
#define PW_LOADER_ERR_MAP_FAILED 12
#define PW_LOADER_ERR_UFFD 13
#define PW_LOADER_ERR_SECCOMP 14
#define PW_LOADER_ERR_RECORD 15
#define PW_LOADER_MESSAGE_SIZE 256
/* struct pw_loader_shm field offsets */
#define PW_LOADER_OFF_MAGIC 0
#define PW_LOADER_OFF_VERSION 4
#define PW_LOADER_OFF_STATE 8
#define PW_LOADER_OFF_ERROR 12
#define PW_LOADER_OFF_MODE 16
#define PW_LOADER_OFF_VIA 20
#define PW_LOADER_OFF_UFFD_FLAGS 24
#define PW_LOADER_OFF_SEGMENTS 28
#define PW_LOADER_OFF_PAGES_MAPPED 32
#define PW_LOADER_OFF_FAULTS 40
#define PW_LOADER_OFF_PAGES_FILE 48
#define PW_LOADER_OFF_PAGES_ZERO 56
#define PW_LOADER_OFF_GUARD_TRAPS 64
#define PW_LOADER_OFF_FALLBACK_PAGES 72
#define PW_LOADER_OFF_LAZY_PAGES 80
#define PW_LOADER_OFF_MESSAGE 88
/* hybrid mode and --record (native/loader/hybrid.c, docs/hybrid.md) */
#define PW_LOADER_OFF_PREDICTOR 344
#define PW_LOADER_OFF_PREFETCH_WINDOW 348
#define PW_LOADER_OFF_PAGES_PREFETCHED 352
#define PW_LOADER_OFF_PREFETCH_USEFUL 360
#define PW_LOADER_OFF_PREFETCH_PARTIAL 368
#define PW_LOADER_OFF_PREFETCH_FLAGS 376
#define PW_LOADER_OFF_RECORD_ERRNO 380
/* prefetch_flags bits: MEASURED = prefetch_useful was counted at exit_group (else it is unknown);
 * RECORD_ENDED = the --record file got its END record */
#define PW_LOADER_PREFETCH_MEASURED 1
#define PW_LOADER_RECORD_ENDED 2
/* The record pagewise-exec writes on its report fd when the child ends: struct pw_exec_report,
 * followed by shm_size bytes of the shared page (0 when there was none). */
#define PW_EXEC_REPORT_MAGIC 0x58455750
#define PW_EXEC_REPORT_VERSION 1
#define PW_EXEC_REPORT_SIZE 104
#define PW_EXEC_OFF_MAGIC 0
#define PW_EXEC_OFF_VERSION 4
#define PW_EXEC_OFF_WAIT_STATUS 8
#define PW_EXEC_OFF_SHM_SIZE 12
#define PW_EXEC_OFF_WALL_NS 16
#define PW_EXEC_OFF_UTIME_US 24
#define PW_EXEC_OFF_STIME_US 32
#define PW_EXEC_OFF_MAXRSS_KB 40
#define PW_EXEC_OFF_MINFLT 48
#define PW_EXEC_OFF_MAJFLT 56
#define PW_EXEC_OFF_NVCSW 64
#define PW_EXEC_OFF_NIVCSW 72
#define PW_EXEC_OFF_PID 80
#define PW_EXEC_OFF_EXEC_ERRNO 84
#define PW_EXEC_OFF_START_NS 88
#define PW_EXEC_OFF_RESERVED 96
/* pagewise-exec's own failures (it exits with PW_EXIT_FAILED after printing one line). The argument
 * equal to PW_EXEC_SHM_PLACEHOLDER in the child's argv is replaced by the shared page's fd number. */
#define PW_EXEC_SHM_PLACEHOLDER "@SHMFD@"
/* ---- trace file ---- */
/* docs/formats/trace.md; C structs and the writer in trace_format.h, TypeScript in src/trace/format.ts. */
#define PW_TRACE_MAGIC 0x0045434152545750
#define PW_TRACE_MAJOR 1
#define PW_TRACE_MINOR 1
#define PW_TRACE_HEADER_FIXED 48
#define PW_TRACE_SOURCE_TRACE 1
#define PW_TRACE_SOURCE_LOADER 2
#define PW_TRACE_F_ACCESS 0x1
#define PW_TRACE_F_KERNEL 0x2
#define PW_TRACE_F_IP 0x4
#define PW_TRACE_F_MAJOR 0x8
#define PW_TRACE_F_FOLLOW 0x10
#define PW_TREC_FAULT 1
#define PW_TREC_REGION_ADD 2
#define PW_TREC_REGION_REMOVE 3
#define PW_TREC_REGION_RESIZE 4
#define PW_TREC_REGION_SPLIT 5
#define PW_TREC_REGION_MERGE 6
#define PW_TREC_REGION_PROT 7
#define PW_TREC_LOST 8
#define PW_TREC_TASK 9
#define PW_TREC_COUNTS 10
#define PW_TREC_SPACE 11
#define PW_TREC_END 15
#define PW_TREC_FAULT_LEN 40
#define PW_TREC_REGION_ADD_LEN 56
#define PW_TREC_REGION_ADD_NAME_OFF 60
#define PW_TREC_REGION_REMOVE_LEN 16
#define PW_TREC_REGION_RESIZE_LEN 32
#define PW_TREC_REGION_SPLIT_LEN 32
#define PW_TREC_REGION_MERGE_LEN 24
#define PW_TREC_REGION_PROT_LEN 24
#define PW_TREC_LOST_LEN 24
#define PW_TREC_TASK_LEN 32
#define PW_TREC_COUNTS_LEN 40
#define PW_TREC_END_LEN 32
#define PW_TREC_SPACE_LEN 16
#define PW_FAULT_KIND_MASK 0x3
#define PW_FAULT_KIND_UNKNOWN 0
#define PW_FAULT_KIND_MINOR 1
#define PW_FAULT_KIND_MAJOR 2
#define PW_FAULT_ACCESS_SHIFT 2
#define PW_FAULT_ACCESS_MASK 0xc
#define PW_FAULT_ACCESS_UNKNOWN 0
#define PW_FAULT_ACCESS_READ 1
#define PW_FAULT_ACCESS_WRITE 2
#define PW_FAULT_ACCESS_EXEC 3
#define PW_FAULT_KERNEL 0x10
#define PW_FAULT_PREFETCHED 0x20
#define PW_PROT_READ 0x1
#define PW_PROT_WRITE 0x2
#define PW_PROT_EXEC 0x4
#define PW_PROT_SHARED 0x8
#define PW_CAUSE_INITIAL 0
#define PW_CAUSE_MMAP 1
#define PW_CAUSE_BRK 2
#define PW_CAUSE_STACK 3
#define PW_CAUSE_MREMAP 4
#define PW_CAUSE_EXEC 5
#define PW_CAUSE_LOADER 6
#define PW_CAUSE_FORK 7
#define PW_TASK_START 1
#define PW_TASK_FORK 2
#define PW_TASK_CLONE 3
#define PW_TASK_EXEC 4
#define PW_TASK_EXIT 5
#define PW_TRACE_UNKNOWN_COUNT 0xffffffffffffffff
/* ---- checkpoint image ---- */
/* docs/formats/ckpt.md; structs in native/common/ckpt_image.h; reader in src/ckpt/image.ts. */
#define PW_CKPT_MAGIC 0x0a0d54504b435750
#define PW_CKPT_VERSION_MAJOR 1
#define PW_CKPT_VERSION_MINOR 0
#define PW_CKPT_MACHINE_X86_64 62
#define PW_CKPT_PAGE_SIZE 4096
#define PW_CKPT_HEADER_SIZE 4096
#define PW_CKPT_REGION_SIZE 256
#define PW_CKPT_FILE_SIZE 512
#define PW_CKPT_NAME_MAX 160
#define PW_CKPT_PATH_MAX 472
#define PW_CKPT_MAX_REGIONS 2048
#define PW_CKPT_MAX_FILES 128
#define PW_CKPT_FPSTATE_MAX 16384
#define PW_CKPT_NSIG 64
#define PW_CKPT_SIGNAL 12
#define PW_CKPT_OFF_HEADER_CRC 68
#define PW_CKPT_OFF_PID 88
#define PW_CKPT_OFF_GREGS 128
#define PW_CKPT_OFF_FS_BASE 312
#define PW_CKPT_OFF_RESUME 344
#define PW_CKPT_OFF_RSEQ 408
#define PW_CKPT_OFF_SIGACTIONS 448
#define PW_CKPT_OFF_BRK 2496
#define PW_CKPT_OFF_THREADS 2504
#define PW_CKPT_THREAD_SIZE 128
#define PW_CKPT_MAX_THREADS 64
#define PW_CKPT_ROFF_DATA 48
#define PW_CKPT_ROFF_CRC 72
#define PW_CKPT_ROFF_NAME 96
#define PW_CKPT_FOFF_PATH 40
#define PW_CKPT_R_PRIVATE 1
#define PW_CKPT_R_SHARED 2
#define PW_CKPT_R_GROWSDOWN 4
#define PW_CKPT_R_NODATA 8
#define PW_CKPT_R_SPECIAL 16
#define PW_CKPT_R_FILE 32
#define PW_CKPT_R_NAME_TRUNC 64
#define PW_CKPT_KIND_NORMAL 0
#define PW_CKPT_KIND_VDSO 1
#define PW_CKPT_KIND_VVAR 2
#define PW_CKPT_KIND_VVAR_VCLOCK 3
#define PW_CKPT_KIND_STACK 4
#define PW_CKPT_KIND_HEAP 5
/* The restarter's own range (text 0x5000000, data 0x5100000, bss 0x5200000, stack and scratch 0x5300000). */
#define PW_CKPT_RESTARTER_START 0x5000000
#define PW_CKPT_RESTARTER_END 0x5400000
#define PW_CKPT_RESTARTER_STACK 0x5300000
#define PW_CKPT_RESTARTER_STACK_SIZE 0x40000
/* myrestart's exit status when the image is refused before anything was touched. */
#define PW_CKPT_EXIT_REFUSED 2
/* After the point of no return the restarter can only die: it exits with this (and a line on stderr). */
#define PW_CKPT_EXIT_LOST 127

#endif
