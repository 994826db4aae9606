/**
 * The four prefetch predictors, decision for decision the same as native/common/predict.h.
 *
 * A predictor sees only the faults (page numbers) the pager handles, in order. predict(page, out, max)
 * writes up to `max` page numbers to prefetch into out[0..] and returns how many; it never proposes a
 * page < 0 or >= PAGE_LIMIT; it may propose pages that are already mapped (history can even come back
 * to the fault page) or invalid: the pager filters them. `pages` is the window of --pages P: next, stride and history
 * propose up to P-1 pages; adaptive starts at max(1, P-1) and grows on its own up to PREDICT_MAX_OUT.
 * Pure state machines on integers; no allocation per decision. docs/predictors.md explains each rule.
 */
import { ADAPTIVE_CONFIRM, ADAPTIVE_STREAMS, HISTORY_BITS, PAGE_LIMIT, PAGES_MAX, PREDICT_MAX_OUT, type PredictorName } from './kinds.js';

export interface Predictor {
  readonly name: PredictorName;
  predict(page: number, out: Float64Array, max: number): number;
}

/** next: the P-1 pages that follow the fault. */
class Next implements Predictor {
  readonly name = 'next';
  constructor(private readonly pages: number) {}
  predict(f: number, out: Float64Array, max: number): number {
    const n = Math.min(this.pages - 1, max);
    let k = 0;
    for (let i = 1; i <= n; i++) {
      const c = f + i;
      if (c >= PAGE_LIMIT) break;
      out[k++] = c;
    }
    return k;
  }
}

/**
 * stride: d = the distance between successive faults, except when the fault lands exactly one stride
 * past the last page it proposed (the program went on through its proposals at that stride): then d
 * stays. Proposes f+d, f+2d, ... (P-1 pages). Keeping d on that continuation is what lets it survive
 * its own success (prefetching spaces the faults out to P strides); re-measuring from the last fault
 * otherwise is what lets it recover from a wrong guess.
 */
class Stride implements Predictor {
  readonly name = 'stride';
  private have = false;
  private last = 0;
  private end = 0;
  private d = 0;
  constructor(private readonly pages: number) {}
  predict(f: number, out: Float64Array, max: number): number {
    let k = 0;
    let cur = f;
    if (this.have) {
      if (this.d === 0 || f !== this.end + this.d) this.d = f - this.last;
      const d = this.d;
      const n = Math.min(this.pages - 1, max);
      if (d !== 0) {
        for (let i = 0; i < n; i++) {
          const c = cur + d;
          if (c < 0 || c >= PAGE_LIMIT) break;
          out[k++] = c;
          cur = c;
        }
      }
    }
    this.have = true;
    this.last = f;
    this.end = cur;
    return k;
  }
}

/** The table index of the context (a, b): a 32-bit multiplicative hash, identical in C. */
export function historyHash(a: number, b: number): number {
  const h = Math.imul((a | 0) ^ Math.imul(b | 0, 0x9e3779b1 | 0), 0x85ebca6b | 0) >>> 0;
  return h >>> (32 - HISTORY_BITS);
}

/**
 * history: a direct-mapped table (2^HISTORY_BITS entries) from the last two deltas (a, b) of the stream
 * to the delta that followed them. Learns on every fault (the delta from the stream's last page), then
 * follows the table from the fault for up to P-1 pages, updating the context with each predicted delta;
 * the stream then continues from the last proposed page (as for stride).
 */
class History implements Predictor {
  readonly name = 'history';
  private have = false;
  private last = 0;
  private nctx = 0;
  private a = 0;
  private b = 0;
  private readonly keyA = new Float64Array(1 << HISTORY_BITS);
  private readonly keyB = new Float64Array(1 << HISTORY_BITS);
  private readonly next = new Float64Array(1 << HISTORY_BITS);
  constructor(private readonly pages: number) {}
  predict(f: number, out: Float64Array, max: number): number {
    if (this.have) {
      const d = f - this.last;
      if (this.nctx === 2) {
        const h = historyHash(this.a, this.b);
        this.keyA[h] = this.a;
        this.keyB[h] = this.b;
        this.next[h] = d;
      }
      this.a = this.b;
      this.b = d;
      if (this.nctx < 2) this.nctx++;
    }
    this.have = true;
    let k = 0;
    let cur = f;
    if (this.nctx === 2) {
      const n = Math.min(this.pages - 1, max);
      let ca = this.a;
      let cb = this.b;
      while (k < n) {
        const h = historyHash(ca, cb);
        const nd = this.next[h];
        if (nd === 0 || this.keyA[h] !== ca || this.keyB[h] !== cb) break;
        const c = cur + nd;
        if (c < 0 || c >= PAGE_LIMIT) break;
        out[k++] = c;
        cur = c;
        ca = cb;
        cb = nd;
      }
      this.a = ca;
      this.b = cb;
    }
    this.last = cur;
    return k;
  }
}

