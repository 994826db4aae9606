/**
 * The t critical values: 'ministat' mode must be the value Debian's ministat uses for every level and
 * every df it can meet (4..101; > 100 is its normal row), read back from its "+/-" line on crafted data;
 * 'exact' mode must be the true quantile (checked against known table values).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../helpers/cli.js';
import { CONFIDENCE_LEVELS, tCritical } from '../../src/stats/student.js';
import { summarize } from '../../src/stats/summary.js';
import { difference } from '../../src/stats/compare.js';
import { formatG } from '../../src/stats/format.js';

test('ministat-mode t equals the t ministat uses, every level, df 4..101', { skip: needs('ministat') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-t-'));
  try {
    const a = [1, 2, 3];
    writeFileSync(join(dir, 'a'), a.join('\n') + '\n');
    for (let df = 4; df <= 101; df++) {
      const b = Array.from({ length: df - 1 }, (_, i) => 1000 + (i % 3));
      writeFileSync(join(dir, 'b'), b.join('\n') + '\n');
      for (const level of CONFIDENCE_LEVELS) {
        const r = spawnSync('ministat', ['-A', '-c', String(level), 'a', 'b'], { cwd: dir, encoding: 'utf8' });
        const m = /\t\S+ \+\/- (\S+)\n/.exec(r.stdout);
        assert.ok(m, r.stdout + r.stderr);
        const d = difference(summarize(b, 'ministat'), summarize(a, 'ministat'), level, 'ministat');
        assert.equal(formatG(d.ci), m[1], `df ${df} level ${level}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exact-mode t is the true two-sided quantile', () => {
  // textbook values: t(0.975, 10) = 2.228139, t(0.995, 5) = 4.032143, t(0.9975, 20) = 3.153401
  assert.ok(Math.abs(tCritical(95, 10) - 2.228139) < 1e-6);
  assert.ok(Math.abs(tCritical(99, 5) - 4.032143) < 1e-6);
  assert.ok(Math.abs(tCritical(99.5, 20) - 3.153401) < 1e-6);
  assert.equal(tCritical(95, 10, 'ministat'), 2.228);
  assert.equal(tCritical(95, 500, 'ministat'), 1.96);
  assert.throws(() => tCritical(97, 10), { code: 'STAT_BAD_CONFIDENCE' });
});
