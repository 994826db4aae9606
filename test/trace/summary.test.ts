import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTrace, encodeTrace } from '../../src/trace/format.js';
import { attributeFaults, replayRegions, type Region } from '../../src/trace/regions.js';
import { resolveSymbols, summarize, type IpSummary } from '../../src/trace/summary.js';
import { renderSummary } from '../../src/trace/render.js';
import { needs, NATIVE } from '../helpers/cli.js';
import { header, MS, sampleRecords, TEXT } from './sample.js';

const trace = () => decodeTrace(encodeTrace(header, sampleRecords()));
function summary(filter = {}) {
  const tr = trace();
  return summarize(tr, attributeFaults(tr.faults, replayRegions(tr.regions).all, 4096, filter), filter);
}

test('totals, threads, regions, top instructions, lost samples and the kernel counts', () => {
  const s = summary();
  assert.deepEqual([s.faults, s.minor, s.major, s.unknownKind, s.prefetched, s.recorded], [23, 22, 1, 0, 0, 23]);
  assert.deepEqual(s.threads, [{ tid: 4242, faults: 20, minor: 20, major: 0 }, { tid: 4243, faults: 3, minor: 2, major: 1 }]);
  assert.deepEqual(s.topIps, [{ ip: TEXT + 0x100, faults: 17 }, { ip: TEXT + 0x300, faults: 5 }, { ip: TEXT + 0x200, faults: 1 }]);
  assert.equal(s.lost, 3);
  assert.deepEqual(s.kernel, { took: 42, minor: 40, major: 2, counted: 25 });
  assert.deepEqual(s.regions.map((r) => [r.name, r.faults, r.touched]), [['/opt/sample', 17, 16], ['[heap]', 2, 2], ['', 2, 2], ['', 1, 1], ['[stack]', 1, 1]]);
  const text = renderSummary(s);
  assert.match(text, /^recorded 23 of 42 faults the process took \(the kernel counted minor 40, major 2; the perf counter saw 25\)/m);
  assert.match(text, /^the kernel dropped 3 samples$/m);
  assert.match(text, /^Faults: 23 \(minor 22, major 1\)$/m);
});

test('a thread and a time window narrow every count', () => {
  const s = summary({ tid: 4243 });
  assert.deepEqual([s.faults, s.minor, s.major], [3, 2, 1]);
  assert.deepEqual(s.threads.map((t) => t.tid), [4243]);
  assert.equal(s.recorded, 23, 'recorded is always the whole trace, to compare with the kernel');
  const w = summary({ from: 2 * MS, to: 4.5 * MS });
  assert.equal(w.faults, 4);
});

test('no COUNTS: no claim about the kernel; prefetched pages are not faults', () => {
  const tr = decodeTrace(encodeTrace({}, [
    { type: 'regionAdd', id: 1, t: 0, start: 0x10000, end: 0x12000, offset: 0, inode: 0, prot: 3, cause: 6, name: '' },
    { type: 'fault', tid: 1, t: 1, addr: 0x10000, ip: 0x4000, flags: 1, region: 1 },
    { type: 'fault', tid: 1, t: 1, addr: 0x11000, ip: 0, flags: 32, region: 1 },
    { type: 'end', t: 2, faults: 2, lost: 0 },
  ]));
  const s = summarize(tr, attributeFaults(tr.faults, replayRegions(tr.regions).all, 4096));
  assert.equal(s.kernel, null);
  assert.deepEqual([s.faults, s.prefetched, s.recorded], [1, 1, 1]);
  assert.doesNotMatch(renderSummary(s), /recorded .* of/);
  assert.match(renderSummary(s), /1 pages prefetched by the loader/);
});

/** FUNC symbols of a file as readelf prints them: name -> [value, size], plus value -> names. */
function readelfFuncs(path: string, dyn: boolean) {
  const out = spawnSync('readelf', [dyn ? '--dyn-syms' : '-s', '-W', path], { encoding: 'utf8' }).stdout;
  const byValue = new Map<number, string[]>();
  const byName = new Map<string, [number, number]>();
  for (const line of out.split('\n')) {
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+FUNC\s+\S+\s+\S+\s+\d+\s+(\S+)$/.exec(line);
    if (!m || Number(m[2]) === 0) continue;
    const name = m[3].replace(/@.*$/, '');
    const v = parseInt(m[1], 16);
    byName.set(name, [v, Number(m[2])]);
    byValue.set(v, [...(byValue.get(v) ?? []), name]);
  }
  return { byName, byValue };
}

function loadRegion(path: string, base: number, id: number): Region {
  const out = spawnSync('readelf', ['-lW', path], { encoding: 'utf8' }).stdout;
  const exec = out.split('\n').find((l) => /^\s*LOAD\s/.test(l) && / R E /.test(l))!;
  const [, off, vaddr, , , memsz] = exec.trim().split(/\s+/).map((x) => parseInt(x, 16));
  const start = base + (vaddr - (vaddr % 4096));
  return { id, pid: 0, start, end: base + vaddr + memsz, offset: off - (off % 4096), inode: 1, prot: 5, cause: 0, name: path, added: 0, removed: null, lineage: [id], spanStart: 0, spanEnd: 0 };
}

const seqscan = join(NATIVE, 'workloads', 'seqscan');
test('instruction pointers are named from the symbol tables of a static and a shared object, as readelf has them', {
  skip: needs('readelf', 'binutils') || (existsSync(seqscan) ? false : `${seqscan} not built (make -C native)`),
}, async () => {
  const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
  const exe = readelfFuncs(seqscan, false);
  const [mainAt] = exe.byName.get('main')!;
  const lib = readelfFuncs(libc, true);
  const [getpidAt] = lib.byName.get('getpid')!;
  const base = 0x7f1234500000;
  const regions = [loadRegion(seqscan, 0, 1), loadRegion(libc, base, 2)];
  const ips: IpSummary[] = [
    { ip: mainAt + 5, faults: 3 },
    { ip: base + getpidAt + 3, faults: 2 },
    { ip: 0x10, faults: 1 },
  ];
  await resolveSymbols(ips, regions);
  assert.equal(ips[0].symbol, 'main+0x5');
  assert.equal(ips[0].region, seqscan);
  assert.ok(lib.byValue.get(getpidAt)!.map((n) => `${n}+0x3`).includes(ips[1].symbol!), `got ${ips[1].symbol}`);
  assert.equal(ips[2].symbol, undefined);
});
