/**
 * The `pagewise predict` table: every predictor x window replayed over one fault sequence, as rows
 * (predictTable) and as aligned text (renderPredictTable). Pure.
 */
import { createPredictor } from './predictor.js';
import { replay, type PageRanges, type ReplayResult } from './replay.js';
import type { PredictorName } from './kinds.js';

export interface PredictRow extends ReplayResult {
  predictor: PredictorName | 'none';
  pages: number;
}

export function predictTable(pages: ArrayLike<number>, predictors: readonly PredictorName[], windows: readonly number[], valid?: PageRanges): PredictRow[] {
  const rows: PredictRow[] = [{ predictor: 'none', pages: 1, ...replay(pages, null, { valid }) }];
  for (const name of predictors) {
    for (const w of windows) rows.push({ predictor: name, pages: w, ...replay(pages, createPredictor(name, w), { valid }) });
  }
  return rows;
}

export function renderPredictTable(rows: readonly PredictRow[]): string {
  const head = ['predictor', 'pages', 'faults', 'saved', 'prefetched', 'useful', 'wasted', 'waste %'];
  const body = rows.map((r) => [
    r.predictor === 'none' ? 'none (demand)' : r.predictor,
    String(r.pages),
    String(r.faults),
    String(r.saved),
    String(r.prefetched),
    String(r.useful),
    String(r.wasted),
    r.prefetched === 0 ? '-' : r.wastePct.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}
