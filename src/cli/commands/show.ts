/**
 * `pagewise show OUT`: a trace's region map and summary (or --json), --at a past instant, for one
 * --thread or a --from/--to window; --follow prints faults as a growing trace (or a pipe) receives them.
 * A damaged trace: everything before the damage is shown, then one line on stderr says where it
 * stopped, and the exit status is 1. Bad arguments or a file that is not a trace: exit 2.
 */
import { resolve } from 'node:path';
import { PagewiseError } from '../../errors.js';
import type { TraceDecoder } from '../../trace/format.js';
import { F_KERNEL, faultAccessName, faultKindName, protString, type Damage, type RegionEvent } from '../../trace/records.js';
import { followTrace, readTrace } from '../../trace/read.js';
import { regionCells, renderRegionMap, renderSummary } from '../../trace/render.js';
import { formatNs, parseDuration } from '../../trace/time.js';
import { describeTrace, viewTrace, type TraceView, type ViewOptions } from '../../trace/view.js';
import { intOption, json, parseCommandArgs, printHelp, usageError, type Command } from '../command.js';
import type { Io } from '../io.js';

/** The options that choose what part of a trace to look at, shared by show and report. */
export const VIEW_OPTIONS = {
  at: { type: 'string' },
  thread: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  top: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const OPTIONS = { ...VIEW_OPTIONS, follow: { type: 'boolean' } } as const;

/** --at, --from, --to, --thread and --top, checked: durations, a thread id, a window that is not reversed. */
export function viewOptionsOf(v: Record<string, unknown>): ViewOptions {
  const opts: ViewOptions = {
    at: v.at === undefined ? undefined : parseDuration(String(v.at), 'at'),
    from: v.from === undefined ? undefined : parseDuration(String(v.from), 'from'),
    to: v.to === undefined ? undefined : parseDuration(String(v.to), 'to'),
    tid: v.thread === undefined ? undefined : intOption('thread', String(v.thread), 0, 0, 0xffffffff),
    topN: intOption('top', v.top as string | undefined, 10, 0, 1000),
  };
  if (opts.from !== undefined && opts.to !== undefined && opts.from > opts.to) throw usageError(`--from ${v.from} is after --to ${v.to}`);
  return opts;
}

export const command: Command = {
  name: 'show',
  summary: 'print the region map and fault summary of a trace',
  usage: 'pagewise show OUT [--at TIME] [--thread TID] [--from TIME --to TIME] [--top N] [--json] [--follow]',
  help: `
OUT is a trace written by pagewise trace (or the loader's --record); '-' with --follow reads stdin.

One line per region:  Region: START - END (PAGES pages): |MAP| PATH
  MAP has one cell per page, X = the page faulted at least once, '.' = never. A region over 64 pages
  gets at most 64 cells, each covering k = ceil(pages/64) pages (X if any of them faulted), and the line
  ends with [1 cell = k pages]. Without --at every region the trace saw is listed over the span it
  covered in its life (removed ones say when); with --at, the regions live then, as they were.
Then the summary: faults per region and per thread, minor/major, the instructions that fault most (named
from the symbol tables of the mapped files), lost samples, and the kernel's own count of faults.

options:
  --at TIME        the regions as they were at TIME (faults up to TIME); TIME like 12.5ms, 300us, 2s, 900ns
  --thread TID     only the faults of thread TID
  --from TIME      only faults at or after TIME (since the start of tracing)
  --to TIME        only faults at or before TIME
  --top N          how many top faulting instructions to list (default 10)
  --json           the same as JSON (regions with their maps, summary, damage)
  --follow         read a trace still being written (or a pipe): print each fault as it arrives, then
                   the map and summary once the END record comes; waits up to 30 s for OUT to appear

exit status: 0 shown; 1 the trace is truncated or damaged (what came before is shown, stderr says where;
with a damaged header there is nothing to show); 2 bad arguments, not a trace, or another major version.

example:
  pagewise trace -o seq.pwt -- native/build/workloads/seqscan 64
  pagewise show seq.pwt --at 2ms
`,
  async run(argv: string[], io: Io): Promise<number> {
    const { values: v, positionals, help } = parseCommandArgs(argv, OPTIONS);
    if (help) return printHelp(command, io);
    if (positionals.length !== 1) throw usageError(positionals.length ? `expected one trace file, got ${positionals.length} arguments` : 'give the trace file to show');
    const opts = viewOptionsOf(v);
    const path = positionals[0] === '-' ? '-' : resolve(io.cwd, positionals[0]);
    if (path === '-' && !v.follow) throw usageError("reading a trace from stdin ('-') needs --follow");
    const shown = positionals[0];
    const onWait = () => io.stderr.write(`pagewise show: waiting for ${path} to appear (up to 30 s)\n`);
    const trace = v.follow ? await followTrace(path, printNew(io, opts, v.json === true), { onWait }) : readTrace(path);
    const view = await viewTrace(trace, opts);
    if (v.json) json(io, toJson(shown, view));
    else io.stdout.write(renderText(shown, view));
    return reportDamage(io, shown, trace.damage);
  },
};

export function renderText(path: string, view: TraceView): string {
  const title = view.at !== undefined ? `Regions at ${formatNs(view.at)}:` : 'Regions (every region the trace saw, over the span it covered in its life):';
  const filter: string[] = [];
  if (view.filter.tid !== undefined) filter.push(`thread ${view.filter.tid}`);
  if (view.filter.from !== undefined) filter.push(`from ${formatNs(view.filter.from)}`);
  if (view.filter.to !== undefined && view.filter.to !== view.at) filter.push(`to ${formatNs(view.filter.to)}`);
  let out = describeTrace(path, view.trace);
  if (filter.length) out += `(faults of ${filter.join(', ')})\n`;
  out += '\n' + renderRegionMap(view.attribution, title, view.mainPid) + renderSummary(view.summary, { paranoid: paranoidOf(view), topN: view.topN });
  if (view.replay.anomalies.length) out += `\n${view.replay.anomalies.length} inconsistent region records were skipped, first: ${view.replay.anomalies[0]}\n`;
  return out;
}

function toJson(path: string, view: TraceView) {
  const { trace } = view;
  return {
    path,
    header: { ...trace.header, infoText: undefined },
    at: view.at ?? null,
    filter: view.filter,
    regions: view.attribution.regions.map((rf) => {
      const { map, perCell } = regionCells(rf);
      const r = rf.region;
      return { id: r.id, pid: r.pid, start: r.start, end: r.end, pages: rf.pages, prot: protString(r.prot), name: r.name, added: r.added, removed: r.removed, faults: rf.faults, minor: rf.minor, major: rf.major, touched: rf.touched, map, pagesPerCell: perCell };
    }),
    summary: view.summary,
    end: trace.end,
    anomalies: view.replay.anomalies,
    damage: trace.damage,
  };
}

function paranoidOf(view: TraceView): number | undefined {
  // Only an explanation when the collector says it could not see kernel-mode faults.
  const p = view.trace.header.info.perf_event_paranoid;
  return typeof p === 'number' && !(view.trace.header.flags & F_KERNEL) ? p : undefined;
}

/** The one stderr line for a damaged trace; returns the exit status. */
export function reportDamage(io: Io, path: string, damage: Damage | null, cmd = 'show'): number {
  if (!damage) return 0;
  const e = new PagewiseError(damage.code, `${path}: stopped at offset ${damage.offset}: ${damage.reason}`);
  io.stderr.write(`pagewise ${cmd}: ${e.oneLine()}\n`);
  return 1;
}

/** --follow: print the records that arrived since the last call. */
function printNew(io: Io, opts: ViewOptions, quiet: boolean): (d: TraceDecoder) => void {
  let faults = 0;
  let regions = 0;
  let header = false;
  return (d) => {
    if (quiet || !d.header) return;
    const out: string[] = [];
    if (!header) {
      header = true;
      out.push(`following ${d.what} (pid ${String(d.header.info.pid ?? '?')}); faults as they arrive:`);
    }
    for (; regions < d.regions.length; regions++) out.push(regionEventLine(d.regions[regions]));
    const f = d.faults;
    for (; faults < f.count; faults++) {
      const t = f.t[faults];
      if ((opts.tid !== undefined && f.tid[faults] !== opts.tid) || (opts.from !== undefined && t < opts.from) || (opts.to !== undefined && t > opts.to)) continue;
      out.push(`${formatNs(t).padStart(12)}  tid ${f.tid[faults]}  fault ${f.addr[faults].toString(16).padStart(12, '0')}  ${faultKindName(f.flags[faults])} ${faultAccessName(f.flags[faults])}  ip ${f.ip[faults].toString(16)}  region ${f.region[faults]}`);
    }
    if (out.length) io.stdout.write(out.join('\n') + '\n');
  };
}

function regionEventLine(e: RegionEvent): string {
  const t = formatNs(e.t).padStart(12);
  switch (e.type) {
    case 'regionAdd': return `${t}  + region ${e.id} ${e.start.toString(16)}-${e.end.toString(16)} ${protString(e.prot)} ${e.name || '[anon]'}`;
    case 'regionRemove': return `${t}  - region ${e.id}`;
    case 'regionResize': return `${t}  ~ region ${e.id} now ${e.start.toString(16)}-${e.end.toString(16)}`;
    case 'regionSplit': return `${t}  / region ${e.id} split at ${e.at.toString(16)} into ${e.newId}`;
    case 'regionMerge': return `${t}  + region ${e.id} absorbs ${e.absorbed}`;
    case 'regionProt': return `${t}  ! region ${e.id} prot ${protString(e.prot)}`;
  }
}
