/**
 * The loader's shared page and pagewise-exec's report: decoded field by field from records built here
 * with the protocol offsets, failures mapped to their codes, and fuzzed (truncations and mutations must
 * only ever raise PagewiseError).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPagewiseError } from '../../src/errors.js';
import { loaderError, parseLoaderPage } from '../../src/loader/shm.js';
import { expandScript } from '../../src/loader/program.js';
import { parseExecReport } from '../../src/native/run.js';
import * as P from '../../src/native/protocol.js';

function page(fields: Partial<Record<string, number>>, message = ''): Buffer {
  const b = Buffer.alloc(P.PW_LOADER_SHM_SIZE);
  b.writeUInt32LE(P.PW_LOADER_SHM_MAGIC, P.PW_LOADER_OFF_MAGIC);
  b.writeUInt32LE(P.PW_LOADER_SHM_VERSION, P.PW_LOADER_OFF_VERSION);
  for (const [k, v] of Object.entries(fields)) {
    const off = (P as Record<string, unknown>)[`PW_LOADER_OFF_${k}`] as number;
    if (k === 'STATE' || k === 'ERROR' || k === 'MODE' || k === 'VIA' || k === 'UFFD_FLAGS' || k === 'SEGMENTS') b.writeUInt32LE(v!, off);
    else b.writeBigUInt64LE(BigInt(v!), off);
  }
  b.write(message, P.PW_LOADER_OFF_MESSAGE, 'latin1');
  return b;
}

test('shared page: counters and state decode', () => {
  const p = parseLoaderPage(page({ STATE: P.PW_LOADER_STATE_RUNNING, MODE: P.PW_LOADER_MODE_DEMAND, VIA: P.PW_LOADER_VIA_UFFD, UFFD_FLAGS: P.PW_LOADER_UFFD_USER_ONLY, SEGMENTS: 4, PAGES_MAPPED: 77, FAULTS: 70, PAGES_FILE: 60, PAGES_ZERO: 17, GUARD_TRAPS: 3, FALLBACK_PAGES: 7, LAZY_PAGES: 91 }));
  const mine = { touched: p.touched, state: p.state, error: p.error, mode: p.mode, via: p.via, uffdKernelFaults: p.uffdKernelFaults, segments: p.segments, pagesMapped: p.pagesMapped, faultsHandled: p.faultsHandled, pagesFile: p.pagesFile, pagesZero: p.pagesZero, guardTraps: p.guardTraps, fallbackPages: p.fallbackPages, lazyPages: p.lazyPages, message: p.message };
  assert.deepEqual(
    mine,
    { touched: true, state: 'running', error: 0, mode: 'demand', via: 'uffd', uffdKernelFaults: false, segments: 4, pagesMapped: 77, faultsHandled: 70, pagesFile: 60, pagesZero: 17, guardTraps: 3, fallbackPages: 7, lazyPages: 91, message: '' },
  );
});

test('shared page: every via decodes by name', () => {
  const via = (v: number) => parseLoaderPage(page({ STATE: P.PW_LOADER_STATE_RUNNING, MODE: P.PW_LOADER_MODE_DEMAND, VIA: v })).via;
  assert.deepEqual([P.PW_LOADER_VIA_SIGNAL, P.PW_LOADER_VIA_UFFD, P.PW_LOADER_VIA_UFFD_THREAD].map(via), ['signal', 'uffd', 'uffd-thread']);
});

test('shared page: a failure maps to its code with the loader\'s message', () => {
  const cases: [number, string][] = [
    [P.PW_LOADER_ERR_SETUID, 'LOADER_SETUID'], [P.PW_LOADER_ERR_NOT_ELF, 'ELF_NOT_ELF'], [P.PW_LOADER_ERR_OVERLAP, 'LOADER_OVERLAP'],
    [P.PW_LOADER_ERR_BAD_INTERP, 'LOADER_BAD_INTERP'], [P.PW_LOADER_ERR_MAP_FAILED, 'LOADER_MAP_FAILED'], [99, 'LOADER_CRASHED'],
  ];
  for (const [err, code] of cases) {
    const e = loaderError(parseLoaderPage(page({ STATE: P.PW_LOADER_STATE_FAILED, ERROR: err }, 'x is bad')));
    assert.equal(e.code, code);
    assert.equal(e.message, 'x is bad');
  }
});

test('shared page: an unknown version is refused', () => {
  const b = page({});
  b.writeUInt32LE(9, P.PW_LOADER_OFF_VERSION);
  assert.throws(() => parseLoaderPage(b), (e) => isPagewiseError(e) && e.code === 'LOADER_CRASHED' && /version 9/.test(e.message));
});

function report(ws: number, shm: Buffer): Buffer {
  const b = Buffer.alloc(P.PW_EXEC_REPORT_SIZE);
  b.writeUInt32LE(P.PW_EXEC_REPORT_MAGIC, P.PW_EXEC_OFF_MAGIC);
  b.writeUInt32LE(P.PW_EXEC_REPORT_VERSION, P.PW_EXEC_OFF_VERSION);
  b.writeInt32LE(ws, P.PW_EXEC_OFF_WAIT_STATUS);
  b.writeUInt32LE(shm.length, P.PW_EXEC_OFF_SHM_SIZE);
  b.writeBigUInt64LE(2_500_000n, P.PW_EXEC_OFF_WALL_NS);
  b.writeBigUInt64LE(1500n, P.PW_EXEC_OFF_UTIME_US);
  b.writeBigUInt64LE(42n, P.PW_EXEC_OFF_MINFLT);
  b.writeInt32LE(1234, P.PW_EXEC_OFF_PID);
  return Buffer.concat([b, shm]);
}

test('exec report: exit status and death by signal decode as wait(2) encodes them', () => {
  const ok = parseExecReport(report(3 << 8, page({})));
  assert.equal(ok.status, 3);
  assert.equal(ok.signal, null);
  assert.equal(ok.pid, 1234);
  assert.equal(ok.rusage.wallMs, 2.5);
  assert.equal(ok.rusage.userMs, 1.5);
  assert.equal(ok.rusage.minorFaults, 42);
  const segv = parseExecReport(report(11 | 0x80, page({})));
  assert.equal(segv.status, null);
  assert.equal(segv.signal, 'SIGSEGV');
  assert.equal(segv.signalNumber, 11);
});

test('fuzz: truncated and mutated reports only raise PagewiseError', () => {
  const base = report(0, page({ STATE: 1 }, 'hello'));
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 2000; i++) {
    let b = Buffer.from(base);
    if (rnd() < 0.5) b = b.subarray(0, Math.floor(rnd() * b.length));
    for (let k = 0; k < 4; k++) if (b.length) b[Math.floor(rnd() * Math.min(b.length, 200))] = Math.floor(rnd() * 256);
    try {
      const r = parseExecReport(b);
      parseLoaderPage(r.shm);
    } catch (e) {
      assert.ok(isPagewiseError(e), `not a PagewiseError: ${String(e)}`);
    }
  }
});

test('#! scripts expand as the kernel does', () => {
  const files: Record<string, string> = { '/s1': '#!/bin/sh -e\necho', '/s2': '#! /s1\n', '/bin/sh': '\x7fELF' };
  const head = (p: string) => Buffer.from(files[p] ?? '', 'latin1');
  assert.deepEqual(expandScript('/s1', ['s1', 'a'], head), { path: '/bin/sh', argv: ['/bin/sh', '-e', '/s1', 'a'] });
  assert.deepEqual(expandScript('/s2', ['x'], head), { path: '/bin/sh', argv: ['/bin/sh', '-e', '/s1', '/s2'] });
  assert.deepEqual(expandScript('/bin/sh', ['sh'], head), { path: '/bin/sh', argv: ['sh'] });
  const loop = (p: string) => Buffer.from(`#!${p}\n`);
  assert.throws(() => expandScript('/loop', ['l'], loop), (e) => isPagewiseError(e) && e.code === 'LOADER_BAD_INTERP');
});
