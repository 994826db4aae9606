/*
 * layout.c: the address space of the traced process as region records with stable ids.
 *
 * perf reports mappings created, never those removed or changed, so the layout is read from
 * /proc/PID/maps after every memory system call (and at exec) and diffed against the previous one:
 *
 *   1. Parse the snapshot (start-end perms offset dev inode name), sorted by start as the kernel prints it.
 *   2. Two regions are "the same mapping" (compatible) when they have the same name and inode and, for a
 *      file, the same file offset at the same address. Only compatible regions keep their id.
 *   3. Every old region is cut down to its intersections with compatible new regions: none -> REMOVE;
 *      a trimmed end -> RESIZE; two or more intersections (munmap or mprotect in the middle) -> SPLIT at
 *      each, the piece after the split getting a fresh id, gaps trimmed by RESIZE.
 *   4. Every new region gathers the pieces that fell into it: none -> ADD (cause from the system call);
 *      several -> MERGE into the first (the kernel merged VMAs); then RESIZE to its exact bounds and
 *      PROT if the protection differs.
 *   Applying the records in order to the old layout gives exactly the new one (docs/formats/trace.md).
 *
 * One layout per traced address space (struct space): the main process's, and with -f each child
 * process's from its fork (a copy of its parent's, cause fork) until it exits (every region removed).
 * A SPACE record goes before region records of a different process than the ones before.
 * Faults are attributed to regions by binary search in their process's current layout; a successful fault below
 * the [stack] region (the kernel grew the stack on the fault, no system call involved) grows it first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracer.h"

void layout_free(struct layout *l) {
  for (int i = 0; i < l->n; i++) free(l->r[i].name);
  free(l->r);
  l->r = NULL; l->n = l->cap = 0;
}

static struct region *push(struct layout *l) {
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->r = realloc(l->r, sizeof(struct region) * (size_t)l->cap);
    if (!l->r) die_errno("INTERNAL", -ENOMEM, "out of memory for the region table");
  }
  struct region *r = &l->r[l->n++];
  memset(r, 0, sizeof *r);
  return r;
}

/* Parse one maps line; 0 on success. */
static int parse_line(char *line, struct region *r) {
  char perms[8] = {0};
  unsigned long long start, end, off, inode;
  unsigned dmaj, dmin;
  int name_at = 0;
  if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &dmaj, &dmin, &inode, &name_at) < 7) return -1;
  r->start = start; r->end = end; r->offset = off; r->inode = inode;
  r->prot = (perms[0] == 'r' ? PW_PROT_READ : 0) | (perms[1] == 'w' ? PW_PROT_WRITE : 0) |
            (perms[2] == 'x' ? PW_PROT_EXEC : 0) | (perms[3] == 's' ? PW_PROT_SHARED : 0);
  char *name = line + name_at;
  size_t n = strlen(name);
  while (n && (name[n - 1] == '\n' || name[n - 1] == ' ')) name[--n] = 0;
  r->name = strdup(name);
  return r->name ? 0 : -1;
}

int layout_read(pid_t pid, struct layout *out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f) return -errno;
  char *line = NULL; size_t cap = 0;
  memset(out, 0, sizeof *out);
  while (getline(&line, &cap, f) > 0) {
    struct region *r = push(out);
    if (parse_line(line, r) < 0) out->n--;
  }
  free(line);
  fclose(f);
  return 0;
}

static int compatible(const struct region *o, const struct region *n) {
  if (o->inode != n->inode || strcmp(o->name, n->name) != 0) return 0;
  if (o->inode == 0) return 1;
  return o->offset - o->start == n->offset - n->start;
}

/* Index of the first region of l whose end is above addr (l sorted, disjoint). */
static int first_above(const struct layout *l, uint64_t addr) {
  int lo = 0, hi = l->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (l->r[mid].end <= addr) lo = mid + 1; else hi = mid;
  }
  return lo;
}

struct piece { uint32_t id, prot; uint64_t s, e; int ni; };

static int piece_cmp(const void *a, const void *b) {
  const struct piece *x = a, *y = b;
  if (x->ni != y->ni) return x->ni < y->ni ? -1 : 1;
  return x->s < y->s ? -1 : x->s > y->s;
}

struct space *space_of(pid_t pid) {
  for (int i = 0; i < T.nspaces; i++) if (T.spaces[i].in_use && T.spaces[i].pid == pid) return &T.spaces[i];
  return NULL;
}

struct space *space_new(pid_t pid) {
  struct space *sp = space_of(pid);
  if (sp) return sp;
  for (int i = 0; i < T.nspaces && !sp; i++) if (!T.spaces[i].in_use) sp = &T.spaces[i];
  if (!sp) {
    T.spaces = realloc(T.spaces, sizeof *T.spaces * (size_t)(T.nspaces + 1));
    if (!T.spaces) die_errno("INTERNAL", -ENOMEM, "out of memory for the address-space table");
    sp = &T.spaces[T.nspaces++];
  }
  memset(sp, 0, sizeof *sp);
  sp->pid = pid; sp->in_use = 1;
  return sp;
}

