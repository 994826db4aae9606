/*
 * predict.h: the four prefetch predictors of the hybrid loader, freestanding (no libc, no malloc:
 * all state is in struct pw_predictor, fixed size, about 25 KiB, zeroed by pw_predict_init).
 * The TypeScript twins are src/predict/predictor.ts; both make the same decision for the same fault
 * sequence (test/predict/native.test.ts runs native/predict/replay.c against them).
 *
 * Use:
 *   1. pw_predict_init(&p, PW_PREDICT_ADAPTIVE, pages)   pages = the --pages window, 1..64
 *   2. on each fault the pager handles:  n = pw_predict(&p, fault_page, out, max)
 *      out[0..n) are page numbers to map besides the fault page (n <= max, n <= PW_PREDICT_MAX_OUT),
 *      all in [0, 2^52); the pager skips those already mapped (history may even name the fault page)
 *      or outside the program's segments.
 * There is no feedback call: adaptive infers hits from the fault sequence itself (a fault on the page
 * just past its window means the program went through the window without faulting on it).
 *
 * Stage contract: pure integer code on the struct and `out`; no system calls, no globals, no TLS,
 * no libc (gcc may not turn the zeroing loop into memset: build with CFLAGS_FREESTANDING). Safe in a
 * SIGSEGV handler or a userfaultfd thread of the loaded program.
 *
 * Rules (docs/predictors.md):
 *   next      proposes f+1 .. f+P-1.
 *   stride    d = f - the last fault, unless f is one stride past its last proposal (then d stays);
 *             proposes f+d, f+2d, ...
 *   history   table[(a, b)] = the delta that followed the deltas a, b; learns each fault, then follows
 *             the table from f for up to P-1 pages.
 *   adaptive  up to 4 sequential streams; a fault on a stream's expected page is a hit (an open window
 *             doubles up to 64; a closed one opens at max(1, P-1) after 2 hits in a row); a fault past
 *             it by at most the window halves the window; any other fault starts a stream (LRU slot)
 *             with a closed window. Proposes f+1 .. f+window.
 */
#ifndef PAGEWISE_PREDICT_H
#define PAGEWISE_PREDICT_H

#include <stdint.h>

#define PW_PREDICT_NEXT 1
#define PW_PREDICT_STRIDE 2
#define PW_PREDICT_HISTORY 3
#define PW_PREDICT_ADAPTIVE 4
#define PW_PREDICT_PAGES_MAX 64
#define PW_PREDICT_MAX_OUT 64
#define PW_PREDICT_HISTORY_BITS 10
#define PW_PREDICT_ADAPTIVE_STREAMS 4
#define PW_PREDICT_ADAPTIVE_CONFIRM 2
/* Page numbers are below 2^52 (a 64-bit address >> 12); predictions outside [0, 2^52) are dropped. */
#define PW_PREDICT_PAGE_LIMIT (1LL << 52)

struct pw_predictor {
	int kind;
	int pages;
	/* stride, history: have = a fault was seen. stride: last = the last fault, end = the last page
	 * proposed (or the last fault), d = the stride. history: last = the page the predicted stream ended at */
	int have;
	int64_t last, end, d;
	/* history: context (a, b) = the last two deltas; nctx = how many of them are known */
	int nctx;
	int64_t a, b;
	int64_t key_a[1 << PW_PREDICT_HISTORY_BITS];
	int64_t key_b[1 << PW_PREDICT_HISTORY_BITS];
	int64_t next[1 << PW_PREDICT_HISTORY_BITS];
	/* adaptive */
	int init;
	uint64_t clock;
	int64_t expect[PW_PREDICT_ADAPTIVE_STREAMS];
	int win[PW_PREDICT_ADAPTIVE_STREAMS];
	int used[PW_PREDICT_ADAPTIVE_STREAMS];
	int hits[PW_PREDICT_ADAPTIVE_STREAMS];
	uint64_t age[PW_PREDICT_ADAPTIVE_STREAMS];
};

static inline void pw_predict_init(struct pw_predictor *p, int kind, int pages)
{
	volatile unsigned char *z = (volatile unsigned char *)p; /* volatile: no memset call */
	for (unsigned long i = 0; i < sizeof *p; i++)
		z[i] = 0;
	if (pages < 1)
		pages = 1;
	if (pages > PW_PREDICT_PAGES_MAX)
		pages = PW_PREDICT_PAGES_MAX;
	p->kind = kind;
	p->pages = pages;
	p->init = pages - 1 > 1 ? pages - 1 : 1;
}

static inline uint32_t pw_history_hash(int64_t a, int64_t b)
{
	uint32_t h = ((uint32_t)a ^ ((uint32_t)b * 0x9e3779b1u)) * 0x85ebca6bu;
	return h >> (32 - PW_PREDICT_HISTORY_BITS);
}

static inline int pw_predict_min(int x, int y) { return x < y ? x : y; }

