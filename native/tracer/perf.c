/*
 * perf.c: the page-fault events and their ring buffers.
 *
 *   1. For each online CPU c and each given thread: open PERF_COUNT_SW_PAGE_FAULTS_MIN and _MAJ with
 *      sample_period 1 (every fault a sample: IDENTIFIER, IP, TID, TIME on CLOCK_MONOTONIC, ADDR),
 *      inherit (threads; processes too with -f), first trying exclude_kernel = 0 (faults taken inside
 *      system calls: allowed to root or at perf_event_paranoid <= 1) and falling back to exclude_kernel = 1.
 *   2. The first MIN event of CPU c owns the ring buffer of c (T.ring_pages data pages, mmap'd, halved
 *      while the kernel refuses for the locked-memory limit); every other event of c is redirected into
 *      it (PERF_EVENT_IOC_SET_OUTPUT), so one buffer per CPU. Inherited events write into their
 *      parent's buffer. MAJ events are told apart by their sample id.
 *   3. perf_drain copies records out of every ring (data_head read with acquire, data_tail written with
 *      release once consumed) and turns PERF_RECORD_SAMPLE into FAULT records and PERF_RECORD_LOST into
 *      LOST records, appending them to the trace writer's buffer: no system call per sample.
 *   3b. With --access (needs CAP_PERFMON or root: a tracepoint with raw data), the tracepoints
 *      exceptions:page_fault_user (and _kernel) are sampled into the same rings: they fire at the start
 *      of each fault attempt with the x86 error code (write bit, instruction-fetch bit). A round's
 *      records from all rings are then sorted by time, each tracepoint sample queued per thread, and
 *      the next MIN/MAJ sample of that thread at the same page takes its access kind (earlier queued
 *      attempts of other pages were retries or failed faults and are dropped).
 *   4. perf_counted sums the counters (read(2) on each event: the kernel's own count, children folded in
 *      once they exited) for the COUNTS record. The kernel reports samples it dropped for a full ring only
 *      with the next record it manages to write; if the process ended first, main.c's finish() records the
 *      difference between the counter and what arrived as a final LOST record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tracer.h"

#define SAMPLE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR)

struct sample {
  struct perf_event_header h;
  uint64_t id, ip;
  uint32_t pid, tid;
  uint64_t time, addr;
};

struct tp_sample { /* PERF_SAMPLE_IDENTIFIER | TID | TIME | RAW */
  struct perf_event_header h;
  uint64_t id;
  uint32_t pid, tid;
  uint64_t time;
  uint32_t raw_size;
  uint8_t raw[];
};

/* Tracepoint id and the offsets of address and error_code in its raw data; 0 or -errno. */
static uint32_t tp_off_addr = 8, tp_off_err = 24;
static long tracepoint_id(const char *name) {
  static const char *roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
  for (size_t r = 0; r < 2; r++) {
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/events/exceptions/%s/format", roots[r], name);
    FILE *f = fopen(path, "re");
    if (!f) continue;
    long id = -ENOENT;
    while (fgets(line, sizeof line, f)) {
      unsigned off;
      if (sscanf(line, "ID: %ld", &id) == 1) continue;
      if (strstr(line, " address;") && sscanf(strstr(line, "offset:"), "offset:%u", &off) == 1) tp_off_addr = off;
      if (strstr(line, " error_code;") && sscanf(strstr(line, "offset:"), "offset:%u", &off) == 1) tp_off_err = off;
    }
    fclose(f);
    return id;
  }
  return -ENOENT;
}

