/**
 * Rebuilding the address space from a trace's region records, and attributing faults to regions. Pure.
 *
 * replayRegions(events, until) applies, in file order, every region record with t <= until to the
 * empty set (docs/formats/trace.md) and returns the regions live then plus every region that ever
 * existed (with its last extent, the span it covered over its life, and its removal time); overLifetime()
 * shows each over that span. Ids are the writer's: stable for a region's life.
 * Inconsistent records (an unknown id, a split outside the region, a reused id) are not fatal: they
 * are skipped and listed in `anomalies`, so a damaged or odd trace still shows what it can.
 *
 * Each region carries its lineage: its own id plus the ids whose faults may fall in it (the region it
 * was split from, the regions it absorbed). attributeFaults() counts a fault for a shown region when
 * the fault's region id is in that lineage and its address is inside the region; a fault with region
 * 0 ("no region known") is placed by address alone, among the regions of the trace's own process
 * (with -f every process has its own regions, at the same addresses after a fork).
 */
import type { FaultTable } from './faults.js';
import { FAULT_KIND_MASK, FAULT_MAJOR, FAULT_MINOR, FAULT_PREFETCHED, type RegionEvent } from './records.js';

export interface Region {
  id: number;
  /** The process whose address space holds it (0 when the trace does not say). */
  pid: number;
  start: number;
  end: number;
  offset: number;
  inode: number;
  prot: number;
  cause: number;
  name: string;
  added: number;
  /** Time it was removed (or absorbed by a merge), null while live. */
  removed: number | null;
  lineage: number[];
  /**
   * The span the region covered over its life: lowest start and highest end across adds, resizes and
   * merges; a split hands the part above the split point to the new region.
   */
  spanStart: number;
  spanEnd: number;
}

export interface Replay {
  /** Regions live at `until`, by start address. */
  live: Region[];
  /** Every region that existed up to `until`, by start address then time added. */
  all: Region[];
  anomalies: string[];
}

function widen(r: Region): void {
  r.spanStart = Math.min(r.spanStart, r.start);
  r.spanEnd = Math.max(r.spanEnd, r.end);
}

/** The regions as they are shown for the whole trace: each over the span it covered in its life. */
export function overLifetime(all: readonly Region[]): Region[] {
  return all.map((r) => ({ ...r, start: r.spanStart, end: r.spanEnd })).sort(byStart);
}

const byStart = (a: Region, b: Region) => a.start - b.start || a.added - b.added || a.id - b.id;

export function replayRegions(events: readonly RegionEvent[], until = Infinity): Replay {
  const live = new Map<number, Region>();
  const all = new Map<number, Region>();
  const anomalies: string[] = [];
  const note = (m: string) => {
    if (anomalies.length < 100) anomalies.push(m);
  };
  for (const e of events) {
    if (e.t > until) continue;
    if (e.type === 'regionAdd') {
      if (all.has(e.id) || e.id === 0) { note(`REGION_ADD reuses id ${e.id} at t=${e.t}`); continue; }
      const r: Region = {
        id: e.id, pid: e.pid ?? 0, start: e.start, end: e.end, offset: e.offset, inode: e.inode, prot: e.prot, cause: e.cause, name: e.name,
        added: e.t, removed: null, lineage: [e.id], spanStart: e.start, spanEnd: e.end,
      };
      live.set(e.id, r);
      all.set(e.id, r);
      continue;
    }
    const r = live.get(e.id);
    if (!r) { note(`${e.type} of unknown or removed region ${e.id} at t=${e.t}`); continue; }
    switch (e.type) {
      case 'regionRemove':
        r.removed = e.t;
        live.delete(e.id);
        break;
      case 'regionResize':
        r.start = e.start;
        r.end = e.end;
        widen(r);
        break;
      case 'regionProt':
        r.prot = e.prot;
        break;
      case 'regionSplit': {
        if (!(e.at > r.start && e.at < r.end) || all.has(e.newId) || e.newId === 0) {
          note(`REGION_SPLIT of ${e.id} at 0x${e.at.toString(16)} into ${e.newId} is impossible at t=${e.t}`);
          break;
        }
        const n: Region = {
          ...r, id: e.newId, start: e.at, offset: r.offset + (e.at - r.start), added: e.t, lineage: [e.newId, ...r.lineage],
          spanStart: e.at, spanEnd: Math.max(r.spanEnd, r.end),
        };
        r.end = e.at;
        r.spanEnd = Math.min(r.spanEnd, e.at);
        live.set(n.id, n);
        all.set(n.id, n);
        break;
      }
      case 'regionMerge': {
        const a = live.get(e.absorbed);
        if (!a || a === r) { note(`REGION_MERGE of ${e.id} with unknown region ${e.absorbed} at t=${e.t}`); break; }
        r.start = Math.min(r.start, a.start);
        r.end = Math.max(r.end, a.end);
        r.spanStart = Math.min(r.spanStart, a.spanStart);
        r.spanEnd = Math.max(r.spanEnd, a.spanEnd);
        widen(r);
        for (const id of a.lineage) if (!r.lineage.includes(id)) r.lineage.push(id);
        a.removed = e.t;
        live.delete(a.id);
        break;
      }
    }
  }
  return { live: [...live.values()].sort(byStart), all: [...all.values()].sort(byStart), anomalies };
}

