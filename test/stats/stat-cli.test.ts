/** `pagewise stat` bad input: one line on stderr, exit 2, exact codes; --json; a fuzzed column parser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runAsUser, unprivilegedSkip } from '../helpers/cli.js';
import { parseColumn } from '../../src/stats/parse.js';
import { isPagewiseError } from '../../src/errors.js';
import { rng } from '../helpers/rng.js';

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-statcli-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('a non-numeric line names file and line, exit 2, one line', withDir(async (dir) => {
  writeFileSync(join(dir, 'a'), '1\n2\n# note\n3x\n4\n');
  const r = await runCli(['stat', 'a'], dir);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "pagewise stat: a: line 4: '3x' is not a number; each line must hold one number in the chosen column (-C, -d); # starts a comment [STAT_NOT_NUMBER]\n");
  assert.equal(r.stdout, '');
}));

test('fewer than 2 values, a missing file, a bad level, too many files: coded, exit 2', withDir(async (dir) => {
  writeFileSync(join(dir, 'one'), '# only\n5\n');
  writeFileSync(join(dir, 'two'), '5\n6\n');
  let r = await runCli(['stat', 'one'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pagewise stat: one: 1 value, need at least 2; .*\[STAT_TOO_FEW\]\n$/);
  r = await runCli(['stat', 'nope'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\[FILE_NOT_FOUND\]\n$/);
  r = await runCli(['stat', '-c', '97', 'two'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /confidence level 97% is not supported; use one of -c 80, 90, 95, 98, 99, 99\.5 \[STAT_BAD_CONFIDENCE\]/);
  r = await runCli(['stat', ...Array(8).fill('two')], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /at most 7 files, got 8.*\[USAGE\]/);
  r = await runCli(['stat', '-w', 'x', 'two'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\[USAGE\]/);
}));

test('an unreadable file is FILE_UNREADABLE for an ordinary user', { skip: unprivilegedSkip() }, withDir(async (dir) => {
  const f = join(dir, 'secret');
  writeFileSync(f, '1\n2\n3\n');
  chmodSync(f, 0o600);
  chmodSync(dir, 0o755);
  if (process.getuid?.() === 0) {
    const { packageCopyForUser } = await import('../helpers/cli.js');
    const root = packageCopyForUser();
    const r = runAsUser(['node', join(root, 'dist/src/cli/bin.js'), 'stat', f]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /permission denied.*\[FILE_UNREADABLE\]\n$/);
  } else {
    const r = await runCli(['stat', f], dir);
    assert.equal(r.code, 0); // our own file: readable
  }
}));

test('--json gives both medians and the difference', withDir(async (dir) => {
  writeFileSync(join(dir, 'a'), '1\n2\n3\n4\n');
  writeFileSync(join(dir, 'b'), '11\n12\n13\n14\n');
  const r = await runCli(['stat', '--json', 'a', 'b'], dir);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.sets[0].median, 2.5);
  assert.equal(j.sets[0].medianUpper, 3);
  assert.equal(j.sets[1].difference.diff, 10);
  assert.equal(j.sets[1].difference.t, 2.447);
}));

test('fuzz: the column parser only returns numbers or throws STAT_NOT_NUMBER', () => {
  const r = rng(99);
  const alphabet = '0123456789.-+eE# \t,\nxa\r';
  const seeds = ['1\n2\n3\n', '1.5e3 x\n# c\n-2\n', '1,2,3\n4,5,6\n'];
  for (let i = 0; i < 5000; i++) {
    let s = seeds[i % seeds.length];
    const edits = 1 + Math.floor(r() * 6);
    for (let k = 0; k < edits; k++) {
      const pos = Math.floor(r() * (s.length + 1));
      const op = r();
      const ch = alphabet[Math.floor(r() * alphabet.length)];
      if (op < 0.4) s = s.slice(0, pos) + ch + s.slice(pos);
      else if (op < 0.7) s = s.slice(0, pos) + s.slice(pos + 1);
      else s = s.slice(0, Math.floor(r() * s.length)); // truncation
    }
    try {
      const v = parseColumn(s, 'f', 1 + (i % 3), i % 2 ? ' \t' : ',');
      assert.ok(v.every((x) => Number.isFinite(x)));
    } catch (e) {
      assert.ok(isPagewiseError(e) && e.code === 'STAT_NOT_NUMBER', String(e));
    }
  }
});
