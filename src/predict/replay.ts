/**
 * Offline replay of a fault sequence through a predictor: what would hybrid paging have done?
 *
 * replay(pages, predictor, options) takes the first-touch page sequence of a demand-paged run (repeats
 * allowed: a page already mapped is just a touch) and simulates: a page not yet mapped faults (handled),
 * the predictor proposes pages, and each proposed page that is valid (inside `valid`, when given) and
 * not yet mapped gets mapped (prefetched). A prefetched page touched later is useful; one never touched
 * is wasted. saved = faults without prediction (the distinct pages) - faults handled. Pure and
 * allocation-light: the page states are one flat 2-bit-per-page array over the sequence's page range (or
 * 4096-page chunks when the range is wider than 2^28 pages), so 10^7 faults replay in well under a second.
 */
import { PREDICT_MAX_OUT } from './kinds.js';
import type { Predictor } from './predictor.js';

export interface ReplayResult {
  /** Faults without prediction: distinct pages of the sequence. */
  demandFaults: number;
  /** Faults the pager handled with the predictor. */
  faults: number;
  saved: number;
  prefetched: number;
  useful: number;
  wasted: number;
  /** wasted / prefetched, in percent (0 when nothing was prefetched). */
  wastePct: number;
}

/** Sorted, merged page ranges [start, end) with a membership test. */
export class PageRanges {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private last = 0;
  constructor(ranges: Iterable<readonly [number, number]>) {
    const r = [...ranges].filter(([s, e]) => e > s).sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const [s, e] of r) {
      const top = merged[merged.length - 1];
      if (top && s <= top[1]) top[1] = Math.max(top[1], e);
      else merged.push([s, e]);
    }
    this.starts = Float64Array.from(merged.map((m) => m[0]));
    this.ends = Float64Array.from(merged.map((m) => m[1]));
  }
  get count(): number {
    return this.starts.length;
  }
  has(p: number): boolean {
    const i = this.last;
    if (i < this.starts.length && p >= this.starts[i] && p < this.ends[i]) return true;
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (p < this.starts[mid]) hi = mid - 1;
      else if (p >= this.ends[mid]) lo = mid + 1;
      else {
        this.last = mid;
        return true;
      }
    }
    return false;
  }
}

const MAPPED = 1;
const PREFETCHED = 2; // mapped by the predictor, not touched yet
/** Widest page range kept as one flat array (2^28 pages = 64 MiB); wider sequences use 4096-page chunks. */
const DENSE_MAX = 1 << 28;
const CHUNK = 4096;

interface PageStates {
  get(p: number): number;
  set(p: number, v: number): void;
}

/** A set of page numbers: open addressing in a Float64Array (key p+1, 0 = empty), doubling at half full. */
class PageSet {
  private keys = new Float64Array(1024);
  private size = 0;
  private slot(p: number): number {
    const mask = this.keys.length - 1;
    let i = (Math.imul(p | 0, 0x9e3779b1) ^ Math.imul((p / 4294967296) | 0, 0x85ebca6b)) & mask;
    while (this.keys[i] !== 0 && this.keys[i] !== p + 1) i = (i + 1) & mask;
    return i;
  }
  has(p: number): boolean {
    return this.keys[this.slot(p)] !== 0;
  }
  add(p: number): void {
    const i = this.slot(p);
    if (this.keys[i] !== 0) return;
    this.keys[i] = p + 1;
    if (++this.size * 2 > this.keys.length) {
      const old = this.keys;
      this.keys = new Float64Array(old.length * 2);
      for (const k of old) if (k !== 0) this.keys[this.slot(k - 1)] = k;
    }
  }
}

/** Pages in [lo, hi] at 2 bits each in one flat array (small enough to stay in cache and TLB reach);
 * pages outside (predicted, never touched) in a PageSet. */
class DenseStates implements PageStates {
  private readonly a: Uint8Array;
  private readonly len: number;
  private readonly outside = new PageSet();
  constructor(private readonly lo: number, hi: number) {
    this.len = hi - lo + 1;
    this.a = new Uint8Array((this.len + 3) >> 2);
  }
  get(p: number): number {
    const i = p - this.lo;
    if (i >= 0 && i < this.len) return (this.a[i >> 2] >> ((i & 3) << 1)) & 3;
    return this.outside.has(p) ? PREFETCHED : 0;
  }
  set(p: number, v: number): void {
    const i = p - this.lo;
    if (i >= 0 && i < this.len) {
      const sh = (i & 3) << 1;
      this.a[i >> 2] = (this.a[i >> 2] & ~(3 << sh)) | (v << sh);
    } else this.outside.add(p);
  }
}

/** Page -> state, in 4096-page chunks (a Map of Uint8Arrays; the last chunk is cached). */
class ChunkStates implements PageStates {
  private readonly chunks = new Map<number, Uint8Array>();
  private lastKey = -1;
  private lastChunk: Uint8Array = new Uint8Array(0);
  private chunk(p: number): Uint8Array {
    const key = Math.floor(p / CHUNK);
    if (key === this.lastKey) return this.lastChunk;
    let c = this.chunks.get(key);
    if (!c) {
      c = new Uint8Array(CHUNK);
      this.chunks.set(key, c);
    }
    this.lastKey = key;
    this.lastChunk = c;
    return c;
  }
  get(p: number): number {
    return this.chunk(p)[p % CHUNK];
  }
  set(p: number, v: number): void {
    this.chunk(p)[p % CHUNK] = v;
  }
}

function statesFor(pages: ArrayLike<number>): PageStates {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < pages.length; i++) {
    const p = pages[i];
    if (p < lo) lo = p;
    if (p > hi) hi = p;
  }
  return pages.length > 0 && hi - lo < DENSE_MAX ? new DenseStates(lo, hi) : new ChunkStates();
}

export interface ReplayOptions {
  valid?: PageRanges;
}

export function replay(pages: ArrayLike<number>, predictor: Predictor | null, options: ReplayOptions = {}): ReplayResult {
  const states = statesFor(pages);
  const out = new Float64Array(PREDICT_MAX_OUT);
  const valid = options.valid;
  let demand = 0;
  let faults = 0;
  let prefetched = 0;
  let useful = 0;
  const n = pages.length;
  for (let i = 0; i < n; i++) {
    const p = pages[i];
    const st = states.get(p);
    if (st === MAPPED) continue;
    if (st === PREFETCHED) {
      states.set(p, MAPPED);
      useful++;
      demand++; // without prediction this first touch would have faulted
      continue;
    }
    demand++;
    faults++;
    states.set(p, MAPPED);
    if (predictor === null) continue;
    const k = predictor.predict(p, out, PREDICT_MAX_OUT);
    for (let j = 0; j < k; j++) {
      const q = out[j];
      if (valid && !valid.has(q)) continue;
      if (states.get(q) !== 0) continue;
      states.set(q, PREFETCHED);
      prefetched++;
    }
  }
  const wasted = prefetched - useful;
  return {
    demandFaults: demand,
    faults,
    saved: demand - faults,
    prefetched,
    useful,
    wasted,
    wastePct: prefetched === 0 ? 0 : (100 * wasted) / prefetched,
  };
}
