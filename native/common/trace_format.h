/*
 * trace_format.h: the records of the pagewise trace file (docs/formats/trace.md) as C structs, and a
 * small buffered writer for them.
 *
 * Contract: freestanding (raw system calls from sys.h, no libc, no TLS), so the loader's --record can
 * write from inside the loaded program as well as pagewise-tracer from its own process. The caller
 * gives the writer its buffer; records are appended to it and written with one write(2) per flush
 * (pw_tw_flush, or automatically when the buffer is full). The first write error is kept in w->err
 * (-errno) and later writes are dropped, so a caller checks once, at the end. Counting of FAULT and
 * LOST records for the END record happens here, so END always says what was written.
 */
#ifndef PAGEWISE_TRACE_FORMAT_H
#define PAGEWISE_TRACE_FORMAT_H

#include <stdint.h>
#include "protocol.h"
#include "sys.h"

#define PW_PACKED __attribute__((packed))

struct pw_trace_header {
  uint64_t magic;
  uint16_t major, minor;
  uint32_t header_len, flags, page_size;
  uint64_t start_mono_ns, start_real_ns;
  uint32_t source, info_len;
} PW_PACKED;
_Static_assert(sizeof(struct pw_trace_header) == PW_TRACE_HEADER_FIXED, "trace header");

struct pw_rec_head { uint16_t type, len; } PW_PACKED;

struct pw_rec_fault {
  struct pw_rec_head h; uint32_t tid; uint64_t t, addr, ip; uint32_t flags, region;
} PW_PACKED;
_Static_assert(sizeof(struct pw_rec_fault) == PW_TREC_FAULT_LEN, "FAULT");

struct pw_rec_region_add {
  struct pw_rec_head h; uint32_t id; uint64_t t, start, end, offset, inode; uint32_t prot, cause;
  uint16_t name_len, pad; /* name bytes follow, NUL-padded to 8 */
} PW_PACKED;
/* PW_TREC_REGION_ADD_LEN (56) is the fixed part before name_len; the name starts at 60. */
_Static_assert(__builtin_offsetof(struct pw_rec_region_add, name_len) == PW_TREC_REGION_ADD_LEN, "REGION_ADD");
_Static_assert(sizeof(struct pw_rec_region_add) == PW_TREC_REGION_ADD_NAME_OFF, "REGION_ADD name");

struct pw_rec_region_remove { struct pw_rec_head h; uint32_t id; uint64_t t; } PW_PACKED;
_Static_assert(sizeof(struct pw_rec_region_remove) == PW_TREC_REGION_REMOVE_LEN, "REGION_REMOVE");

struct pw_rec_region_resize { struct pw_rec_head h; uint32_t id; uint64_t t, start, end; } PW_PACKED;
_Static_assert(sizeof(struct pw_rec_region_resize) == PW_TREC_REGION_RESIZE_LEN, "REGION_RESIZE");

struct pw_rec_region_split { struct pw_rec_head h; uint32_t id; uint64_t t, at; uint32_t new_id, pad; } PW_PACKED;
_Static_assert(sizeof(struct pw_rec_region_split) == PW_TREC_REGION_SPLIT_LEN, "REGION_SPLIT");

struct pw_rec_region_merge { struct pw_rec_head h; uint32_t id; uint64_t t; uint32_t absorbed, pad; } PW_PACKED;
_Static_assert(sizeof(struct pw_rec_region_merge) == PW_TREC_REGION_MERGE_LEN, "REGION_MERGE");

struct pw_rec_region_prot { struct pw_rec_head h; uint32_t id; uint64_t t; uint32_t prot, pad; } PW_PACKED;
_Static_assert(sizeof(struct pw_rec_region_prot) == PW_TREC_REGION_PROT_LEN, "REGION_PROT");

struct pw_rec_lost { struct pw_rec_head h; uint32_t tid; uint64_t t, count; } PW_PACKED;
_Static_assert(sizeof(struct pw_rec_lost) == PW_TREC_LOST_LEN, "LOST");

struct pw_rec_task {
  struct pw_rec_head h; uint32_t tid; uint64_t t; uint32_t kind, pid, parent, status;
} PW_PACKED;
_Static_assert(sizeof(struct pw_rec_task) == PW_TREC_TASK_LEN, "TASK");

