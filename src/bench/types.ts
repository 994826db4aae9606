/**
 * The data of a benchmark run: which configurations ran (workload x loading mode) and what each run
 * measured. Produced by run.ts, stored by store.ts (docs/formats/bench.md), read by analyze.ts and the
 * renderers. Plain data, no behaviour.
 */
import type { Via } from '../loader/shm.js';

export type BenchMode = 'direct' | 'eager' | 'demand' | 'hybrid';

export interface BenchConfig {
  /** Unique, readable: "seqscan/hybrid-adaptive-3". */
  id: string;
  workload: string;
  /** The workload's arguments (its size). */
  args: string[];
  mode: BenchMode;
  via?: Via;
  predictor?: string;
  pages?: number;
}

/** One run of one configuration, in a fresh process. */
export interface Measurement {
  wallMs: number;
  userMs: number;
  sysMs: number;
  maxRssKiB: number;
  minflt: number;
  majflt: number;
  /** Faults the loader's pager handled (0 for direct and eager). */
  handled: number;
  /** Pages the loader mapped in all. */
  mapped: number;
  /** Pages mapped by prediction, and how many of them the program then touched. */
  prefetched: number;
  useful: number;
  /** Exit status as a shell reports it (128+N for death by signal N). */
  status: number;
}

export interface ConfigResult {
  config: BenchConfig;
  runs: Measurement[];
}

export interface BenchRun {
  startedAt: string;
  host: { kernel: string; cpus: number; node: string };
  runsPerConfig: number;
  results: ConfigResult[];
}

export const METRICS = ['wallMs', 'maxRssKiB'] as const;
export type Metric = (typeof METRICS)[number];
