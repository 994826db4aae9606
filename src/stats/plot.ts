/**
 * ministat's ASCII distribution plot: renderPlot(sets, width, separateBars) -> the lines between and
 * including the two +----+ rules, or "[no plot, span is zero width]".
 *
 * Same arithmetic as FreeBSD ministat (C int truncation of (v - x0) / dx), so the picture is the one
 * ministat draws: one column per 1/(width-1) of the span, a pile of symbols per column (x + * % # @ O;
 * overlapping series OR their numbers, so x and + in one cell print as *), and a bar line per plot (or
 * per set with separateBars) with |___| over mean +/- stddev, A at the mean and M at the (upper) median.
 * Kept from ministat on purpose: the pile height is the LAST set's, so a higher pile of an earlier set
 * loses its top rows (ministat's realloc bookkeeping). Pure.
 */
import type { Summary } from './summary.js';

export const SYMBOLS = [' ', 'x', '+', '*', '%', '#', '@', 'O'];

export function renderPlot(sets: readonly Summary[], width: number, separateBars = false): string[] {
  let min = 999e99;
  let max = -999e99;
  let span = 0;
  let dx = 0;
  let x0 = 0;
  const adj = (a: number) => {
    if (a < min) min = a;
    if (a > max) max = a;
    span = max - min;
    dx = span / (width - 1.0);
    x0 = min - 0.5 * dx;
  };
  for (const ds of sets) {
    adj(ds.min);
    adj(ds.max);
    adj(ds.mean - ds.stddev);
    adj(ds.mean + ds.stddev);
  }
  if (span === 0) return ['[no plot, span is zero width]'];

  const col = (v: number) => Math.trunc((v - x0) / dx);
  const rows: Uint8Array[] = []; // rows[j][x]: OR of set numbers piled j high at column x
  let height = 0;
  const bars: (string[] | undefined)[] = [];
  const put = (bar: string[], x: number, c: string) => {
    if (x >= 0 && x < width) bar[x] = c;
  };
  sets.forEach((ds, k) => {
    const val = k + 1;
    const b = separateBars ? k : 0;
    bars[b] ??= new Array<string>(width).fill('');
    const bar = bars[b]!;
    let m = 1;
    let i = -1;
    let j = 0;
    for (const v of ds.sorted) {
      const x = col(v);
      if (x === i) {
        j++;
        if (j > m) m = j;
      } else {
        j = 1;
        i = x;
      }
    }
    m += 1;
    if (m > height) for (let r = height; r < m; r++) rows[r] = new Uint8Array(width);
    height = m;
    i = -1;
    for (const v of ds.sorted) {
      const x = col(v);
      if (x === i) j++;
      else {
        j = 1;
        i = x;
      }
      if (x >= 0 && x < width) rows[j][x] |= val;
    }
    if (!Number.isNaN(ds.stddev)) {
      const lo = col(ds.mean - ds.stddev);
      const hi = col(ds.mean + ds.stddev);
      put(bar, hi, '|');
      put(bar, lo, '|');
      for (let x = lo + 1; x < hi; x++) if (x >= 0 && x < width && bar[x] === '') bar[x] = '_';
    }
    put(bar, col(ds.medianUpper), 'M');
    put(bar, col(ds.mean), 'A');
  });

  const rule = '+' + '-'.repeat(width) + '+';
  const out = [rule];
  for (let r = height - 1; r >= 1; r--) {
    let line = '|';
    for (let x = 0; x < width; x++) line += SYMBOLS[rows[r][x]];
    out.push(line + '|');
  }
  for (const bar of bars) {
    if (bar) out.push('|' + bar.map((c) => c || ' ').join('') + '|');
  }
  out.push(rule);
  return out;
}
