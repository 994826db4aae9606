/**
 * The README's promise: `pagewise tour` runs the whole job on the bundled workloads, every step ends
 * as expected (the NULL dereference with 139), and the page it writes links the trace and bench reports.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pagewise-tour-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('pagewise tour: every step as expected, and index.html with the trace and bench reports', () => {
  const r = runBin(['tour', '-o', join(dir, 't')], { timeout: 600_000 });
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const m = /tour: (\d+) of (\d+) steps as expected/.exec(r.stdout);
  assert.ok(m && m[1] === m[2] && Number(m[1]) >= 15, r.stdout.slice(-500));
  for (const part of ['Inspect', 'Load', 'Trace', 'Checkpoint', 'Measure']) assert.match(r.stdout, new RegExp(`^== ${part}: `, 'm'));
  assert.match(r.stdout, /the restarted run ended exactly as the uninterrupted one: counter done \d+/);
  const html = readFileSync(join(dir, 't', 'index.html'), 'utf8');
  assert.match(html, /<a href="trace\.html">/);
  assert.match(html, /<a href="bench\/bench\.html">/);
  assert.doesNotMatch(html, /class="bad"/);
  assert.match(html, /<h2>What the benchmark found<\/h2><ul><li><b>faster loaded all at once than demand-paged<\/b>/);
  for (const f of ['trace.html', 'bench/bench.html', 'stride.pwtrace', 'counter.ckpt']) assert.ok(existsSync(join(dir, 't', f)), f);
});
