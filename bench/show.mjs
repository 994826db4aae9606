#!/usr/bin/env node
// bench/show.mjs: how long `pagewise show` takes on a 10-million-fault trace (issue 5: under 5 s).
//
// Generates the trace with pagewise's own writer (dist/src/trace/writer.js): a seqscan-like layout
// (text, data, a 1 GiB bss, heap, stack, an mmap split and merged), 4 threads, faults sequential
// through the bss plus random touches, LOST and COUNTS records. Then runs, each trial in a fresh
// process after a warm-up: the reference (node reading the file into memory: the I/O floor) and the
// sample (`pagewise show FILE > /dev/null`), and prints median, spread and a ministat comparison with
// src/stats. Also prints an in-process breakdown (decode, layout + attribution, summary).
// usage: npm run build && node bench/show.mjs [--faults 10000000] [--runs 5]
//        node bench/show.mjs --faults 20000 --keep FILE   only writes the trace to FILE (for docs/img/report.png)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync, renameSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceWriter } from '../dist/src/trace/writer.js';
import { decodeTrace } from '../dist/src/trace/format.js';
import { viewTrace } from '../dist/src/trace/view.js';
import { renderComparison } from '../dist/src/stats/ministat.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const FAULTS = arg('faults', 10_000_000);
const RUNS = arg('runs', 5);
const PAGE = 4096;

function generate(path) {
  const w = new TraceWriter({ flags: 1 | 4 | 8, info: { argv: ['bench-seqscan', String(FAULTS)], pid: 1000, mode: 'bench' } }, 64 << 20);
  const fd = openSync(path + '.tmp', 'w', 0o600);
  const flush = () => writeSync(fd, w.take());
  const TEXT = 0x401000, BSS = 0x4a7000, BSS_PAGES = 262144, HEAP = BSS + BSS_PAGES * PAGE, STACK = 0x7ffffffde000, MMAP = 0x7f0000000000;
  const add = (id, start, pages, prot, name) => w.record({ type: 'regionAdd', id, t: 0, start, end: start + pages * PAGE, offset: 0, inode: name.startsWith('/') ? 7 : 0, prot, cause: 0, name });
  add(1, TEXT, 0x77, 5, '/usr/local/bin/bench-seqscan');
  add(2, BSS, BSS_PAGES, 3, '');
  add(3, HEAP, 33, 3, '[heap]');
  add(4, STACK, 34, 3, '[stack]');
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
  for (let i = 0; i < FAULTS; i++) {
    const t = i * 100;
    if (i === FAULTS >> 2) {
      w.record({ type: 'regionAdd', id: 5, t, start: MMAP, end: MMAP + 512 * PAGE, offset: 0, inode: 0, prot: 3, cause: 1, name: '' });
      w.record({ type: 'regionSplit', id: 5, t, at: MMAP + 256 * PAGE, newId: 6 });
    }
    if (i === FAULTS >> 1) w.record({ type: 'regionMerge', id: 5, t, absorbed: 6 });
    if (i % 1_000_000 === 999_999) w.record({ type: 'lost', tid: 1000, t, count: 7 });
    const tid = 1000 + (i & 3);
    const r = i % 10;
    if (i < 0x77) w.fault(1000, t, TEXT + i * PAGE, TEXT + i * PAGE, 1 | (3 << 2), 1); // program text, exec faults
    else if (r < 8) w.fault(tid, t, BSS + (i % BSS_PAGES) * PAGE + 8, TEXT + 0x120, 1 | (2 << 2), 2);
    else if (r === 8) w.fault(tid, t, BSS + Math.floor(rand() * BSS_PAGES) * PAGE, TEXT + 0x340, 1 | (1 << 2), 2);
    else if (i > FAULTS >> 2) w.fault(tid, t, MMAP + Math.floor(rand() * 512) * PAGE, TEXT + 0x560, (i % 1000 === 9 ? 2 : 1) | (2 << 2), i > FAULTS >> 1 ? 5 : 6);
    else w.fault(tid, t, STACK + (33 - (i % 34)) * PAGE, TEXT + 0x780, 1 | (2 << 2), 4);
    if ((i & 0xfffff) === 0) flush();
  }
  w.record({ type: 'counts', pid: 1000, t: FAULTS * 100, minor: FAULTS + 5000, major: 3, counted: FAULTS });
  w.record({ type: 'end', t: FAULTS * 100, faults: FAULTS, lost: 70 });
  flush();
  closeSync(fd);
  renameSync(path + '.tmp', path);
}

function time(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 20 });
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return dt;
}

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const keep = process.argv.indexOf('--keep');
if (keep > 0) {
  generate(resolve(process.argv[keep + 1]));
  console.log(`wrote ${process.argv[keep + 1]} (${FAULTS} faults)`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'pagewise-bench-show-'));
const file = join(dir, 'big.pwt');
try {
  let t0 = Date.now();
  generate(file);
  console.log(`generated ${FAULTS} faults, ${(statSync(file).size / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1e3).toFixed(1)} s: ${file}`);

  // In-process breakdown (one run).
  t0 = performance.now();
  const buf = readFileSync(file);
  const t1 = performance.now();
  const tr = decodeTrace(buf, file);
  const t2 = performance.now();
  const v = await viewTrace(tr, { symbols: false });
  const t3 = performance.now();
  console.log(`breakdown: read ${(t1 - t0).toFixed(0)} ms, decode ${(t2 - t1).toFixed(0)} ms, layout+attribution+summary ${(t3 - t2).toFixed(0)} ms; ${v.summary.faults} faults in ${v.attribution.regions.length} regions`);

  const reference = [];
  const sample = [];
  const readOnly = ['-e', `require('fs').readFileSync(${JSON.stringify(file)})`];
  time(readOnly); // warm-up (page cache)
  time([BIN, 'show', file]);
  for (let i = 0; i < RUNS; i++) {
    reference.push(time(readOnly));
    sample.push(time([BIN, 'show', file]));
  }
  console.log(`read the file (reference): median ${median(reference).toFixed(2)} s, min ${Math.min(...reference).toFixed(2)}, max ${Math.max(...reference).toFixed(2)}`);
  console.log(`pagewise show:             median ${median(sample).toFixed(2)} s, min ${Math.min(...sample).toFixed(2)}, max ${Math.max(...sample).toFixed(2)} (target < 5 s)`);
  console.log(renderComparison({ name: 'read file', values: reference }, { name: 'pagewise show', values: sample }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
