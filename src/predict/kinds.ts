/**
 * The predictor kinds and the limits they share with native/common/predict.h (the C twins). The numbers
 * are the `kind` argument of pw_predict_init; test/predict/native.test.ts checks both files agree.
 */
import { PagewiseError } from '../errors.js';

export const PREDICTOR_KINDS = { next: 1, stride: 2, history: 3, adaptive: 4 } as const;
export type PredictorName = keyof typeof PREDICTOR_KINDS;
export const PREDICTOR_NAMES = Object.keys(PREDICTOR_KINDS) as PredictorName[];

/** Largest window: --pages 1..PAGES_MAX (the fault page plus up to PAGES_MAX-1 predicted pages). */
export const PAGES_MAX = 64;
/** Most pages one decision may return (adaptive's largest window). */
export const PREDICT_MAX_OUT = 64;
/** Page numbers are below 2^52 (a 64-bit address >> 12); predictions outside [0, 2^52) are dropped. */
export const PAGE_LIMIT = 2 ** 52;
/** history: log2 of its table's entries. */
export const HISTORY_BITS = 10;
/** adaptive: how many sequential streams it follows at once. */
export const ADAPTIVE_STREAMS = 4;
/** adaptive: consecutive hits (sequential faults) before a stream's window opens. */
export const ADAPTIVE_CONFIRM = 2;

export function predictorName(s: string): PredictorName {
  if (!(PREDICTOR_NAMES as string[]).includes(s)) {
    throw new PagewiseError('PREDICT_UNKNOWN', `unknown predictor '${s}'`);
  }
  return s as PredictorName;
}

/** Parse "2,3" or "2-8" style page windows; each 1..PAGES_MAX. */
export function parsePagesList(s: string): number[] {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo < 1 || hi > PAGES_MAX || lo > hi) {
      throw new PagewiseError('PREDICT_BAD_PAGES', `--pages '${s}': '${part}' is not a window between 1 and ${PAGES_MAX}`);
    }
    for (let p = lo; p <= hi; p++) if (!out.includes(p)) out.push(p);
  }
  return out;
}