/** The distinct processes owning regions, the trace's own (mainPid) first: more than one with -f. */
export function regionPids(pids: Iterable<number>, mainPid?: number): number[] {
  return [...new Set(pids)].sort((x, y) => Number(y === mainPid) - Number(x === mainPid) || x - y);
}

/** Which faults count. */
export interface FaultFilter {
  from?: number;
  to?: number;
  tid?: number;
}

/** Per-page fault counts of one region: dense for regions up to 4 Mi pages, sparse beyond. */
export type PageCounts = Uint32Array | Map<number, number>;

export interface RegionFaults {
  region: Region;
  pages: number;
  counts: PageCounts;
  faults: number;
  minor: number;
  major: number;
  /** Distinct pages that faulted. */
  touched: number;
}

export interface Attribution {
  regions: RegionFaults[];
  /** Faults that passed the filter but lie in none of the shown regions. */
  outside: number;
  /** Faults that passed the filter (prefetched pages excluded). */
  total: number;
  /** Loader-prefetched pages (FAULT flag bit 5) that passed the filter; not faults the program took. */
  prefetched: number;
}

const DENSE_MAX = 1 << 22;

export function attributeFaults(f: FaultTable, shown: readonly Region[], pageSize: number, filter: FaultFilter = {}, mainPid?: number): Attribution {
  const out: RegionFaults[] = shown.map((region) => {
    const pages = Math.max(0, Math.ceil((region.end - region.start) / pageSize));
    return { region, pages, counts: pages <= DENSE_MAX ? new Uint32Array(pages) : new Map(), faults: 0, minor: 0, major: 0, touched: 0 };
  });
  // region id -> indexes of shown regions whose lineage holds it
  const cand = new Map<number, number[]>();
  shown.forEach((r, i) => {
    for (const id of r.lineage) {
      const l = cand.get(id);
      if (!l) cand.set(id, [i]);
      else if (id === r.id) l.unshift(i); // a region's own faults go to it first
      else l.push(i);
    }
  });
  // region-0 faults go by address, to the main process's regions (all of them when mainPid is not given)
  const byAddr = mainPid === undefined ? shown.map((_, i) => i) : shown.flatMap((r, i) => (r.pid === mainPid || r.pid === 0 ? [i] : []));
  const starts = byAddr.map((i) => shown[i].start);
  const from = filter.from ?? -Infinity;
  const to = filter.to ?? Infinity;
  const tidWanted = filter.tid ?? -1;
  const { t, addr, region, flags, tid } = f;
  let outside = 0;
  let total = 0;
  let prefetched = 0;
  let lastId = -1;
  let lastCand: number[] | undefined;
  for (let i = 0; i < f.count; i++) {
    const ti = t[i];
    if (ti < from || ti > to) continue;
    if (tidWanted >= 0 && tid[i] !== tidWanted) continue;
    const fl = flags[i];
    if (fl & FAULT_PREFETCHED) { prefetched++; continue; }
    total++;
    const a = addr[i];
    const id = region[i];
    if (id !== lastId) { lastId = id; lastCand = cand.get(id); }
    let hit = -1;
    if (lastCand) {
      for (let k = 0; k < lastCand.length; k++) {
        const r = shown[lastCand[k]];
        if (a >= r.start && a < r.end) { hit = lastCand[k]; break; }
      }
    } else if (id === 0) {
      hit = findByAddress(starts, byAddr, shown, a);
    }
    if (hit < 0) { outside++; continue; }
    const rf = out[hit];
    const page = Math.floor((a - rf.region.start) / pageSize);
    const c = rf.counts;
    if (c instanceof Uint32Array) {
      if (c[page]++ === 0) rf.touched++;
    } else {
      const v = c.get(page) ?? 0;
      if (v === 0) rf.touched++;
      c.set(page, v + 1);
    }
    rf.faults++;
    const k = fl & FAULT_KIND_MASK;
    if (k === FAULT_MINOR) rf.minor++;
    else if (k === FAULT_MAJOR) rf.major++;
  }
  return { regions: out, outside, total, prefetched };
}

/** Index (in shown) of the last of the candidates `idx` (sorted by start) that contains a, or -1. */
function findByAddress(starts: number[], idx: readonly number[], shown: readonly Region[], a: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= a) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  for (let i = best; i >= 0 && i > best - 8; i--) if (a >= shown[idx[i]].start && a < shown[idx[i]].end) return idx[i];
  return -1;
}

/**
 * Fault counts of `cells` equal slices of a region (cell j covers pages [j*k, (j+1)*k), k = ceil(pages/cells)).
 * Returns the counts and k; when the region has fewer pages than cells, one cell per page.
 */
export function cellCounts(rf: RegionFaults, cells: number): { counts: Float64Array; perCell: number } {
  const perCell = Math.max(1, Math.ceil(rf.pages / Math.max(1, cells)));
  const n = Math.ceil(rf.pages / perCell);
  const counts = new Float64Array(n);
  if (rf.counts instanceof Uint32Array) {
    const c = rf.counts;
    for (let p = 0; p < c.length; p++) if (c[p]) counts[Math.floor(p / perCell)] += c[p];
  } else {
    for (const [p, v] of rf.counts) counts[Math.floor(p / perCell)] += v;
  }
  return { counts, perCell };
}