static int open_tracepoint(long id, pid_t tid, int cpu, int enable_on_exec) {
  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.type = PERF_TYPE_TRACEPOINT;
  a.size = sizeof a;
  a.config = (uint64_t)id;
  a.sample_period = 1;
  a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
  a.disabled = enable_on_exec ? 1 : 0;
  a.enable_on_exec = enable_on_exec ? 1 : 0;
  a.inherit = 1;
  a.inherit_thread = T.follow ? 0 : 1;
  a.sample_id_all = 1;
  a.use_clockid = 1;
  a.clockid = CLOCK_MONOTONIC;
  long fd = syscall(SYS_perf_event_open, &a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  return fd < 0 ? -errno : (int)fd;
}

static void push_tp(int fd) {
  if (T.ntp == T.tpcap) {
    T.tpcap = T.tpcap ? 2 * T.tpcap : 16;
    T.tp_ids = realloc(T.tp_ids, sizeof(uint64_t) * (size_t)T.tpcap);
  }
  uint64_t id = 0;
  if (ioctl(fd, PERF_EVENT_IOC_ID, &id) == 0) T.tp_ids[T.ntp++] = id;
}

/* --access: the tracepoints of (tid, cpu i) into ring i. On the first refusal access is given up. */
static void open_access(pid_t tid, int i, int enable_on_exec) {
  static long ids[2] = { 0, 0 };
  if (!ids[0]) { ids[0] = tracepoint_id("page_fault_user"); ids[1] = T.kernel_faults ? tracepoint_id("page_fault_kernel") : -1; }
  for (int k = 0; k < 2 && T.access; k++) {
    if (k == 1 && ids[1] < 0) break;
    int fd = ids[k] < 0 ? (int)ids[k] : open_tracepoint(ids[k], tid, T.cpus[i], enable_on_exec);
    if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, T.rings[i].fd) < 0) {
      fprintf(stderr, "%s: --access: the exceptions:page_fault_* tracepoints are not available (%s): "
              "access kinds stay unknown (they need root or CAP_PERFMON, and tracefs)\n", T.name, strerror(fd < 0 ? -fd : errno));
      T.access = 0;
      return;
    }
    push_tp(fd);
  }
}

static int read_online_cpus(void) {
  FILE *f = fopen("/sys/devices/system/cpu/online", "r");
  T.ncpu = 0;
  if (f) {
    int a, b; char sep;
    while (fscanf(f, "%d", &a) == 1) {
      b = a;
      if (fscanf(f, "%c", &sep) == 1 && sep == '-') { if (fscanf(f, "%d", &b) != 1) b = a; if (fscanf(f, "%c", &sep) != 1) sep = 0; }
      for (int c = a; c <= b && T.ncpu < MAX_CPUS; c++) T.cpus[T.ncpu++] = c;
      if (sep != ',') break;
    }
    fclose(f);
  }
  if (T.ncpu == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (int c = 0; c < n && c < MAX_CPUS; c++) T.cpus[T.ncpu++] = c;
  }
  return T.ncpu;
}

