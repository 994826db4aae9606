/*
 * pagewise-predict-replay: the C predictors (native/common/predict.h) over a sequence of page numbers.
 *
 *   pagewise-predict-replay decide KIND PAGES FILE   one line per page of FILE, fed as a fault: the pages
 *                                                     proposed, space-separated (empty line: none)
 *   pagewise-predict-replay replay KIND PAGES FILE   the replay simulation of src/predict/replay.ts (no
 *                                                     valid-page limit): one JSON line of counts and time
 *   pagewise-predict-replay time KIND PAGES FILE [REPEAT]  every page fed as a fault, REPEAT timed passes
 *                                                     after one warm-up: one JSON line, ns per decision
 * KIND: next stride history adaptive. FILE: little-endian u64 page numbers ('-' = stdin).
 *
 * Phases: 1. parse arguments  2. read FILE whole  3. run the mode  4. print. Exit 2 on bad usage or
 * input, 1 when out of memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "predict.h"

static int usage(void)
{
	fprintf(stderr, "usage: pagewise-predict-replay decide|replay|time next|stride|history|adaptive PAGES FILE [REPEAT]\n");
	return 2;
}

static int kind_of(const char *s)
{
	if (!strcmp(s, "next")) return PW_PREDICT_NEXT;
	if (!strcmp(s, "stride")) return PW_PREDICT_STRIDE;
	if (!strcmp(s, "history")) return PW_PREDICT_HISTORY;
	if (!strcmp(s, "adaptive")) return PW_PREDICT_ADAPTIVE;
	return 0;
}

static uint64_t *read_pages(const char *path, size_t *n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		perror(path);
		return NULL;
	}
	size_t cap = 1 << 16, len = 0;
	uint64_t *v = malloc(cap * sizeof *v);
	for (;;) {
		if (!v) {
			fprintf(stderr, "pagewise-predict-replay: out of memory\n");
			exit(1);
		}
		size_t got = fread(v + len, sizeof *v, cap - len, f);
		len += got;
		if (len < cap)
			break;
		cap *= 2;
		v = realloc(v, cap * sizeof *v);
	}
	if (f != stdin)
		fclose(f);
	*n = len;
	return v;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Page states for the replay: a flat byte array over [lo, hi]; pages outside in an open-addressed set. */
struct states {
	uint64_t lo, len;
	unsigned char *a;
	uint64_t *set;
	size_t set_cap, set_len;
};

static int st_get(struct states *s, uint64_t p)
{
	if (p - s->lo < s->len)
		return s->a[p - s->lo];
	for (size_t i = (p * 0x9e3779b97f4a7c15ULL) >> 40 & (s->set_cap - 1);; i = (i + 1) & (s->set_cap - 1)) {
		if (s->set[i] == 0) return 0;
		if (s->set[i] == p + 1) return 2;
	}
}

static void st_set(struct states *s, uint64_t p, int v)
{
	if (p - s->lo < s->len) {
		s->a[p - s->lo] = (unsigned char)v;
		return;
	}
	if (2 * (s->set_len + 1) > s->set_cap) {
		size_t old = s->set_cap;
		uint64_t *o = s->set;
		s->set_cap = old ? old * 2 : 1024;
		s->set = calloc(s->set_cap, sizeof *s->set);
		s->set_len = 0;
		for (size_t i = 0; i < old; i++)
			if (o[i]) st_set(s, o[i] - 1, 2);
		free(o);
	}
	size_t i = (p * 0x9e3779b97f4a7c15ULL) >> 40 & (s->set_cap - 1);
	while (s->set[i] != 0 && s->set[i] != p + 1)
		i = (i + 1) & (s->set_cap - 1);
	if (s->set[i] == 0) s->set_len++;
	s->set[i] = p + 1;
}

static int mode_replay(struct pw_predictor *pr, const uint64_t *pages, size_t n)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (pages[i] < lo) lo = pages[i];
		if (pages[i] > hi) hi = pages[i];
	}
	struct states s = { .lo = lo, .len = n ? hi - lo + 1 : 0 };
	if (s.len > (1ULL << 30)) {
		fprintf(stderr, "pagewise-predict-replay: pages span %llu pages; at most 2^30\n", (unsigned long long)s.len);
		return 2;
	}
	s.a = calloc(s.len ? s.len : 1, 1);
	s.set_cap = 1024;
	s.set = calloc(s.set_cap, sizeof *s.set);
	uint64_t out[PW_PREDICT_MAX_OUT];
	unsigned long long demand = 0, faults = 0, prefetched = 0, useful = 0;
	double t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		uint64_t p = pages[i];
		int st = st_get(&s, p);
		if (st == 1)
			continue;
		demand++;
		st_set(&s, p, 1);
		if (st == 2) {
			useful++;
			continue;
		}
		faults++;
		int k = pw_predict(pr, p, out, PW_PREDICT_MAX_OUT);
		for (int j = 0; j < k; j++) {
			if (st_get(&s, out[j]) != 0)
				continue;
			st_set(&s, out[j], 2);
			prefetched++;
		}
	}
	double t1 = now_ns();
	printf("{\"demandFaults\":%llu,\"faults\":%llu,\"prefetched\":%llu,\"useful\":%llu,\"ns\":%.0f}\n",
	       demand, faults, prefetched, useful, t1 - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 6)
		return usage();
	int kind = kind_of(argv[2]);
	char *end;
	long pages = strtol(argv[3], &end, 10);
	if (!kind || *end || pages < 1 || pages > PW_PREDICT_PAGES_MAX)
		return usage();
	size_t n;
	uint64_t *seq = read_pages(argv[4], &n);
	if (!seq)
		return 2;
	static struct pw_predictor pr;
	pw_predict_init(&pr, kind, (int)pages);
	uint64_t out[PW_PREDICT_MAX_OUT];

	if (!strcmp(argv[1], "decide")) {
		for (size_t i = 0; i < n; i++) {
			int k = pw_predict(&pr, seq[i], out, PW_PREDICT_MAX_OUT);
			for (int j = 0; j < k; j++)
				printf(j ? " %llu" : "%llu", (unsigned long long)out[j]);
			putchar('\n');
		}
		return 0;
	}
	if (!strcmp(argv[1], "replay"))
		return mode_replay(&pr, seq, n);
	if (!strcmp(argv[1], "time")) {
		long repeat = argc == 6 ? strtol(argv[5], &end, 10) : 3;
		if (repeat < 1)
			return usage();
		unsigned long long proposed = 0, sink = 0;
		for (size_t i = 0; i < n; i++) /* warm-up pass (also the state the timed passes start from) */
			sink += (unsigned)pw_predict(&pr, seq[i], out, PW_PREDICT_MAX_OUT);
		double best = 1e300;
		for (long r = 0; r < repeat; r++) {
			pw_predict_init(&pr, kind, (int)pages);
			proposed = 0;
			double t0 = now_ns();
			for (size_t i = 0; i < n; i++) {
				int k = pw_predict(&pr, seq[i], out, PW_PREDICT_MAX_OUT);
				proposed += (unsigned)k;
				sink ^= k ? out[k - 1] : 0;
			}
			double dt = now_ns() - t0;
			if (dt < best) best = dt;
		}
		printf("{\"kind\":\"%s\",\"pages\":%ld,\"n\":%zu,\"proposed\":%llu,\"best_ns\":%.0f,\"ns_per_decision\":%.3f,\"sink\":%llu}\n",
		       argv[2], pages, n, proposed, best, n ? best / n : 0.0, sink & 1);
		return 0;
	}
	return usage();
}
