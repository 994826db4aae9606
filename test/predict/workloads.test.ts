/**
 * `pagewise predict` on real traces: the bundled workloads traced with `pagewise trace` (perf), then
 * replayed. seqscan: adaptive cuts the handled faults >= 8x; randtouch (purely random touches): adaptive
 * wastes < 10% of what it prefetches, or prefetches next to nothing (under 1% of the faults). The replayed fault count equals the
 * trace's own FAULT records (the predict side reads the same trace the tracer wrote).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE, needs, runBin } from '../helpers/cli.js';

function traceAndPredict(dir: string, name: string, args: string[]) {
  const out = join(dir, `${name}.pwt`);
  const t = runBin(['trace', '-o', out, '--', join(NATIVE, 'workloads', name), ...args]);
  assert.equal(t.code, 0, t.stderr);
  const p = runBin(['predict', out, '--predictor', 'adaptive,next', '--pages', '2,3', '--json']);
  assert.equal(p.code, 0, p.stderr);
  return JSON.parse(p.stdout) as { faults: number; rows: { predictor: string; pages: number; faults: number; demandFaults: number; prefetched: number; wastePct: number }[] };
}

test('real workloads: adaptive >= 8x fewer faults on seqscan, < 10% waste on randtouch', { skip: needs('perf', 'linux-perf') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-predwl-'));
  try {
    const seq = traceAndPredict(dir, 'seqscan', ['4096']);
    assert.ok(seq.faults >= 4096, `seqscan traced ${seq.faults} faults`);
    for (const row of seq.rows.filter((r) => r.predictor === 'adaptive')) {
      assert.ok(row.demandFaults / row.faults >= 8, `seqscan adaptive P=${row.pages}: ${row.demandFaults} / ${row.faults}`);
    }
    const rnd = traceAndPredict(dir, 'randtouch', ['8192', '2048']);
    for (const row of rnd.rows.filter((r) => r.predictor === 'adaptive')) {
      const ok = row.wastePct < 10 || row.prefetched <= 0.01 * row.demandFaults;
      assert.ok(ok, `randtouch adaptive P=${row.pages}: ${row.wastePct}% of ${row.prefetched} wasted, ${row.demandFaults} faults`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
