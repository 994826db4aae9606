/**
 * The data a report shows, reduced from a TraceView to what a page can carry: per region a heat strip
 * (fault counts in up to STRIP_CELLS equal slices), a sample of its faults as (time, page) points (at
 * most MAX_POINTS per region, every k-th fault, so a 10-million-fault trace still makes a small page),
 * its lifetime, and the summary tables. Pure.
 */
import type { Region } from '../trace/regions.js';
import { cellCounts, regionPids } from '../trace/regions.js';
import { FAULT_KIND_MASK, FAULT_MAJOR, FAULT_PREFETCHED, protString } from '../trace/records.js';
import type { Summary } from '../trace/summary.js';
import type { TraceView } from '../trace/view.js';

export const STRIP_CELLS = 256;
export const MAX_POINTS = 4000;

export interface ReportRegion {
  id: number;
  label: string;
  start: number;
  end: number;
  pages: number;
  prot: string;
  added: number;
  removed: number | null;
  faults: number;
  touched: number;
  strip: number[];
  pagesPerCell: number;
  /** Sampled faults: times (ns), page index within the region, 1 if major; sorted by time. */
  points: { t: number[]; page: number[]; major: number[]; every: number };
}

export interface ReportData {
  title: string;
  endT: number;
  regions: ReportRegion[];
  summary: Summary;
  notes: string[];
}

/** A region's name; with several processes in the trace (-f), which process's. */
export function regionLabel(r: Region, withPid = false): string {
  return `${withPid ? `[pid ${r.pid}] ` : ''}${r.name || `[anon ${r.id}]`}`;
}

export function buildReportData(view: TraceView, title: string, notes: string[]): ReportData {
  const { trace, attribution, filter } = view;
  const f = trace.faults;
  const pageSize = trace.header.pageSize || 4096;
  const shown = attribution.regions;
  const severalPids = regionPids(shown.map((rf) => rf.region.pid)).length > 1;
  // Assign sampled points per region: a second pass over the faults that hit each region (by identity,
  // then by address, as the attribution did), keeping every k-th.
  const every = shown.map((rf) => Math.max(1, Math.ceil(rf.faults / MAX_POINTS)));
  const seen = new Float64Array(shown.length);
  const pts = shown.map(() => ({ t: [] as number[], page: [] as number[], major: [] as number[] }));
  const byId = new Map<number, number[]>();
  shown.forEach((rf, i) => rf.region.lineage.forEach((id) => byId.set(id, [...(byId.get(id) ?? []), i])));
  const from = filter.from ?? -Infinity;
  const to = filter.to ?? Infinity;
  for (let i = 0; i < f.count; i++) {
    const t = f.t[i];
    if (t < from || t > to || (filter.tid !== undefined && f.tid[i] !== filter.tid) || f.flags[i] & FAULT_PREFETCHED) continue;
    const cands = byId.get(f.region[i]) ?? (f.region[i] === 0 ? shown.map((_, k) => k) : undefined);
    if (!cands) continue;
    const a = f.addr[i];
    const k = cands.find((c) => a >= shown[c].region.start && a < shown[c].region.end);
    if (k === undefined) continue;
    if (seen[k]++ % every[k] !== 0) continue;
    pts[k].t.push(t);
    pts[k].page.push(Math.floor((a - shown[k].region.start) / pageSize));
    pts[k].major.push((f.flags[i] & FAULT_KIND_MASK) === FAULT_MAJOR ? 1 : 0);
  }
  const regions = shown.map((rf, i) => {
    const { counts, perCell } = cellCounts(rf, STRIP_CELLS);
    const p = pts[i];
    const order = p.t.map((_, j) => j).sort((a, b) => p.t[a] - p.t[b]);
    return {
      id: rf.region.id, label: regionLabel(rf.region, severalPids), start: rf.region.start, end: rf.region.end, pages: rf.pages,
      prot: protString(rf.region.prot), added: rf.region.added, removed: rf.region.removed, faults: rf.faults, touched: rf.touched,
      strip: Array.from(counts), pagesPerCell: perCell,
      points: { t: order.map((j) => p.t[j]), page: order.map((j) => p.page[j]), major: order.map((j) => p.major[j]), every: every[i] },
    };
  });
  const lastFault = f.count ? f.t[f.count - 1] : 0;
  const endT = Math.max(trace.end?.t ?? 0, lastFault, ...regions.map((r) => r.removed ?? r.added));
  return { title, endT, regions, summary: view.summary, notes };
}
