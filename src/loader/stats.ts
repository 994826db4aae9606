/**
 * statsOf(run) and renderStats(stats): the `--stats` figures of a loaded run (wait4's rusage of the
 * program plus the loader's counters), as a plain object for --stats=json and as aligned text.
 * Pure.
 */
import type { Rusage } from '../native/run.js';
import type { LoadedRun } from './run.js';

/** wait4's figures of the program (rounded to the microsecond), its ending, and the loader's counters. */
export interface RunStats extends Omit<Rusage, 'voluntarySwitches' | 'involuntarySwitches'> {
  program: string;
  mode: string;
  via: string | null;
  exit: { status: number | null; signal: string | null };
  loader: {
    segments: number;
    pagesMapped: number;
    faultsHandled: number;
    pagesFromFile: number;
    pagesZero: number;
    lazyPagesAtStart: number;
    guardTraps: number;
    fallbackPages: number;
    uffdKernelFaults: boolean | null;
  };
  /** hybrid mode only (docs/hybrid.md), else null. */
  prefetch: PrefetchStats | null;
}

/**
 * The predictor's figures. useful = prefetched zero pages the program touched before exit_group, read
 * from /proc/self/pagemap at exit (null when unknown: killed by a signal, or exit_group not seen);
 * partial = prefetched pages holding file bytes, present once built, so neither useful nor wasted.
 * faultsSaved = (demand faults the program would have taken) - (faults handled) = useful: each
 * touched prefetched page is a fault that did not happen. wasted = prefetched - partial - useful.
 */
export interface PrefetchStats {
  predictor: string | null;
  pages: number;
  pagesPrefetched: number;
  useful: number | null;
  partial: number;
  faultsSaved: number | null;
  wasted: number | null;
}

export function prefetchOf(l: LoadedRun['loader']): PrefetchStats | null {
  if (l.mode !== 'hybrid') return null;
  const useful = l.prefetchUseful;
  return {
    predictor: l.predictor,
    pages: l.prefetchWindow,
    pagesPrefetched: l.pagesPrefetched,
    useful,
    partial: l.prefetchPartial,
    faultsSaved: useful,
    wasted: useful === null ? null : l.pagesPrefetched - l.prefetchPartial - useful,
  };
}

export function statsOf(run: LoadedRun): RunStats {
  const l = run.loader;
  const demand = l.mode === 'demand' || l.mode === 'hybrid';
  return {
    program: run.path,
    mode: l.mode,
    via: demand ? l.via : null,
    exit: { status: run.status, signal: run.signal },
    wallMs: round(run.rusage.wallMs),
    userMs: round(run.rusage.userMs),
    sysMs: round(run.rusage.sysMs),
    maxRssKiB: run.rusage.maxRssKiB,
    minorFaults: run.rusage.minorFaults,
    majorFaults: run.rusage.majorFaults,
    loader: {
      segments: l.segments,
      pagesMapped: l.pagesMapped,
      faultsHandled: l.faultsHandled,
      pagesFromFile: l.pagesFile,
      pagesZero: l.pagesZero,
      lazyPagesAtStart: l.lazyPages,
      guardTraps: l.guardTraps,
      fallbackPages: l.fallbackPages,
      uffdKernelFaults: demand && l.via !== 'signal' ? l.uffdKernelFaults : null,
    },
    prefetch: prefetchOf(l),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function renderStats(s: RunStats): string {
  const rows: [string, string][] = [
    ['program', s.program],
    ['mode', s.via ? `${s.mode} (via ${s.via}${s.loader.uffdKernelFaults === false ? ', user faults only + guard' : ''})` : s.mode],
    ['ended', s.exit.signal ? `killed by ${s.exit.signal}` : `exit status ${s.exit.status}`],
    ['wall', `${s.wallMs.toFixed(3)} ms`],
    ['user', `${s.userMs.toFixed(3)} ms`],
    ['sys', `${s.sysMs.toFixed(3)} ms`],
    ['max RSS', `${s.maxRssKiB} KiB`],
    ['minor faults', String(s.minorFaults)],
    ['major faults', String(s.majorFaults)],
    ['segments', String(s.loader.segments)],
    ['pages mapped by loader', String(s.loader.pagesMapped)],
    ['faults handled by loader', String(s.loader.faultsHandled)],
  ];
  if (s.mode === 'demand' || s.mode === 'hybrid') {
    rows.push(
      ['  of lazy pages at start', String(s.loader.lazyPagesAtStart)],
      ['  pages from file / zero', `${s.loader.pagesFromFile} / ${s.loader.pagesZero}`],
      ['  guarded system calls', String(s.loader.guardTraps)],
      ['  pages mapped at once', String(s.loader.fallbackPages)],
    );
  }
  const p = s.prefetch;
  if (p) {
    const unknown = 'unknown (the program did not end by exit)';
    rows.push(
      ['predictor', `${p.predictor} (--pages ${p.pages})`],
      ['  pages prefetched', `${p.pagesPrefetched}${p.partial ? ` (${p.partial} partial: file bytes, always present, not counted below)` : ''}`],
      ['  of them touched (pagemap)', p.useful === null ? unknown : String(p.useful)],
      ['  faults saved', p.faultsSaved === null ? unknown : String(p.faultsSaved)],
      ['  wasted', p.wasted === null ? unknown : String(p.wasted)],
    );
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}
