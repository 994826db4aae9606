/**
 * The benchmark matrix: which workloads, at which sizes, under which loading modes. Pure.
 *
 * planConfigs(workloads, modes) expands the names a user gives (`--workloads seqscan,randtouch`,
 * `--modes direct,eager,demand,hybrid`) into BenchConfigs; hybrid expands into every predictor at
 * 2 and 3 pages, plus hybrid with no prediction (1 page) as the predictors' baseline. Unknown names are usage errors naming the choices.
 */
import { PagewiseError } from '../errors.js';
import type { BenchConfig, BenchMode } from './types.js';

/** Bundled workloads and the sizes the bench runs them at (large enough that paging shows). */
export const BENCH_WORKLOADS: Record<string, string[]> = {
  seqscan: ['16384'], // 64 MiB written in order
  randtouch: ['16384', '2048'], // 2048 random touches over 64 MiB
  stride: ['16384', '8'], // every 8th page of 64 MiB, twice
  mallocheavy: ['20000'],
  mmapread: ['16'],
  sparsedata: ['64'], // one read every 64 pages of a 16 MiB initialized array
  exitnow: [],
};

export const PREDICTORS = ['next', 'stride', 'history', 'adaptive'] as const;
export const BENCH_MODES = ['direct', 'eager', 'demand', 'demand-uffd', 'demand-uffd-thread', 'hybrid'] as const;
/** What runs without --modes: every mode but the pager-thread userfaultfd, which only repeats demand-uffd
 * slower on machines whose idle CPUs wake slowly (docs/loader.md); ask for it by name. */
export const DEFAULT_MODES = BENCH_MODES.filter((m) => m !== 'demand-uffd-thread');

function pick<T extends string>(what: string, given: string[] | undefined, all: readonly T[], dflt: readonly T[]): T[] {
  if (!given || given.length === 0) return [...dflt];
  for (const g of given) {
    if (!(all as readonly string[]).includes(g)) {
      throw new PagewiseError('USAGE', `unknown ${what} '${g}'; choose from ${all.join(', ')}`);
    }
  }
  return given as T[];
}

export function planConfigs(workloads?: string[], modes?: string[], hybridPages: number[] = [2, 3]): BenchConfig[] {
  const ws = pick('workload', workloads, Object.keys(BENCH_WORKLOADS), Object.keys(BENCH_WORKLOADS));
  const ms = pick('mode', modes, BENCH_MODES, DEFAULT_MODES);
  const out: BenchConfig[] = [];
  for (const w of ws) {
    const args = BENCH_WORKLOADS[w];
    for (const m of ms) {
      if (m === 'hybrid') {
        // the baseline for "does the predictor help": the same hybrid layout with no prediction (1 page)
        out.push({ id: `${w}/hybrid-none`, workload: w, args, mode: 'hybrid', via: 'signal', predictor: 'next', pages: 1 });
        for (const p of PREDICTORS) {
          for (const pages of hybridPages) {
            out.push({ id: `${w}/hybrid-${p}-${pages}`, workload: w, args, mode: 'hybrid', via: 'signal', predictor: p, pages });
          }
        }
      } else if (m === 'demand-uffd' || m === 'demand-uffd-thread') {
        out.push({ id: `${w}/${m}`, workload: w, args, mode: 'demand', via: m === 'demand-uffd' ? 'uffd' : 'uffd-thread' });
      } else {
        const mode = m as BenchMode;
        out.push({ id: `${w}/${m}`, workload: w, args, mode, ...(mode === 'demand' ? { via: 'signal' as const } : {}) });
      }
    }
  }
  return out;
}
