/**
 * Text rendering of a trace for `pagewise show`: the region map and the summary. Pure: data in, lines out.
 *
 * One line per region, exactly `Region: 08048000 - 0805a000 (  18 pages): |XXXXXXXXXXXXXXXX..|` then the
 * region's path: addresses in hex with at least 8 digits, the page count right-aligned in 4 columns,
 * one cell per page ('X' faulted at least once, '.' never) for regions of up to 64 pages; a bigger region
 * gets 64 cells or fewer, each cell k = ceil(pages / 64) pages, X when any page of it faulted, and the
 * line says `[1 cell = k pages]` after the path.
 */
import { cellCounts, regionPids, type Attribution, type RegionFaults } from './regions.js';
import type { Summary } from './summary.js';
import { formatNs } from './time.js';

export const MAP_CELLS = 64;

export const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** The cells of a region's map: 'X' / '.' per cell, and the pages per cell. */
export function regionCells(rf: RegionFaults, cells = MAP_CELLS): { map: string; perCell: number } {
  const { counts, perCell } = cellCounts(rf, cells);
  let map = '';
  for (let i = 0; i < counts.length; i++) map += counts[i] > 0 ? 'X' : '.';
  return { map, perCell };
}

export function renderRegionLine(rf: RegionFaults): string {
  const r = rf.region;
  const { map, perCell } = regionCells(rf);
  let line = `Region: ${hex8(r.start)} - ${hex8(r.end)} (${String(rf.pages).padStart(4)} pages): |${map}| ${r.name || '[anon]'}`;
  if (perCell > 1) line += `  [1 cell = ${perCell} pages]`;
  if (r.removed !== null) line += `  [removed at ${formatNs(r.removed)}]`;
  return line;
}

export function renderRegionMap(a: Attribution, title: string, mainPid?: number): string {
  const lines = [title, `(X: a page that faulted at least once, '.': never; regions over ${MAP_CELLS} pages show ${MAP_CELLS} cells or fewer, each covering k pages, X if any faulted)`];
  const pids = regionPids(a.regions.map((rf) => rf.region.pid), mainPid);
  for (const pid of pids) {
    // a trace of several processes (-f): each address space under its own heading
    if (pids.length > 1) lines.push(`Process ${pid}${pid === mainPid ? ' (traced)' : ''}:`);
    for (const rf of a.regions) if (rf.region.pid === pid) lines.push(renderRegionLine(rf));
  }
  if (a.regions.length === 0) lines.push('(no regions)');
  return lines.join('\n') + '\n';
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');

export interface SummaryContext {
  topN?: number;
  /** kernel.perf_event_paranoid when the trace was taken (header info), to explain missing faults. */
  paranoid?: number;
}

export function renderSummary(s: Summary, opts: SummaryContext = {}): string {
  const out: string[] = [];
  const kinds = [`minor ${s.minor}`, `major ${s.major}`];
  if (s.unknownKind) kinds.push(`kind unknown ${s.unknownKind}`);
  out.push('', `Faults: ${s.faults} (${kinds.join(', ')})`);
  if (s.inKernel) out.push(`  ${s.inKernel} taken in kernel mode (inside system calls)`);
  if (s.prefetched) out.push(`  ${s.prefetched} pages prefetched by the loader (not counted as faults)`);
  if (s.outside) out.push(`  ${s.outside} faults lie outside the regions shown`);
  if (s.kernel && s.kernel.took > s.recorded) {
    const perf = s.kernel.counted === null ? '' : `; the perf counter saw ${s.kernel.counted}`;
    out.push(`recorded ${s.recorded} of ${s.kernel.took} faults the process took (the kernel counted minor ${s.kernel.minor}, major ${s.kernel.major}${perf}); the rest were not visible to the collector${opts.paranoid !== undefined && opts.paranoid >= 2 ? ` (at perf_event_paranoid ${opts.paranoid}, faults taken inside system calls are hidden from an ordinary user)` : ''}`);
  } else if (s.kernel) {
    out.push(`recorded ${s.recorded} faults; the kernel counted ${s.kernel.took} (minor ${s.kernel.minor}, major ${s.kernel.major})`);
  }
  if (s.lost) out.push(`the kernel dropped ${s.lost} samples`);

  out.push('', 'Faults per region:', '    faults   minor   major   touched/pages  region');
  const several = regionPids(s.regions.map((r) => r.pid)).length > 1;
  for (const r of [...s.regions].filter((x) => x.faults).sort((a, b) => b.faults - a.faults)) {
    out.push(`  ${pad(r.faults, 8)} ${pad(r.minor, 7)} ${pad(r.major, 7)} ${pad(`${r.touched}/${r.pages}`, 15)}  ${hex8(r.start)} ${r.name || '[anon]'}${several ? ` (pid ${r.pid})` : ''}`);
  }
  out.push('', 'Faults per thread:', '       tid   faults   minor   major   share');
  for (const t of s.threads) out.push(`  ${pad(t.tid, 8)} ${pad(t.faults, 8)} ${pad(t.minor, 7)} ${pad(t.major, 7)} ${pad(pct(t.faults, s.faults), 7)}`);
  if (opts.topN === 0) return out.join('\n') + '\n';
  out.push('', `Instructions that fault most (top ${s.topIps.length}):`, '    faults  ip                function (file)');
  if (s.topIps.length === 0) out.push('  (no instruction pointers recorded)');
  for (const p of s.topIps) {
    out.push(`  ${pad(p.faults, 8)}  ${p.ip.toString(16).padStart(16, '0')}  ${p.symbol ?? '?'}${p.region ? ` (${p.region})` : ''}`);
  }
  return out.join('\n') + '\n';
}

const pad = (v: number | string, w: number) => String(v).padStart(w);
