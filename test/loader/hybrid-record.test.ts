/**
 * `pagewise run --record FILE` (demand and hybrid): the loader writes the faults it handled in the trace
 * format (docs/formats/trace.md, source 2), read back here with src/trace/read.ts. Checked against the
 * loader's own counters from the same run (--stats=json) and against the pages the workload must touch,
 * computed from its `big` array's address (readelf -s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE, needs, runBin } from '../helpers/cli.js';
import { readTrace } from '../../src/trace/read.js';
import * as P from '../../src/native/protocol.js';

const W = (name: string) => join(NATIVE, 'workloads', name);
const PAGE = 4096;

/** Address of the workload's static array `big` (readelf -s). */
function bigOf(workload: string): number {
  const r = spawnSync('readelf', ['-sW', W(workload)], { encoding: 'utf8' });
  const m = /:\s+([0-9a-f]+)\s+(?:0x[0-9a-f]+|\d+)\s+OBJECT\s+\w+\s+\w+\s+\d+\s+big$/m.exec(r.stdout);
  assert.ok(m, `no symbol big in ${workload}`);
  return parseInt(m[1], 16);
}

function recorded(mode: string[], argv: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'pw-record-'));
  const file = join(dir, 'run.trace');
  try {
    const r = runBin(['run', ...mode, '--record', file, '--stats=json', '--', ...argv]);
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(r.stderr.trim().split('\n').pop()!) as { loader: { faultsHandled: number; segments: number }; prefetch: { pagesPrefetched: number } | null };
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the record holds addresses: mode 0600');
    return { trace: readTrace(file), stats };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function faultPages(t: ReturnType<typeof readTrace>, prefetched: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < t.faults.count; i++) {
    if (((t.faults.flags[i] & P.PW_FAULT_PREFETCHED) !== 0) === prefetched) out.push(Math.floor(t.faults.addr[i] / PAGE) * PAGE);
  }
  return out;
}

const readelf = needs('readelf', 'binutils');

test('--record of a demand run of seqscan: one FAULT per handled fault, every page of the scan in order', { skip: readelf }, () => {
  const n = 8192; // 8192 FAULT records = 320 KiB: more than the loader's 256 KiB buffer, so it flushes mid-run
  const { trace, stats } = recorded(['--mode', 'demand'], [W('seqscan'), String(n)]);
  assert.equal(trace.damage, null);
  assert.equal(trace.header.source, P.PW_TRACE_SOURCE_LOADER);
  assert.ok(trace.end, 'END record written at exit_group');
  assert.equal(trace.faults.count, stats.loader.faultsHandled);
  assert.equal(trace.end!.faults, trace.faults.count);
  const loaderRegions = trace.regions.filter((r) => r.type === 'regionAdd' && r.cause === P.PW_CAUSE_LOADER);
  assert.equal(loaderRegions.length, stats.loader.segments, 'one REGION_ADD per segment, cause 6');
  const big = bigOf('seqscan');
  const lo = Math.floor(big / PAGE) * PAGE, hi = Math.floor((big + n * PAGE - 1) / PAGE) * PAGE;
  const inArray = faultPages(trace, false).filter((p) => p > lo && p <= hi);
  const want = Array.from({ length: (hi - lo) / PAGE }, (_, k) => lo + (k + 1) * PAGE);
  assert.deepEqual(inArray, want, 'each page of the array faults once, in scan order');
  // every FAULT has an instruction pointer and an access kind (write first: the scan writes)
  const i0 = Array.from({ length: trace.faults.count }, (_, i) => i).find((i) => trace.faults.addr[i] >= lo + PAGE)!;
  assert.ok(trace.faults.ip[i0] > 0);
  assert.equal((trace.faults.flags[i0] & P.PW_FAULT_ACCESS_MASK) >> P.PW_FAULT_ACCESS_SHIFT, P.PW_FAULT_ACCESS_WRITE);
});

