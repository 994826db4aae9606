/**
 * Is a sample different from a reference? Student's t test with pooled standard deviation, as
 * ministat's "Difference at 95.0% confidence" block computes it.
 *
 * difference(sample, reference, level, mode) returns the difference of the means (sample - reference),
 * its confidence half-interval, both as percentages of the reference mean, the pooled s, and whether
 * the difference is proven (|diff| > interval). compare(reference, sample, level) is the entry the
 * bench report uses: the sample's summary (true median, two-pass variance, exact t) and the difference
 * (null when not proven). Pure.
 */
import { summarize, type Method, type Summary } from './summary.js';
import { tCritical, type TMode } from './student.js';

export interface Difference {
  diff: number;
  ci: number;
  pct: number;
  pctCi: number;
  pooledS: number;
  t: number;
  proven: boolean;
}

export function difference(sample: Summary, reference: Summary, level: number, mode: TMode = 'exact'): Difference {
  const ds = sample;
  const rs = reference;
  const df = ds.n + rs.n - 2;
  const t = tCritical(level, df, mode);
  let spool = (ds.n - 1) * ds.variance + (rs.n - 1) * rs.variance;
  spool /= ds.n + rs.n - 2;
  spool = Math.sqrt(spool);
  const s = spool * Math.sqrt(1.0 / ds.n + 1.0 / rs.n);
  const d = ds.mean - rs.mean;
  const e = t * s;
  return {
    diff: d,
    ci: e,
    pct: (d * 100) / rs.mean,
    pctCi: (e * 100) / rs.mean,
    pooledS: spool,
    t,
    proven: Math.abs(d) > e,
  };
}

export interface Comparison {
  n: number;
  min: number;
  max: number;
  median: number;
  mean: number;
  stddev: number;
  level: number;
  difference: { diff: number; ci: number; pct: number; pctCi: number; pooledS: number } | null;
}

export function compare(reference: ArrayLike<number>, sample: ArrayLike<number>, level = 95, method: Method = 'exact'): Comparison {
  const rs = summarize(reference, method);
  const ds = summarize(sample, method);
  const d = difference(ds, rs, level, method === 'ministat' ? 'ministat' : 'exact');
  return {
    n: ds.n,
    min: ds.min,
    max: ds.max,
    median: method === 'ministat' ? ds.medianUpper : ds.median,
    mean: ds.mean,
    stddev: ds.stddev,
    level,
    difference: d.proven ? { diff: d.diff, ci: d.ci, pct: d.pct, pctCi: d.pctCi, pooledS: d.pooledS } : null,
  };
}
