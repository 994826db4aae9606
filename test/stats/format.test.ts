/**
 * formatG against a correctly rounded printf (Python's % operator, which rounds the exact binary value
 * half to even as glibc does) on 20000 doubles of every magnitude, including exact ties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { needs } from '../helpers/cli.js';
import { formatF, formatG } from '../../src/stats/format.js';
import { rng } from '../helpers/rng.js';

test('formatG agrees with printf %g and %13.8g', { skip: needs('python3') }, () => {
  const r = rng(7);
  const xs: number[] = [0, -0, 1, -1, 0.5, 2.5, 1234565, 12345675, 123456785, 0.0001, 0.00001, 1e-5, 99999.95, 999999.5, 1e21, 5e-324, 1.7976931348623157e308];
  for (let i = 0; i < 20000; i++) {
    const kind = i % 4;
    if (kind === 0) xs.push((r() - 0.5) * 10 ** Math.floor(r() * 40 - 20));
    else if (kind === 1) xs.push(Math.floor(r() * 1e9) * (r() < 0.5 ? -1 : 1)); // integers: ties at %g
    else if (kind === 2) xs.push(Math.floor(r() * 1e6) / 8); // exact binary fractions: ties
    else xs.push(r() * 1e3);
  }
  const py = spawnSync('python3', ['-c', 'import sys\nfor l in sys.stdin:\n x=float.fromhex(l)\n print("%g|%13.8g|%.1f" % (x, x, x))'], {
    input: xs.map((x) => (Object.is(x, -0) ? '-0x0p+0' : hex(x))).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(py.status, 0, py.stderr);
  const lines = py.stdout.trimEnd().split('\n');
  assert.equal(lines.length, xs.length);
  xs.forEach((x, i) => {
    assert.equal(`${formatG(x)}|${formatG(x, 8, 13)}|${formatF(x, 1)}`, lines[i], `x = ${x}`);
  });
});

/** A double as a C99 hex float literal (exact). */
function hex(x: number): string {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const bits = dv.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const e = Number((bits >> 52n) & 0x7ffn);
  const m = bits & ((1n << 52n) - 1n);
  if (e === 0) return `${sign}0x0.${m.toString(16).padStart(13, '0')}p-1022`;
  return `${sign}0x1.${m.toString(16).padStart(13, '0')}p${e - 1023}`;
}

test('formatG prints NaN and infinities as glibc does for ministat', () => {
  assert.equal(formatG(NaN), '-nan');
  assert.equal(formatG(Infinity, 8, 13), '          inf');
  assert.equal(formatG(-Infinity), '-inf');
});