static int open_one(uint64_t config, pid_t tid, int cpu, int enable_on_exec, int kernel) {
  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.type = PERF_TYPE_SOFTWARE;
  a.size = sizeof a;
  a.config = config;
  a.sample_period = 1;
  a.sample_type = SAMPLE_TYPE;
  a.disabled = enable_on_exec ? 1 : 0;
  a.enable_on_exec = enable_on_exec ? 1 : 0;
  a.inherit = 1;
  a.inherit_thread = T.follow ? 0 : 1;
  a.exclude_kernel = kernel ? 0 : 1;
  a.exclude_hv = 1;
  a.sample_id_all = 1;
  a.use_clockid = 1;
  a.clockid = CLOCK_MONOTONIC;
  a.watermark = 1;
  a.wakeup_watermark = (uint32_t)((uint64_t)T.ring_pages * 4096 / 4); /* wake the collector at 1/4 full */
  long fd = syscall(SYS_perf_event_open, &a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  return fd < 0 ? -errno : (int)fd;
}

static void push_fd(int min_fd, int maj_fd) {
  if (T.nfds == T.fdcap) {
    T.fdcap = T.fdcap ? 2 * T.fdcap : 16;
    T.min_fds = realloc(T.min_fds, sizeof(int) * (size_t)T.fdcap);
    T.maj_fds = realloc(T.maj_fds, sizeof(int) * (size_t)T.fdcap);
    T.maj_ids = realloc(T.maj_ids, sizeof(uint64_t) * (size_t)T.fdcap);
  }
  T.min_fds[T.nfds] = min_fd;
  T.maj_fds[T.nfds] = maj_fd;
  uint64_t id = 0;
  if (ioctl(maj_fd, PERF_EVENT_IOC_ID, &id) == 0) T.maj_ids[T.nmaj++] = id;
  T.nfds++;
}

/* Map T.ring_pages data pages of fd's ring; 0, or -EAGAIN when the locked-memory limit refused that
 * size (T.ring_pages is then halved: the caller reopens the event so its wakeup watermark fits), or -errno. */
static int map_ring(struct ring *r, int fd) {
  size_t len = (size_t)(T.ring_pages + 1) * 4096;
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p != MAP_FAILED) {
    r->fd = fd; r->base = p; r->size = (uint64_t)T.ring_pages * 4096; r->data = (uint8_t *)p + 4096;
    return 0;
  }
  if ((errno == EPERM || errno == ENOMEM) && T.ring_pages > 8) {
    T.ring_pages /= 2;
    if (T.verbose) fprintf(stderr, "%s: locked-memory limit: ring buffer halved to %d pages\n", T.name, T.ring_pages);
    return -EAGAIN;
  }
  return -errno;
}

/* Open MIN and MAJ for every (thread, cpu). Returns 0 or -errno of the first refusal. */
int perf_open_all(pid_t *tids, int ntids, int enable_on_exec) {
  read_online_cpus();
  T.kernel_faults = 1;
  int probe = open_one(PERF_COUNT_SW_PAGE_FAULTS_MIN, tids[0], T.cpus[0], enable_on_exec, 1);
  if (probe == -EACCES || probe == -EPERM) {
    T.kernel_faults = 0;
    probe = open_one(PERF_COUNT_SW_PAGE_FAULTS_MIN, tids[0], T.cpus[0], enable_on_exec, 0);
  }
  if (probe < 0) return probe;
  close(probe);
  for (int i = 0; i < T.ncpu; i++) {
    for (int t = 0; t < ntids; t++) {
      int mn = open_one(PERF_COUNT_SW_PAGE_FAULTS_MIN, tids[t], T.cpus[i], enable_on_exec, T.kernel_faults);
      if (mn < 0) return mn;
      int mj = open_one(PERF_COUNT_SW_PAGE_FAULTS_MAJ, tids[t], T.cpus[i], enable_on_exec, T.kernel_faults);
      if (mj < 0) return mj;
      if (t == 0) {
        int e;
        while ((e = map_ring(&T.rings[i], mn)) == -EAGAIN) {
          close(mn);
          mn = open_one(PERF_COUNT_SW_PAGE_FAULTS_MIN, tids[t], T.cpus[i], enable_on_exec, T.kernel_faults);
          if (mn < 0) return mn;
        }
        if (e < 0) return e;
      } else if (ioctl(mn, PERF_EVENT_IOC_SET_OUTPUT, T.rings[i].fd) < 0) {
        return -errno;
      }
      if (ioctl(mj, PERF_EVENT_IOC_SET_OUTPUT, T.rings[i].fd) < 0) return -errno;
      push_fd(mn, mj);
      if (T.access) open_access(tids[t], i, enable_on_exec);
    }
  }
  return 0;
}

static int is_major(uint64_t id) {
  for (int i = 0; i < T.nmaj; i++) if (T.maj_ids[i] == id) return 1;
  return 0;
}

static int is_tp(uint64_t id) {
  for (int i = 0; i < T.ntp; i++) if (T.tp_ids[i] == id) return 1;
  return 0;
}