static inline int pw_predict_next(struct pw_predictor *p, int64_t f, uint64_t *out, int max)
{
	int n = pw_predict_min(p->pages - 1, max), k = 0;
	for (int i = 1; i <= n; i++) {
		int64_t c = f + i;
		if (c >= PW_PREDICT_PAGE_LIMIT)
			break;
		out[k++] = (uint64_t)c;
	}
	return k;
}

static inline int pw_predict_stride(struct pw_predictor *p, int64_t f, uint64_t *out, int max)
{
	int k = 0;
	int64_t cur = f;
	if (p->have) {
		if (p->d == 0 || f != p->end + p->d)
			p->d = f - p->last;
		int64_t d = p->d;
		int n = pw_predict_min(p->pages - 1, max);
		if (d != 0) {
			for (int i = 0; i < n; i++) {
				int64_t c = cur + d;
				if (c < 0 || c >= PW_PREDICT_PAGE_LIMIT)
					break;
				out[k++] = (uint64_t)c;
				cur = c;
			}
		}
	}
	p->have = 1;
	p->last = f;
	p->end = cur;
	return k;
}

static inline int pw_predict_history(struct pw_predictor *p, int64_t f, uint64_t *out, int max)
{
	if (p->have) {
		int64_t d = f - p->last;
		if (p->nctx == 2) {
			uint32_t h = pw_history_hash(p->a, p->b);
			p->key_a[h] = p->a;
			p->key_b[h] = p->b;
			p->next[h] = d;
		}
		p->a = p->b;
		p->b = d;
		if (p->nctx < 2)
			p->nctx++;
	}
	p->have = 1;
	int k = 0;
	int64_t cur = f;
	if (p->nctx == 2) {
		int n = pw_predict_min(p->pages - 1, max);
		int64_t ca = p->a, cb = p->b;
		while (k < n) {
			uint32_t h = pw_history_hash(ca, cb);
			int64_t nd = p->next[h];
			if (nd == 0 || p->key_a[h] != ca || p->key_b[h] != cb)
				break;
			int64_t c = cur + nd;
			if (c < 0 || c >= PW_PREDICT_PAGE_LIMIT)
				break;
			out[k++] = (uint64_t)c;
			cur = c;
			ca = cb;
			cb = nd;
		}
		p->a = ca;
		p->b = cb;
	}
	p->last = cur;
	return k;
}

static inline int pw_predict_adaptive(struct pw_predictor *p, int64_t f, uint64_t *out, int max)
{
	int s = -1, i;
	p->clock++;
	for (i = 0; i < PW_PREDICT_ADAPTIVE_STREAMS; i++) {
		if (p->used[i] && p->expect[i] == f) {
			s = i;
			break;
		}
	}
	if (s >= 0) {
		if (p->win[s] > 0)
			p->win[s] = pw_predict_min(p->win[s] * 2, PW_PREDICT_MAX_OUT);
		else if (++p->hits[s] >= PW_PREDICT_ADAPTIVE_CONFIRM)
			p->win[s] = p->init;
	} else {
		for (i = 0; i < PW_PREDICT_ADAPTIVE_STREAMS; i++) {
			if (p->used[i] && p->win[i] > 0 && f > p->expect[i] && f <= p->expect[i] + p->win[i]) {
				s = i;
				p->win[i] >>= 1;
				if (p->win[i] == 0)
					p->hits[i] = 0;
				break;
			}
		}
	}
	if (s < 0) {
		s = 0;
		for (i = 0; i < PW_PREDICT_ADAPTIVE_STREAMS; i++) {
			if (!p->used[i]) {
				s = i;
				break;
			}
			if (p->age[i] < p->age[s])
				s = i;
		}
		p->used[s] = 1;
		p->win[s] = 0;
		p->hits[s] = 0;
	}
	int n = pw_predict_min(p->win[s], max), k = 0;
	for (i = 1; i <= n; i++) {
		int64_t c = f + i;
		if (c >= PW_PREDICT_PAGE_LIMIT)
			break;
		out[k++] = (uint64_t)c;
	}
	p->expect[s] = f + k + 1;
	p->age[s] = p->clock;
	return k;
}

/* The decision for one fault: up to `max` pages to map after `fault_page`, into out; returns how many. */
static inline int pw_predict(struct pw_predictor *p, uint64_t fault_page, uint64_t *out, int max)
{
	int64_t f = (int64_t)fault_page;
	if (max <= 0 || f < 0 || f >= PW_PREDICT_PAGE_LIMIT)
		return 0;
	switch (p->kind) {
	case PW_PREDICT_NEXT:
		return pw_predict_next(p, f, out, max);
	case PW_PREDICT_STRIDE:
		return pw_predict_stride(p, f, out, max);
	case PW_PREDICT_HISTORY:
		return pw_predict_history(p, f, out, max);
	case PW_PREDICT_ADAPTIVE:
		return pw_predict_adaptive(p, f, out, max);
	default:
		return 0;
	}
}

#endif