struct pw_rec_counts { struct pw_rec_head h; uint32_t pid; uint64_t t, minor, major, counted; } PW_PACKED;
_Static_assert(sizeof(struct pw_rec_counts) == PW_TREC_COUNTS_LEN, "COUNTS");

/* The region records after it, up to the next SPACE, belong to the address space of process pid
 * (format 1.1; before any SPACE record, regions are the traced process's: info.pid). */
struct pw_rec_space { struct pw_rec_head h; uint32_t pid; uint64_t t; } PW_PACKED;
_Static_assert(sizeof(struct pw_rec_space) == PW_TREC_SPACE_LEN, "SPACE");

struct pw_rec_end { struct pw_rec_head h; uint32_t pad; uint64_t t, faults, lost; } PW_PACKED;
_Static_assert(sizeof(struct pw_rec_end) == PW_TREC_END_LEN, "END");

/* ---- the writer ---- */
struct pw_trace_writer {
  int fd;
  long err;            /* first write error (-errno), 0 while all is well */
  uint8_t *buf;        /* caller's buffer */
  uint32_t cap, len;
  uint64_t faults, lost; /* FAULT records written, samples reported lost: the END record's totals */
};

PW_INLINE void pw_tw_init(struct pw_trace_writer *w, int fd, void *buf, uint32_t cap) {
  w->fd = fd; w->err = 0; w->buf = buf; w->cap = cap; w->len = 0; w->faults = 0; w->lost = 0;
}

PW_INLINE long pw_tw_flush(struct pw_trace_writer *w) {
  if (w->len && !w->err) w->err = pw_write_all(w->fd, w->buf, w->len);
  w->len = 0;
  return w->err;
}

/* Reserve n bytes (a multiple of 8, n <= cap) at the end of the buffer, zeroed. */
PW_INLINE void *pw_tw_reserve(struct pw_trace_writer *w, uint32_t n) {
  if (w->len + n > w->cap) pw_tw_flush(w);
  void *p = w->buf + w->len;
  pw_memset(p, 0, n);
  w->len += n;
  return p;
}

#define PW_TW_REC(w, type_, T) ({ T *r_ = pw_tw_reserve((w), sizeof(T)); r_->h.type = (type_); r_->h.len = sizeof(T); r_; })

/* The header with its info JSON (info_len bytes, no NUL needed). Written at once, ahead of any records
 * already buffered (the caller must not have flushed records before the header). */
PW_INLINE long pw_tw_header(struct pw_trace_writer *w, uint32_t flags, uint64_t mono, uint64_t real, uint32_t source,
                            const char *info, uint32_t info_len) {
  uint32_t hl = (uint32_t)((PW_TRACE_HEADER_FIXED + info_len + 7) & ~7u);
  struct pw_trace_header h = {
    .magic = PW_TRACE_MAGIC, .major = PW_TRACE_MAJOR, .minor = PW_TRACE_MINOR, .header_len = hl, .flags = flags,
    .page_size = 4096, .start_mono_ns = mono, .start_real_ns = real, .source = source, .info_len = info_len,
  };
  if (!w->err) w->err = pw_write_all(w->fd, &h, sizeof h);
  if (!w->err) w->err = pw_write_all(w->fd, info, info_len);
  static const char zeros[8];
  if (!w->err && hl - PW_TRACE_HEADER_FIXED - info_len) w->err = pw_write_all(w->fd, zeros, hl - PW_TRACE_HEADER_FIXED - info_len);
  return w->err;
}

PW_INLINE void pw_tw_fault(struct pw_trace_writer *w, uint32_t tid, uint64_t t, uint64_t addr, uint64_t ip,
                           uint32_t flags, uint32_t region) {
  struct pw_rec_fault *r = PW_TW_REC(w, PW_TREC_FAULT, struct pw_rec_fault);
  r->tid = tid; r->t = t; r->addr = addr; r->ip = ip; r->flags = flags; r->region = region;
  w->faults++;
}

