/**
 * `pagewise stat` against Debian's ministat (/usr/bin/ministat) on generated data: every line of the
 * output (legend, plot, summary table, difference block) must be identical, over many sizes, ties,
 * magnitudes, 2-7 files, every -c level, -n/-q/-s and widths. Skipped when ministat is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs, runCli } from '../helpers/cli.js';
import { rng } from '../helpers/rng.js';

const skip = needs('ministat');

type Gen = (r: () => number, n: number) => string[];
const GENS: Record<string, Gen> = {
  normalish: (r, n) => Array.from({ length: n }, () => String(100 + (r() + r() + r() - 1.5) * 20)),
  integersWithTies: (r, n) => Array.from({ length: n }, () => String(Math.floor(r() * 6))),
  bigTimesNs: (r, n) => Array.from({ length: n }, () => String(1_234_000_000 + Math.floor(r() * 5000))),
  tinyNegative: (r, n) => Array.from({ length: n }, () => (r() * 2e-6 - 1e-6).toExponential(6)),
  shifted: (r, n) => Array.from({ length: n }, () => String(150 + (r() - 0.5) * 10)),
  skewed: (r, n) => Array.from({ length: n }, () => String(Math.exp(r() * 6).toFixed(3))),
};

function ministat(args: string[], cwd: string): string {
  const r = spawnSync('ministat', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `ministat ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('stat prints what ministat prints, plot included, on 120 generated cases', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-stat-'));
  try {
    const r = rng(20261123);
    const names = Object.keys(GENS);
    const levels = ['80', '90', '95', '98', '99', '99.5'];
    let compared = 0;
    const proven = new Set<string>();
    for (let c = 0; c < 120; c++) {
      const nFiles = 2 + Math.floor(r() * (c % 10 === 0 ? 6 : 3));
      const gen = GENS[names[Math.floor(c / 6) % names.length]]; // every generator meets every level
      const files: string[] = [];
      for (let f = 0; f < nFiles; f++) {
        // sizes from 3 up to ~70 (so n1 + n2 - 2 crosses 100: ministat's infinite-df row)
        const n = 3 + Math.floor(r() * (c % 3 === 0 ? 70 : 12));
        let lines = gen(r, n);
        if (f > 0 && c % 4 < 2) lines = lines.map((l) => String(Number(l) * (1 + 0.3 * f)));
        const name = `d${c}_${f}.txt`;
        writeFileSync(join(dir, name), lines.join('\n') + '\n');
        files.push(name);
      }
      const opts = ['-c', levels[c % levels.length]];
      if (c % 7 === 3) opts.push('-s');
      if (c % 11 === 5) opts.push('-A'); // Debian's ministat spells FreeBSD's -q as -A
      if (c % 13 === 6) opts.push('-n');
      if (c % 4 === 1) opts.push('-w', String(30 + (c % 50)));
      const want = ministat([...opts, ...files], dir);
      const got = await runCli(['stat', ...opts, ...files], dir);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout, want, `case ${c}: stat ${opts.join(' ')} ${files.join(' ')}`);
      compared++;
      if (want.includes('Difference at')) proven.add(levels[c % levels.length]);
    }
    assert.equal(compared, 120);
    // every level printed at least one difference block, so every t value was checked
    assert.deepEqual([...proven].sort(), [...levels].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stat -C and -d pick the column as ministat does (comments, blank lines, delimiter runs)', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-stat-'));
  try {
    writeFileSync(join(dir, 'a.csv'), '# run,time\n1,10.5,x\n2,,11.25\n\n3,12,y\n4,9.75\n5,#c,1\n6,10\n');
    writeFileSync(join(dir, 'b.csv'), '1,20\n2,21.5\n3,19\n4,22\n');
    for (const opts of [['-C', '2', '-d', ','], ['-C', '1', '-d', ','], ['-C', '2', '-d', ',;']]) {
      const want = ministat([...opts, 'a.csv', 'b.csv'], dir);
      const got = await runCli(['stat', ...opts, 'a.csv', 'b.csv'], dir);
      assert.equal(got.stdout, want, opts.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
