/**
 * The text `pagewise stat` prints, line for line what FreeBSD ministat prints for the same data:
 * the legend ("x name"), the plot (unless noPlot), the summary table, and for each set after the
 * first the difference against the first ("Difference at 95.0% confidence" with the difference,
 * the percent and the pooled s, or "No difference proven at 95.0% confidence"), unless summaryOnly.
 *
 * renderMinistat(sets, options) takes named value arrays in input order and computes with ministat's
 * own arithmetic (summary method 'ministat', t from its table via student.ts). Pure.
 */
import { difference } from './compare.js';
import { formatF, formatG } from './format.js';
import { renderPlot, SYMBOLS } from './plot.js';
import { summarize, type Summary } from './summary.js';

export interface DataSet {
  name: string;
  values: ArrayLike<number>;
}

export interface MinistatOptions {
  /** Percent, one of 80 90 95 98 99 99.5. */
  confidence?: number;
  /** Plot width in columns (ministat: 74, or the terminal's width). */
  width?: number;
  /** -n: the summary table only, no plot, no difference. */
  summaryOnly?: boolean;
  /** -q: no plot, but the summary and the difference. */
  noPlot?: boolean;
  /** -s: one A/M bar line per set. */
  separateBars?: boolean;
}

export const MAX_SETS = SYMBOLS.length - 1;

export function vitalsLine(symbol: string, s: Summary): string {
  const g = (v: number) => formatG(v, 8, 13);
  return `${symbol} ${String(s.n).padStart(3)} ${g(s.min)} ${g(s.max)} ${g(s.medianUpper)} ${g(s.mean)} ${g(s.stddev)}`;
}

export function relativeLines(sample: Summary, reference: Summary, confidence: number): string[] {
  const d = difference(sample, reference, confidence, 'ministat');
  const level = formatF(confidence, 1);
  if (!d.proven) return [`No difference proven at ${level}% confidence`];
  return [
    `Difference at ${level}% confidence`,
    `\t${formatG(d.diff)} +/- ${formatG(d.ci)}`,
    `\t${formatG(d.pct)}% +/- ${formatG(d.pctCi)}%`,
    `\t(Student's t, pooled s = ${formatG(d.pooledS)})`,
  ];
}

export function renderMinistat(sets: readonly DataSet[], options: MinistatOptions = {}): string {
  const confidence = options.confidence ?? 95;
  const sums = sets.map((s) => summarize(s.values, 'ministat'));
  const out: string[] = sets.map((s, i) => `${SYMBOLS[i + 1]} ${s.name}`);
  if (!options.summaryOnly && !options.noPlot) out.push(...renderPlot(sums, options.width ?? 74, options.separateBars));
  out.push('    N           Min           Max        Median           Avg        Stddev');
  out.push(vitalsLine(SYMBOLS[1], sums[0]));
  for (let i = 1; i < sums.length; i++) {
    out.push(vitalsLine(SYMBOLS[i + 1], sums[i]));
    if (!options.summaryOnly) out.push(...relativeLines(sums[i], sums[0], confidence));
  }
  return out.join('\n') + '\n';
}

/** The bench report's text for one comparison: the plot, the two vitals lines and the verdict. */
export function renderComparison(reference: DataSet, sample: DataSet, confidence = 95, width = 74): string {
  return renderMinistat([reference, sample], { confidence, width });
}
