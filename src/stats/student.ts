/**
 * Student's t quantiles for the confidence levels ministat offers, from jstat (no hand-written
 * distribution code).
 *
 * tCritical(level, df, mode): the two-sided critical value for `level` percent confidence with `df`
 * degrees of freedom. mode 'exact' is the true quantile t(1 - (1 - level/100)/2, df). mode 'ministat'
 * reproduces FreeBSD ministat's table: the quantile rounded to 3 decimals, the normal quantile when
 * df > 100, and, for 99.5%, the 0.999 quantile (ministat's table row for 99.5 holds t(0.999), i.e. 99.8%
 * two-sided: a known quirk kept so `pagewise stat` prints the numbers ministat prints). Six entries
 * of that 99.5 row differ from the rounded quantile (df 7..12: ministat's table is off by 0.001-0.003);
 * MINISTAT_ERRATA holds ministat's values for them, found by probing /usr/bin/ministat at every level
 * and df 4..101 (test/stats/student.test.ts repeats the probe). Every other entry is jstat's quantile.
 */
import jstat from 'jstat';
import { PagewiseError } from '../errors.js';

const { jStat } = jstat; // CommonJS module: only its default export is importable

export const CONFIDENCE_LEVELS = [80, 90, 95, 98, 99, 99.5] as const;
export type TMode = 'ministat' | 'exact';

/** Throws STAT_BAD_CONFIDENCE unless level is one of CONFIDENCE_LEVELS. */
export function checkConfidence(level: number): number {
  if (!(CONFIDENCE_LEVELS as readonly number[]).includes(level)) {
    throw new PagewiseError('STAT_BAD_CONFIDENCE', `confidence level ${level}% is not supported`);
  }
  return level;
}

/** ministat's 99.5% row where it is not t(0.999, df) rounded to 3 decimals. */
const MINISTAT_ERRATA: Record<number, number> = { 7: 4.782, 8: 4.499, 9: 4.296, 10: 4.143, 11: 4.024, 12: 3.929 };

export function tCritical(level: number, df: number, mode: TMode = 'exact'): number {
  checkConfidence(level);
  if (mode === 'exact') return jStat.studentt.inv(1 - (1 - level / 100) / 2, df);
  if (level === 99.5 && MINISTAT_ERRATA[df] !== undefined) return MINISTAT_ERRATA[df];
  const p = level === 99.5 ? 0.999 : 1 - (1 - level / 100) / 2;
  const t = df > 100 ? jStat.normal.inv(p, 0, 1) : jStat.studentt.inv(p, df);
  return Math.round(t * 1000) / 1000;
}