/**
 * adaptive: follows up to ADAPTIVE_STREAMS sequential streams, each with the page it expects to fault
 * next and a window. A fault on a stream's expected page is a hit: a window already open doubles (up to
 * PREDICT_MAX_OUT); a closed one (0) opens at max(1, P-1) once the stream has hit ADAPTIVE_CONFIRM
 * times in a row (three faults on consecutive pages), so chance neighbours among random faults do not
 * open it. A fault past the expected page by at most the
 * window is a partial miss (the program skipped pages, so part of what came before was likely wasted):
 * the window halves (closing at 0 resets the hit count) and the stream goes on from the fault. A fault no stream expects is a
 * miss: it starts a new stream (replacing the least recently used) with window 0, so isolated random
 * faults prefetch nothing. Proposes the `window` pages after the fault.
 */
class Adaptive implements Predictor {
  readonly name = 'adaptive';
  private readonly expect = new Float64Array(ADAPTIVE_STREAMS);
  private readonly win = new Int32Array(ADAPTIVE_STREAMS);
  private readonly used = new Uint8Array(ADAPTIVE_STREAMS);
  private readonly age = new Float64Array(ADAPTIVE_STREAMS);
  private readonly hits = new Int32Array(ADAPTIVE_STREAMS);
  private clock = 0;
  private readonly init: number;
  constructor(pages: number) {
    this.init = Math.max(1, pages - 1);
  }
  predict(f: number, out: Float64Array, max: number): number {
    this.clock++;
    let s = -1;
    for (let i = 0; i < ADAPTIVE_STREAMS; i++) {
      if (this.used[i] && this.expect[i] === f) {
        s = i;
        break;
      }
    }
    if (s >= 0) {
      if (this.win[s] > 0) this.win[s] = Math.min(this.win[s] * 2, PREDICT_MAX_OUT);
      else if (++this.hits[s] >= ADAPTIVE_CONFIRM) this.win[s] = this.init;
    } else {
      for (let i = 0; i < ADAPTIVE_STREAMS; i++) {
        if (this.used[i] && this.win[i] > 0 && f > this.expect[i] && f <= this.expect[i] + this.win[i]) {
          s = i;
          this.win[i] >>= 1;
          if (this.win[i] === 0) this.hits[i] = 0;
          break;
        }
      }
    }
    if (s < 0) {
      s = 0;
      for (let i = 0; i < ADAPTIVE_STREAMS; i++) {
        if (!this.used[i]) {
          s = i;
          break;
        }
        if (this.age[i] < this.age[s]) s = i;
      }
      this.used[s] = 1;
      this.win[s] = 0;
      this.hits[s] = 0;
    }
    const n = Math.min(this.win[s], max);
    let k = 0;
    for (let i = 1; i <= n; i++) {
      const c = f + i;
      if (c >= PAGE_LIMIT) break;
      out[k++] = c;
    }
    this.expect[s] = f + k + 1;
    this.age[s] = this.clock;
    return k;
  }
}

/** Guards shared by all four, as in pw_predict: nothing (and no state change) for max <= 0 or a page out of range. */
class Guarded implements Predictor {
  readonly name: PredictorName;
  constructor(private readonly inner: Predictor) {
    this.name = inner.name;
  }
  predict(f: number, out: Float64Array, max: number): number {
    if (max <= 0 || !(f >= 0 && f < PAGE_LIMIT)) return 0;
    return this.inner.predict(f, out, max);
  }
}

/** A fresh predictor; pages is clamped to 1..PAGES_MAX as pw_predict_init does. */
export function createPredictor(name: PredictorName, pages: number): Predictor {
  const w = Math.min(Math.max(Math.trunc(pages), 1), PAGES_MAX);
  switch (name) {
    case 'next':
      return new Guarded(new Next(w));
    case 'stride':
      return new Guarded(new Stride(w));
    case 'history':
      return new Guarded(new History(w));
    case 'adaptive':
      return new Guarded(new Adaptive(w));
  }
}
