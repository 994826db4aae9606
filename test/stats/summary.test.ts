/** Summary statistics and compare(): true vs ministat median, the two variance methods, the t test. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize } from '../../src/stats/summary.js';
import { compare } from '../../src/stats/compare.js';
import { renderComparison } from '../../src/stats/ministat.js';

test('median: true median for reports, the upper middle value for ministat', () => {
  const s = summarize([4, 1, 3, 2]);
  assert.equal(s.median, 2.5);
  assert.equal(s.medianUpper, 3);
  assert.equal(s.min, 1);
  assert.equal(s.max, 4);
  assert.equal(s.mean, 2.5);
  assert.ok(Math.abs(s.stddev - Math.sqrt(5 / 3)) < 1e-15);
  assert.equal(summarize([5, 1, 3]).median, 3);
});

test('exact variance keeps its digits where the running sums lose them', () => {
  const xs = [1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4];
  assert.ok(Math.abs(summarize(xs, 'exact').variance - 5 / 3) < 1e-9);
  // ministat's syy - sy^2/n cancels catastrophically at this magnitude
  assert.notEqual(summarize(xs, 'ministat').variance, 5 / 3);
});

test('compare: difference proven, with interval, percent and pooled s; null when not proven', () => {
  // Hand computation: means 10 and 12, both variances 1 (n=5), pooled s = 1, s = sqrt(2/5),
  // t(0.975, 8) = 2.306004, interval = 2.306004 * 0.632456 = 1.458445 (ministat: t = 2.306, 1.458443)
  const ref = [10 - Math.SQRT2, 10, 10, 10, 10 + Math.SQRT2];
  const smp = ref.map((x) => x + 2);
  const c = compare(ref, smp, 95);
  assert.equal(c.n, 5);
  assert.ok(c.difference);
  assert.ok(Math.abs(c.difference.diff - 2) < 1e-12);
  assert.ok(Math.abs(c.difference.pooledS - 1) < 1e-12);
  assert.ok(Math.abs(c.difference.ci - 1.458445) < 1e-6);
  assert.ok(Math.abs(c.difference.pct - 20) < 1e-10);
  assert.ok(Math.abs(c.difference.pctCi - 14.58445) < 1e-5);
  assert.equal(compare(ref, ref.map((x) => x + 1), 95).difference, null);
  const text = renderComparison({ name: 'direct', values: ref }, { name: 'demand', values: smp });
  assert.match(text, /^x direct\n\+ demand\n/);
  assert.match(text, /Difference at 95\.0% confidence\n\t2 \+\/- 1\.45844\n\t20% \+\/- 14\.5844%\n\t\(Student's t, pooled s = 1\)\n$/);
});
