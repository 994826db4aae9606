#!/usr/bin/env node
// bench/ckpt.mjs [--quick]: checkpoint time, restart time to the first output, and image size, for an
// empty program and for 64 MiB and 1 GiB of touched heap (test/fixtures/programs/ckpt_heap.c).
// Each trial is a fresh process: start preloaded, wait for READY, time `SIGUSR2 -> image renamed into
// place` (pagewise's dumpProcess, polling every 1 ms), SIGKILL, then time `spawn myrestart -> "back" on
// its stdout` (which includes myrestart validating every checksum of the image). One warm-up trial per
// size is discarded. The reference measured in the same run: `cp IMAGE copy` of the same image (what the
// bytes cost to write through the page cache), compared with ministat's method (src/stats).
// Needs: npx tsc -p . && make -C native. Results go in docs/ckpt.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { dumpProcess } = await import(join(ROOT, 'dist/src/ckpt/run.js'));
const { summarize } = await import(join(ROOT, 'dist/src/stats/summary.js'));
const { renderComparison } = await import(join(ROOT, 'dist/src/stats/ministat.js'));
const NATIVE = join(ROOT, 'native', 'build');
const LIB = join(NATIVE, 'libckpt.so');
const RESTARTER = join(NATIVE, 'myrestart');
const HEAP = join(NATIVE, 'ckpt-fixtures', 'ckpt_heap');
const quick = process.argv.includes('--quick');
const SIZES = quick ? [[0, 3], [64, 3]] : [[0, 7], [64, 7], [1024, 5]];

function waitLine(child, re, ms = 120_000) {
  return new Promise((res, rej) => {
    let out = '';
    const t = setTimeout(() => rej(new Error(`timeout waiting for ${re}: ${out}`)), ms);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(re);
      if (m) { clearTimeout(t); res({ m, at: performance.now() }); }
    });
    child.on('close', () => { clearTimeout(t); if (!re.test(out)) rej(new Error(`exited before ${re}: ${out}`)); });
  });
}

async function trial(mib, dir) {
  const image = join(dir, `img-${mib}`);
  rmSync(image, { force: true });
  const p = spawn(HEAP, [String(mib)], { env: { ...process.env, LD_PRELOAD: LIB, PAGEWISE_CKPT: image }, stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = new Promise((r) => p.on('close', r));
  let d;
  try {
    await waitLine(p, /READY \d+\n/);
    d = await dumpProcess(p.pid, { timeoutMs: 300_000, cwd: dir, pollMs: 1 });
  } finally {
    p.kill('SIGKILL');
    await closed;
  }
  const size = statSync(image).size;
  const c0 = process.hrtime.bigint();
  const cp = spawnSync('cp', [image, `${image}.copy`]);
  const cpMs = Number(process.hrtime.bigint() - c0) / 1e6;
  if (cp.status !== 0) throw new Error('cp failed');
  rmSync(`${image}.copy`);
  const r0 = performance.now();
  const r = spawn(RESTARTER, [image], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { at } = await waitLine(r, /back\n/);
  const code = await new Promise((res) => r.on('close', (c) => res(c)));
  if (code !== 0) throw new Error(`restarted ckpt_heap ${mib} exited ${code}`);
  return { ckptMs: d.ms, restartMs: at - r0, size, cpMs };
}

const dir = mkdtempSync(join(tmpdir(), 'pagewise-bench-ckpt-'));
const fmt = (s) => `median ${s.median.toFixed(1)}  min ${s.min.toFixed(1)}  max ${s.max.toFixed(1)}`;
console.log(`bench/ckpt.mjs: ${new Date().toISOString()}, ${process.platform} ${process.arch}, node ${process.version}`);
for (const [mib, n] of SIZES) {
  await trial(mib, dir); // warm-up
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(await trial(mib, dir));
  const ck = summarize(rows.map((r) => r.ckptMs));
  const rs = summarize(rows.map((r) => r.restartMs));
  const cp = summarize(rows.map((r) => r.cpMs));
  const size = summarize(rows.map((r) => r.size));
  console.log(`\n== ${mib === 0 ? 'empty program' : `${mib} MiB touched heap`} (${n} trials) ==`);
  console.log(`image size       ${(size.median / 1048576).toFixed(2)} MiB (${size.median} bytes)`);
  console.log(`checkpoint  ms   ${fmt(ck)}`);
  console.log(`restart     ms   ${fmt(rs)}   (spawn myrestart -> first output; includes checking every checksum)`);
  console.log(`cp image    ms   ${fmt(cp)}   (reference)`);
  console.log(renderComparison({ name: 'cp IMAGE copy (ms)', values: rows.map((r) => r.cpMs) }, { name: 'checkpoint (ms)', values: rows.map((r) => r.ckptMs) }));
}
rmSync(dir, { recursive: true, force: true });
