/**
 * `pagewise predict` on traces written in the test (src/trace/writer.ts): the table's counts for a
 * hand-derived sequential case, region limits, --json, skipped prefetched records; bad input with
 * exact codes and exit 2; a fuzz of damaged traces (only coded errors).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { encodeTrace, decodeTrace, FAULT_PREFETCHED, type TraceRecord } from '../../src/trace/format.js';
import { faultPages, validPages } from '../../src/predict/trace-input.js';
import { predictTable } from '../../src/predict/table.js';
import { PREDICTOR_NAMES } from '../../src/predict/kinds.js';
import { isPagewiseError } from '../../src/errors.js';
import { rng } from '../helpers/rng.js';

const BASE = 0x4000_0000; // page 0x40000
const P0 = BASE / 4096;

function traceOf(pages: number[], opts: { region?: [number, number]; end?: boolean; prefetched?: number[] } = {}): Buffer {
  const recs: TraceRecord[] = [];
  if (opts.region) {
    recs.push({ type: 'regionAdd', id: 1, t: 0, start: opts.region[0] * 4096, end: opts.region[1] * 4096, offset: 0, inode: 0, prot: 3, cause: 0, name: '[bss]' });
  }
  pages.forEach((p, i) => recs.push({ type: 'fault', tid: 1, t: i, addr: p * 4096 + 8, ip: 0x401000, flags: 1, region: opts.region ? 1 : 0 }));
  for (const p of opts.prefetched ?? []) recs.push({ type: 'fault', tid: 1, t: 1e6, addr: p * 4096, ip: 0, flags: FAULT_PREFETCHED, region: 0 });
  if (opts.end !== false) recs.push({ type: 'end', t: 1e6, faults: pages.length, lost: 0 });
  return encodeTrace({ source: 2, info: { argv: ['seqscan'] } }, recs);
}

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-predcli-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const seq100 = Array.from({ length: 100 }, (_, i) => P0 + i);

test('predict --json: adaptive P=2 on 100 sequential pages inside a 100-page region', withDir(async (dir) => {
  writeFileSync(join(dir, 't.pwt'), traceOf(seq100, { region: [P0, P0 + 100], prefetched: [P0 + 500] }));
  const r = await runCli(['predict', 't.pwt', '--predictor', 'adaptive,next', '--pages', '2,3', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.faults, 100); // the PREFETCHED record is not a fault of the program
  assert.equal(j.regions, 1);
  const row = (p: string, w: number) => j.rows.find((x: { predictor: string; pages: number }) => x.predictor === p && x.pages === w);
  // demand: 100 faults. adaptive P=2: faults 0,1,2,4,7,12,21,38,71 (see replay.test.ts); the window
  // past page 99 is outside the region, so nothing is wasted
  assert.deepEqual([row('none', 1).faults, row('none', 1).prefetched], [100, 0]);
  const a = row('adaptive', 2);
  assert.deepEqual([a.faults, a.saved, a.prefetched, a.useful, a.wasted], [9, 91, 91, 91, 0]);
  // next P=3: a fault every 3 pages (0,3,...,99): 34 faults, 66 useful; 99's proposals 100,101 are outside
  const n = row('next', 3);
  assert.deepEqual([n.faults, n.saved, n.prefetched, n.useful, n.wasted], [34, 66, 66, 66, 0]);
}));

test('predict prints the table; --no-regions lets the window run past the region', withDir(async (dir) => {
  writeFileSync(join(dir, 't.pwt'), traceOf(seq100, { region: [P0, P0 + 100] }));
  const r = await runCli(['predict', 't.pwt', '--predictor', 'adaptive', '--pages', '2', '--no-regions'], dir);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 't.pwt: 100 faults, 100 distinct pages, prefetch not limited to regions');
  assert.match(lines[1], /^predictor\s+pages\s+faults\s+saved\s+prefetched\s+useful\s+wasted\s+waste %$/);
  assert.match(lines[2], /^none \(demand\)\s+1\s+100\s+0\s+0\s+0\s+0\s+-$/);
  assert.match(lines[3], /^adaptive\s+2\s+9\s+91\s+127\s+91\s+36\s+28\.3$/);
}));

test('predict bad input: unknown predictor, bad window, not a trace, damaged, empty: exit 2', withDir(async (dir) => {
  writeFileSync(join(dir, 't.pwt'), traceOf(seq100));
  let r = await runCli(['predict', 't.pwt', '--predictor', 'lru'], dir);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "pagewise predict: unknown predictor 'lru'; use one of next, stride, history, adaptive (or all) [PREDICT_UNKNOWN]\n");
  for (const w of ['0', '65', 'two']) {
    r = await runCli(['predict', 't.pwt', '--pages', w], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\[PREDICT_BAD_PAGES\]\n$/);
  }
  writeFileSync(join(dir, 'not.pwt'), 'hello, world, this is not a trace at all; 48 bytes or more\n');
  r = await runCli(['predict', 'not.pwt'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\[TRACE_BAD_MAGIC\]\n$/);
  const good = traceOf(seq100);
  writeFileSync(join(dir, 'cut.pwt'), good.subarray(0, good.length - 52)); // cut inside a FAULT record
  r = await runCli(['predict', 'cut.pwt'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pagewise predict: cut\.pwt: the file ends inside a record .* at offset \d+; .*--allow-damaged.* \[PREDICT_BAD_TRACE\]\n$/);
  r = await runCli(['predict', 'cut.pwt', '--allow-damaged', '--json', '--predictor', 'next'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).faults, 99); // END (32 bytes) and 20 of the last FAULT cut off
  writeFileSync(join(dir, 'empty.pwt'), traceOf([]));
  r = await runCli(['predict', 'empty.pwt'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no FAULT records to replay.*\[PREDICT_NO_FAULTS\]\n$/);
  r = await runCli(['predict', 'missing.pwt'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\[FILE_NOT_FOUND\]\n$/);
}));

test('fuzz: damaged traces only ever give coded errors or a replay', () => {
  const r = rng(5);
  const good = traceOf([...seq100, ...Array.from({ length: 50 }, (_, i) => P0 + 400 + i * 7)], { region: [P0, P0 + 1000] });
  for (let i = 0; i < 400; i++) {
    const b = Buffer.from(good);
    const edits = 1 + Math.floor(r() * 8);
    for (let k = 0; k < edits; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    const cut = r() < 0.3 ? b.subarray(0, Math.floor(r() * b.length)) : b;
    try {
      const t = decodeTrace(cut, 'fuzz');
      const pages = faultPages(t);
      const rows = predictTable(pages, PREDICTOR_NAMES, [2, 3], validPages(t));
      for (const row of rows) assert.ok(row.useful <= row.prefetched && row.faults <= row.demandFaults);
    } catch (e) {
      assert.ok(isPagewiseError(e), String(e));
    }
  }
});