PW_INLINE void pw_tw_region_add(struct pw_trace_writer *w, uint32_t id, uint64_t t, uint64_t start, uint64_t end,
                                uint64_t offset, uint64_t inode, uint32_t prot, uint32_t cause, const char *name,
                                uint16_t name_len) {
  if (name_len > 4000) name_len = 4000;
  uint32_t n = (uint32_t)((PW_TREC_REGION_ADD_NAME_OFF + name_len + 7) & ~7u);
  struct pw_rec_region_add *r = pw_tw_reserve(w, n);
  r->h.type = PW_TREC_REGION_ADD; r->h.len = (uint16_t)n;
  r->id = id; r->t = t; r->start = start; r->end = end; r->offset = offset; r->inode = inode;
  r->prot = prot; r->cause = cause; r->name_len = name_len;
  pw_memcpy(r + 1, name, name_len);
}

PW_INLINE void pw_tw_region_remove(struct pw_trace_writer *w, uint32_t id, uint64_t t) {
  struct pw_rec_region_remove *r = PW_TW_REC(w, PW_TREC_REGION_REMOVE, struct pw_rec_region_remove);
  r->id = id; r->t = t;
}
PW_INLINE void pw_tw_region_resize(struct pw_trace_writer *w, uint32_t id, uint64_t t, uint64_t start, uint64_t end) {
  struct pw_rec_region_resize *r = PW_TW_REC(w, PW_TREC_REGION_RESIZE, struct pw_rec_region_resize);
  r->id = id; r->t = t; r->start = start; r->end = end;
}
PW_INLINE void pw_tw_region_split(struct pw_trace_writer *w, uint32_t id, uint64_t t, uint64_t at, uint32_t new_id) {
  struct pw_rec_region_split *r = PW_TW_REC(w, PW_TREC_REGION_SPLIT, struct pw_rec_region_split);
  r->id = id; r->t = t; r->at = at; r->new_id = new_id;
}
PW_INLINE void pw_tw_region_merge(struct pw_trace_writer *w, uint32_t id, uint64_t t, uint32_t absorbed) {
  struct pw_rec_region_merge *r = PW_TW_REC(w, PW_TREC_REGION_MERGE, struct pw_rec_region_merge);
  r->id = id; r->t = t; r->absorbed = absorbed;
}
PW_INLINE void pw_tw_region_prot(struct pw_trace_writer *w, uint32_t id, uint64_t t, uint32_t prot) {
  struct pw_rec_region_prot *r = PW_TW_REC(w, PW_TREC_REGION_PROT, struct pw_rec_region_prot);
  r->id = id; r->t = t; r->prot = prot;
}
PW_INLINE void pw_tw_lost(struct pw_trace_writer *w, uint32_t tid, uint64_t t, uint64_t count) {
  struct pw_rec_lost *r = PW_TW_REC(w, PW_TREC_LOST, struct pw_rec_lost);
  r->tid = tid; r->t = t; r->count = count;
  w->lost += count;
}
PW_INLINE void pw_tw_task(struct pw_trace_writer *w, uint32_t tid, uint64_t t, uint32_t kind, uint32_t pid,
                          uint32_t parent, uint32_t status) {
  struct pw_rec_task *r = PW_TW_REC(w, PW_TREC_TASK, struct pw_rec_task);
  r->tid = tid; r->t = t; r->kind = kind; r->pid = pid; r->parent = parent; r->status = status;
}
PW_INLINE void pw_tw_counts(struct pw_trace_writer *w, uint32_t pid, uint64_t t, uint64_t minor, uint64_t major,
                            uint64_t counted) {
  struct pw_rec_counts *r = PW_TW_REC(w, PW_TREC_COUNTS, struct pw_rec_counts);
  r->pid = pid; r->t = t; r->minor = minor; r->major = major; r->counted = counted;
}
PW_INLINE void pw_tw_space(struct pw_trace_writer *w, uint32_t pid, uint64_t t) {
  struct pw_rec_space *r = PW_TW_REC(w, PW_TREC_SPACE, struct pw_rec_space);
  r->pid = pid; r->t = t;
}
/* The END record, then a flush: after it the trace is complete. */
PW_INLINE long pw_tw_end(struct pw_trace_writer *w, uint64_t t) {
  struct pw_rec_end *r = PW_TW_REC(w, PW_TREC_END, struct pw_rec_end);
  r->t = t; r->faults = w->faults; r->lost = w->lost;
  return pw_tw_flush(w);
}

#endif
