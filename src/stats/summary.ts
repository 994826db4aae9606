/**
 * Summary statistics of one data set: N, min, max, medians, mean, standard deviation.
 *
 * summarize(values, method) takes the values in the order they were read (not necessarily sorted)
 * and never mutates them. 'ministat' computes exactly as FreeBSD ministat does (running sums of y and
 * y^2 in input order, variance (syy - sy^2/n)/(n-1), median = the upper of the two middle values);
 * 'exact' (the default, for reports) uses two passes for the variance, which keeps its digits when
 * the spread is tiny against the mean (times in ns). `median` is always the true median (mean of the
 * two middle values of an even count); `medianUpper` is ministat's. Needs n >= 1 (n >= 2 for a
 * finite stddev); the caller checks the count (STAT_TOO_FEW).
 */

export type Method = 'ministat' | 'exact';

export interface Summary {
  n: number;
  min: number;
  max: number;
  /** True median. */
  median: number;
  /** The value at index floor(n/2) of the sorted set: ministat's median. */
  medianUpper: number;
  mean: number;
  variance: number;
  stddev: number;
  /** The values sorted ascending (a copy). */
  sorted: Float64Array;
}

export function summarize(values: ArrayLike<number>, method: Method = 'exact'): Summary {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  let mean: number;
  let variance: number;
  if (method === 'ministat') {
    let sy = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
      const a = values[i];
      sy += a;
      syy += a * a;
    }
    mean = sy / n;
    variance = (syy - (sy * sy) / n) / (n - 1.0);
  } else {
    let sy = 0;
    for (let i = 0; i < n; i++) sy += values[i];
    mean = sy / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
    variance = ss / (n - 1);
  }
  const mid = n >> 1;
  return {
    n,
    min: sorted[0],
    max: sorted[n - 1],
    median: n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    medianUpper: sorted[mid],
    mean,
    variance,
    stddev: Math.sqrt(variance),
    sorted,
  };
}
