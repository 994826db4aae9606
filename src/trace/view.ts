/**
 * viewTrace: everything `show` and `report` display, computed once from a decoded trace and the user's
 * choices (time window, thread, instant). Pure apart from resolveSymbols (reads ELF files of the mapped
 * paths, optional). Also the header line both commands print.
 */
import type { Trace } from './format.js';
import { F_ACCESS, F_FOLLOW, F_IP, F_KERNEL, F_MAJOR } from './records.js';
import { attributeFaults, overLifetime, replayRegions, type Attribution, type FaultFilter, type Replay } from './regions.js';
import { resolveSymbols, summarize, type Summary } from './summary.js';
import { formatNs } from './time.js';

export interface ViewOptions extends FaultFilter {
  /** Show the regions as they were at this time (ns); faults after it are left out. */
  at?: number;
  topN?: number;
  /** Resolve top instruction pointers to function names (reads the mapped files). */
  symbols?: boolean;
}

export interface TraceView {
  trace: Trace;
  replay: Replay;
  attribution: Attribution;
  summary: Summary;
  filter: FaultFilter;
  at?: number;
  topN: number;
  /** The traced process (info.pid): region-0 faults go to its regions, its map comes first. */
  mainPid?: number;
}

export async function viewTrace(trace: Trace, o: ViewOptions = {}): Promise<TraceView> {
  const filter: FaultFilter = { from: o.from, to: o.at !== undefined ? Math.min(o.at, o.to ?? Infinity) : o.to, tid: o.tid };
  const replay = replayRegions(trace.regions, o.at ?? Infinity);
  const shown = o.at !== undefined ? replay.live : overLifetime(replay.all);
  const mainPid = typeof trace.header.info.pid === 'number' ? trace.header.info.pid : undefined;
  const attribution = attributeFaults(trace.faults, shown, trace.header.pageSize || 4096, filter, mainPid);
  const summary = summarize(trace, attribution, filter, o.topN ?? 10);
  if (o.symbols !== false) await resolveSymbols(summary.topIps, replay.all);
  return { trace, replay, attribution, summary, filter, at: o.at, topN: o.topN ?? 10, mainPid };
}

export function headerFlagsText(flags: number): string {
  const names: [number, string][] = [[F_ACCESS, 'access'], [F_KERNEL, 'kernel-mode'], [F_IP, 'ip'], [F_MAJOR, 'major'], [F_FOLLOW, 'follow']];
  return names.filter(([b]) => flags & b).map(([, n]) => n).join(',') || 'none';
}

/** "Trace t.pw: ./prog 100 (pid 42), source pagewise trace, 12 faults over 3.100ms, recorded: ip,major". */
export function describeTrace(path: string, trace: Trace): string {
  const h = trace.header;
  const argv = Array.isArray(h.info.argv) ? (h.info.argv as unknown[]).map(String).join(' ') : '?';
  const pid = typeof h.info.pid === 'number' ? ` (pid ${h.info.pid})` : '';
  const source = h.source === 1 ? 'pagewise trace' : h.source === 2 ? 'loader --record' : `source ${h.source}`;
  const endT = trace.end?.t ?? (trace.faults.count ? trace.faults.t[trace.faults.count - 1] : 0);
  const lines = [`Trace ${path}: ${argv}${pid}, ${source}, version ${h.major}.${h.minor}, ${trace.faults.count} fault records over ${formatNs(endT)}, recorded: ${headerFlagsText(h.flags)}`];
  if (!(h.flags & F_ACCESS)) lines.push('(the access kind (read/write/exec) of faults was not visible to the collector)');
  if (!(h.flags & F_KERNEL)) lines.push('(faults taken inside system calls were not visible to the collector)');
  if (h.infoError) lines.push(`(header info: ${h.infoError})`);
  return lines.join('\n') + '\n';
}