/* Per-thread queue of fault attempts seen by the tracepoints: page and error code. */
#define ATT_Q 8
struct attempts { uint32_t tid; uint8_t n, head; uint64_t page[ATT_Q]; uint8_t err[ATT_Q]; };
static struct attempts att[4096];

static struct attempts *attempts_of(uint32_t tid) {
  for (uint32_t i = tid % 4096, k = 0; k < 4096; k++, i = (i + 1) % 4096) {
    if (att[i].tid == tid) return &att[i];
    if (att[i].tid == 0) { att[i].tid = tid; return &att[i]; }
  }
  return &att[tid % 4096]; /* table full: share a slot (access may then be unknown) */
}

static void on_tp(const struct tp_sample *s) {
  if (s->raw_size < tp_off_err + 8 || s->raw_size < tp_off_addr + 8) return;
  uint64_t addr, err;
  memcpy(&addr, s->raw + tp_off_addr, 8);
  memcpy(&err, s->raw + tp_off_err, 8);
  struct attempts *a = attempts_of(s->tid);
  uint8_t slot = (uint8_t)((a->head + a->n) % ATT_Q);
  if (a->n == ATT_Q) a->head = (uint8_t)((a->head + 1) % ATT_Q); else a->n++;
  a->page[slot] = addr >> 12;
  /* x86 page-fault error code: bit 1 write, bit 4 instruction fetch */
  a->err[slot] = (uint8_t)((err & 16) ? PW_FAULT_ACCESS_EXEC : (err & 2) ? PW_FAULT_ACCESS_WRITE : PW_FAULT_ACCESS_READ);
}

static uint32_t access_of(uint32_t tid, uint64_t addr) {
  struct attempts *a = attempts_of(tid);
  while (a->n) {
    uint64_t page = a->page[a->head];
    uint8_t acc = a->err[a->head];
    a->head = (uint8_t)((a->head + 1) % ATT_Q); a->n--;
    if (page == addr >> 12) return (uint32_t)acc << PW_FAULT_ACCESS_SHIFT;
  }
  return 0;
}

static void on_sample(const struct sample *s) {
  uint32_t flags = is_major(s->id) ? PW_FAULT_KIND_MAJOR : PW_FAULT_KIND_MINOR;
  if (T.access) flags |= access_of(s->tid, s->addr);
  if (s->ip >= 0xffff800000000000ULL) flags |= PW_FAULT_KERNEL;
  uint64_t t = rel_time(s->time);
  uint32_t region = layout_region_of(space_of((pid_t)s->pid), s->addr, t, 1);
  pw_tw_fault(&T.w, s->tid, t, s->addr, s->ip, flags, region);
  T.samples++;
}

static void on_record(const struct perf_event_header *h) {
  switch (h->type) {
    case PERF_RECORD_SAMPLE:
      if (T.ntp && is_tp(((const uint64_t *)(h + 1))[0])) { if (h->size >= sizeof(struct tp_sample)) on_tp((const struct tp_sample *)h); }
      else if (h->size >= sizeof(struct sample)) on_sample((const struct sample *)h);
      break;
    case PERF_RECORD_LOST: {
      /* id, lost, then sample_id: pid/tid, time, identifier */
      const uint64_t *u = (const uint64_t *)(h + 1);
      uint32_t tid = 0; uint64_t t = rel_time(now_mono());
      if (h->size >= 8 + 5 * 8) { tid = (uint32_t)(u[2] >> 32); t = rel_time(u[3]); }
      pw_tw_lost(&T.w, tid, t, u[1]);
      break;
    }
    case PERF_RECORD_THROTTLE:
      T.throttled++;
      break;
    default:
      break;
  }
}

/* --access: a round's records of all rings, in time order (a fault's tracepoint sample and its MIN/MAJ
 * sample may sit in different rings when the thread moved to another CPU while the fault slept). */