test('--record of a demand run of stride: exactly the strided pages', { skip: readelf }, () => {
  const n = 2048, stride = 5;
  const { trace, stats } = recorded(['--mode', 'demand'], [W('stride'), String(n), String(stride)]);
  assert.equal(trace.faults.count, stats.loader.faultsHandled);
  const lo = Math.floor(bigOf('stride') / PAGE) * PAGE;
  const inArray = faultPages(trace, false).filter((p) => p > lo && p < lo + n * PAGE);
  const want: number[] = [];
  for (let p = stride; p < n; p += stride) want.push(lo + p * PAGE);
  assert.deepEqual(inArray, want);
});

test('--record of a hybrid run: prefetched pages are FAULT records with flag bit 5', () => {
  const { trace, stats } = recorded(['--mode', 'hybrid', '--predictor', 'next', '--pages', '3'], [W('seqscan'), '600']);
  const taken = faultPages(trace, false), pre = faultPages(trace, true);
  assert.equal(taken.length, stats.loader.faultsHandled);
  assert.equal(pre.length, stats.prefetch!.pagesPrefetched);
  assert.ok(pre.length > 300, `next at pages 3 prefetches 2 of every 3 pages: ${pre.length}`);
  const all = new Set([...taken, ...pre]);
  assert.equal(all.size, taken.length + pre.length, 'no page both faulted and prefetched');
  assert.equal(trace.end!.faults, trace.faults.count);
  assert.equal(trace.header.info.predictor, 'next');
});

test('--record refused in eager mode, and an unwritable path is a coded error', () => {
  const e = runBin(['run', '--mode', 'eager', '--record', '/tmp/x.trace', '--', W('exitnow')]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /--record needs --mode demand or hybrid.*\[USAGE\]/);
  const r = runBin(['run', '--mode', 'demand', '--record', '/nonexistent-dir/x.trace', '--', W('exitnow')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot create the record file \/nonexistent-dir\/x.trace: ENOENT.*\[LOADER_RECORD_FAILED\]/);
});

test('--record of a dynamically linked program (/bin/ls) ends with END at its exit_group in libc.so', () => {
  const { trace, stats } = recorded(['--mode', 'demand'], ['/bin/ls', '/']);
  assert.equal(trace.damage, null);
  assert.ok(trace.end);
  assert.equal(trace.faults.count, stats.loader.faultsHandled);
  assert.ok(trace.faults.count > 0);
  assert.ok(trace.regions.some((r) => r.type === 'regionAdd' && r.name === '/lib64/ld-linux-x86-64.so.2'), 'the interpreter segments are regions');
});

test('--record with --via uffd: the faulting thread records its faults, with the ip (SIGBUS handler)', () => {
  const { trace, stats } = recorded(['--mode', 'demand', '--via', 'uffd'], [W('seqscan'), '256']);
  assert.ok(trace.end);
  assert.equal(trace.faults.count, stats.loader.faultsHandled);
  assert.ok(trace.faults.count >= 256);
  assert.equal(trace.header.flags & P.PW_TRACE_F_IP, P.PW_TRACE_F_IP, 'IP flag');
  assert.ok(trace.faults.ip[0] !== 0, 'the first fault (the entry point) has its ip');
  assert.equal(trace.faults.addr[0], trace.faults.ip[0], 'the first fault is the jump to the entry point');
  assert.equal((trace.faults.flags[0] & P.PW_FAULT_ACCESS_MASK) >> P.PW_FAULT_ACCESS_SHIFT, P.PW_FAULT_ACCESS_EXEC);
  assert.equal(trace.header.info.via, 'uffd');
});

test('--record with --via uffd-thread: the pager thread records the faults it resolved, without ip', () => {
  const { trace, stats } = recorded(['--mode', 'demand', '--via', 'uffd-thread'], [W('seqscan'), '256']);
  assert.ok(trace.end);
  assert.equal(trace.faults.count, stats.loader.faultsHandled);
  assert.ok(trace.faults.count >= 256);
  assert.equal(trace.header.flags & P.PW_TRACE_F_IP, 0, 'a pager thread sees only the address: no IP flag');
  assert.equal(trace.header.info.via, 'uffd-thread');
});