/* Region records about to be written belong to sp: say so when they did not before (SPACE). */
static void space_select(struct space *sp, uint64_t t) {
  if (T.space_written == sp->pid) return;
  pw_tw_space(&T.w, (uint32_t)sp->pid, t);
  T.space_written = sp->pid;
}

void space_end(struct space *sp, uint64_t t) {
  space_select(sp, t);
  for (int i = 0; i < sp->cur.n; i++) pw_tw_region_remove(&T.w, sp->cur.r[i].id, t);
  layout_free(&sp->cur);
  sp->in_use = 0;
}

void layout_apply(struct space *sp, struct layout *next, uint64_t t, uint32_t cause) {
  struct pw_trace_writer *w = &T.w;
  struct layout *old = &sp->cur;
  space_select(sp, t);
  int pcap = old->n * 2 + 8, np = 0;
  struct piece *p = malloc(sizeof *p * (size_t)pcap);
  if (!p) die_errno("INTERNAL", -ENOMEM, "out of memory diffing the layout");

  /* 3. old regions -> pieces */
  for (int i = 0; i < old->n; i++) {
    struct region *o = &old->r[i];
    uint32_t cur = o->id;
    uint64_t cs = o->start, ce = o->end;
    int first = 1, any = 0;
    for (int j = first_above(next, o->start); j < next->n && next->r[j].start < o->end; j++) {
      struct region *n = &next->r[j];
      if (!compatible(o, n)) continue;
      uint64_t is = n->start > o->start ? n->start : o->start;
      uint64_t ie = n->end < o->end ? n->end : o->end;
      if (!first) { /* split off the rest of the current region at the previous piece's end (cs) */
        uint32_t nid = T.next_region_id++;
        pw_tw_region_split(w, cur, t, cs, nid);
        cur = nid;
      }
      if (is > cs) { pw_tw_region_resize(w, cur, t, is, ce); cs = is; }
      if (np == pcap) { pcap *= 2; p = realloc(p, sizeof *p * (size_t)pcap); }
      p[np++] = (struct piece){ .id = cur, .prot = o->prot, .s = is, .e = ie, .ni = j };
      cs = ie; first = 0; any = 1;
    }
    if (!any) { pw_tw_region_remove(w, o->id, t); continue; }
    /* the last piece ends at ie == cs; trim the tail past it */
    if (cs < ce) pw_tw_region_resize(w, cur, t, p[np - 1].s, cs);
  }

  /* 4. new regions <- pieces */
  qsort(p, (size_t)np, sizeof *p, piece_cmp);
  int k = 0;
  for (int j = 0; j < next->n; j++) {
    struct region *n = &next->r[j];
    while (k < np && p[k].ni < j) k++;
    if (k >= np || p[k].ni != j) {
      n->id = T.next_region_id++;
      pw_tw_region_add(w, n->id, t, n->start, n->end, n->offset, n->inode, n->prot, cause, n->name,
                       (uint16_t)strlen(n->name));
      continue;
    }
    struct piece *first = &p[k];
    uint64_t s = first->s, e = first->e;
    for (k++; k < np && p[k].ni == j; k++) {
      if (e < p[k].s) { pw_tw_region_resize(w, first->id, t, s, p[k].s); e = p[k].s; }
      pw_tw_region_merge(w, first->id, t, p[k].id);
      e = p[k].e;
    }
    if (s != n->start || e != n->end) pw_tw_region_resize(w, first->id, t, n->start, n->end);
    if (first->prot != n->prot) pw_tw_region_prot(w, first->id, t, n->prot);
    n->id = first->id;
  }
  free(p);
  layout_free(old);
  *old = *next;
  memset(next, 0, sizeof *next);
}

/* exec: every old region ends, every new one starts (no identity survives an exec). */
void layout_replace_all(struct space *sp, struct layout *next, uint64_t t, uint32_t cause) {
  space_select(sp, t);
  for (int i = 0; i < sp->cur.n; i++) pw_tw_region_remove(&T.w, sp->cur.r[i].id, t);
  layout_free(&sp->cur);
  for (int j = 0; j < next->n; j++) {
    struct region *n = &next->r[j];
    n->id = T.next_region_id++;
    pw_tw_region_add(&T.w, n->id, t, n->start, n->end, n->offset, n->inode, n->prot, cause, n->name,
                     (uint16_t)strlen(n->name));
  }
  sp->cur = *next;
  memset(next, 0, sizeof *next);
}

uint32_t layout_region_of(struct space *sp, uint64_t addr, uint64_t t, int resolved) {
  if (!sp) return 0;
  struct layout *l = &sp->cur;
  int i = first_above(l, addr);
  if (i < l->n && l->r[i].start <= addr) return l->r[i].id;
  if (!resolved) return 0; /* a fatal fault below the stack did not grow it */
  /* Below the stack and above the region before it: the kernel grew the stack for this fault. */
  if (i < l->n && strcmp(l->r[i].name, "[stack]") == 0 && (i == 0 || l->r[i - 1].end <= addr)) {
    struct region *s = &l->r[i];
    s->start = addr & ~4095ULL;
    space_select(sp, t);
    pw_tw_region_resize(&T.w, s->id, t, s->start, s->end);
    return s->id;
  }
  return 0;
}
