/**
 * runBench(configs, runs): run every configuration `runs` times, each run in a fresh process, and
 * collect what each run measured (wait4's rusage through pagewise-exec, the loader's counters).
 *
 * Order: one warm-up run of every configuration (not kept), then `runs` rounds, each round visiting the
 * configurations in a fresh shuffled order, so that drift on the machine (other load, thermal state)
 * spreads over every configuration instead of biasing the ones that ran last. Program output is
 * discarded; a run whose exit status differs from the direct run's is an error (BENCH_RUN_FAILED):
 * a loader that changes what a program does has no timing worth reporting.
 */
import { Writable } from 'node:stream';
import { PagewiseError } from '../errors.js';
import { workloadPath } from '../native/locate.js';
import { PW_EXEC_SHM_PLACEHOLDER } from '../native/protocol.js';
import { runReported, type ReportedRun } from '../native/run.js';
import { locateNative } from '../native/locate.js';
import { parseLoaderPage } from '../loader/shm.js';
import { shellStatus } from '../loader/run.js';
import type { BenchConfig, ConfigResult, Measurement } from './types.js';

const discard = () => new Writable({ write: (_c, _e, cb) => cb() });

/** The native command line for one configuration. */
export function commandFor(c: BenchConfig): { program: string; args: string[] } {
  const prog = workloadPath(c.workload);
  if (c.mode === 'direct') return { program: prog, args: [...c.args] };
  const loader = locateNative('pagewise-loader');
  const extra = c.mode === 'hybrid' ? ['--predictor', c.predictor ?? 'next', '--pages', String(c.pages ?? 2)] : [];
  return {
    program: loader,
    args: ['--mode', c.mode, '--via', c.via ?? 'signal', ...extra, '--shm', PW_EXEC_SHM_PLACEHOLDER, '--exec', prog, '--', c.workload, ...c.args],
  };
}

export function measurementOf(c: BenchConfig, run: ReportedRun): Measurement {
  const page = c.mode === 'direct' ? undefined : parseLoaderPage(run.shm);
  if (page && !page.touched) {
    throw new PagewiseError('BENCH_RUN_FAILED', `${c.id}: the loader ended (status ${shellStatus(run)}) before loading the program; does this build support --mode ${c.mode}?`);
  }
  if (page && page.state === 'failed') {
    throw new PagewiseError('BENCH_RUN_FAILED', `${c.id}: the loader refused the program: ${page.message}`);
  }
  return {
    wallMs: run.rusage.wallMs,
    userMs: run.rusage.userMs,
    sysMs: run.rusage.sysMs,
    maxRssKiB: run.rusage.maxRssKiB,
    minflt: run.rusage.minorFaults,
    majflt: run.rusage.majorFaults,
    handled: page?.faultsHandled ?? 0,
    mapped: page?.pagesMapped ?? 0,
    prefetched: page?.pagesPrefetched ?? 0,
    useful: page?.prefetchUseful ?? 0,
    status: shellStatus(run),
  };
}

export async function measureOnce(c: BenchConfig): Promise<Measurement> {
  const { program, args } = commandFor(c);
  const run = await runReported(program, args, { stdio: 'forward', stdout: discard(), stderr: discard() });
  return measurementOf(c, run);
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export interface Progress {
  (done: number, total: number, current: string): void;
}

export async function runBench(configs: BenchConfig[], runs: number, progress: Progress = () => {}, seed = 1): Promise<ConfigResult[]> {
  const results = new Map<string, ConfigResult>(configs.map((c) => [c.id, { config: c, runs: [] }]));
  const total = configs.length * (runs + 1);
  let done = 0;
  const expected = new Map<string, number>();
  for (let round = -1; round < runs; round++) {
    for (const c of shuffled(configs, seed + round + 1)) {
      progress(done, total, round < 0 ? `warm-up ${c.id}` : c.id);
      const m = await measureOnce(c);
      const want = expected.get(c.workload);
      if (want === undefined) expected.set(c.workload, m.status);
      else if (want !== m.status) {
        throw new PagewiseError('BENCH_RUN_FAILED', `${c.id}: exit status ${m.status}, but other runs of ${c.workload} gave ${want}`);
      }
      if (round >= 0) results.get(c.id)!.runs.push(m);
      done++;
    }
  }
  progress(done, total, 'done');
  return [...results.values()];
}