static uint8_t *gbuf; static size_t glen, gcap;
struct gref { uint64_t time; size_t off; };
static struct gref *grefs; static size_t gn, gcapr;

static uint64_t record_time(const struct perf_event_header *h) {
  const uint64_t *u = (const uint64_t *)(h + 1);
  if (h->type == PERF_RECORD_SAMPLE) return T.ntp && is_tp(u[0]) ? u[2] : u[3];
  if (h->type == PERF_RECORD_LOST && h->size >= 8 + 5 * 8) return u[3];
  return 0;
}

static void gather(const struct perf_event_header *h) {
  if (glen + h->size > gcap) { gcap = (glen + h->size) * 2; gbuf = realloc(gbuf, gcap); }
  if (gn == gcapr) { gcapr = gcapr ? gcapr * 2 : 4096; grefs = realloc(grefs, sizeof *grefs * gcapr); }
  if (!gbuf || !grefs) die_errno("INTERNAL", -ENOMEM, "out of memory sorting samples");
  memcpy(gbuf + glen, h, h->size);
  grefs[gn++] = (struct gref){ .time = record_time(h), .off = glen };
  glen += h->size;
}

static int gref_cmp(const void *a, const void *b) {
  const struct gref *x = a, *y = b;
  if (x->time != y->time) return x->time < y->time ? -1 : 1;
  return x->off < y->off ? -1 : x->off > y->off; /* stable: ring order for equal times */
}

void perf_drain(void) {
  static uint8_t tmp[65536];
  glen = gn = 0;
  for (int i = 0; i < T.ncpu; i++) {
    struct ring *r = &T.rings[i];
    if (!r->base) continue;
    struct perf_event_mmap_page *m = r->base;
    uint64_t head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
    uint64_t tail = m->data_tail;
    uint64_t mask = r->size - 1;
    while (tail < head) {
      const struct perf_event_header *h = (const void *)(r->data + (tail & mask));
      uint16_t sz = h->size;
      if (sz < sizeof *h) break; /* cannot happen; never loop forever */
      uint64_t off = tail & mask;
      if (off + sz > r->size) { /* the record wraps: copy it out whole */
        uint64_t first = r->size - off;
        memcpy(tmp, r->data + off, first);
        memcpy(tmp + first, r->data, sz - first);
        h = (const void *)tmp;
      }
      if (T.access) gather(h); else on_record(h);
      tail += sz;
    }
    __atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
  }
  if (T.access && gn) {
    qsort(grefs, gn, sizeof *grefs, gref_cmp);
    for (size_t i = 0; i < gn; i++) on_record((const struct perf_event_header *)(gbuf + grefs[i].off));
  }
}

void perf_enable(void) {
  for (int i = 0; i < T.nfds; i++) {
    ioctl(T.min_fds[i], PERF_EVENT_IOC_ENABLE, 0);
    ioctl(T.maj_fds[i], PERF_EVENT_IOC_ENABLE, 0);
  }
}

void perf_disable(void) {
  for (int i = 0; i < T.nfds; i++) {
    ioctl(T.min_fds[i], PERF_EVENT_IOC_DISABLE, 0);
    ioctl(T.maj_fds[i], PERF_EVENT_IOC_DISABLE, 0);
  }
}

/* The kernel's count of minor + major faults over every event (and its inherited children). */
uint64_t perf_counted(uint64_t *minor, uint64_t *major) {
  uint64_t mn = 0, mj = 0, v;
  for (int i = 0; i < T.nfds; i++) {
    if (read(T.min_fds[i], &v, sizeof v) == sizeof v) mn += v; else return PW_TRACE_UNKNOWN_COUNT;
    if (read(T.maj_fds[i], &v, sizeof v) == sizeof v) mj += v; else return PW_TRACE_UNKNOWN_COUNT;
  }
  if (minor) *minor = mn;
  if (major) *major = mj;
  return mn + mj;
}
