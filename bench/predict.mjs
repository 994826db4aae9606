#!/usr/bin/env node
// bench/predict.mjs: how long a prefetch decision takes, and how fast the offline replay is.
//
//   node bench/predict.mjs [--faults 10000000] [--runs 5] [--cli-faults 1000000]
//
// 1. C decision time: for each predictor (window 3) and each sequence (sequential, stride 4, random
//    over 2x the count), `pagewise-predict-replay time` feeds every page as a fault to pw_predict and
//    reports the best of 3 passes (after a warm-up pass); each run is a fresh process, --runs runs,
//    median and spread printed, and a ministat comparison of each predictor against `next`.
// 2. C replay: the whole simulation (page states + decisions) per fault, same sequences.
// 3. TypeScript replay (src/predict/replay.ts) of the same sequences, one fresh node process per run.
// 4. `pagewise predict` end to end (read + decode a trace of --cli-faults faults, all predictors x
//    windows 2,3 = 9 replays), wall time.
// Needs `npm run build` (dist/ and native/build/). Prints a table; nothing is written but temp files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'native', 'build', 'pagewise-predict-replay');
const KINDS = ['next', 'stride', 'history', 'adaptive'];

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function sequence(kind, n) {
  const a = new Float64Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    if (kind === 'sequential') a[i] = 1_000_000 + i;
    else if (kind === 'stride') a[i] = 1_000_000 + 4 * i;
    else {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      a[i] = 1_000_000 + (s % (2 * n));
    }
  }
  return a;
}

// ---- worker mode: one TS replay in this fresh process -------------------------------------------------
if (process.argv[2] === '--ts-worker') {
  const [, , , kind, seqKind, n] = process.argv;
  const { createPredictor } = await import(join(ROOT, 'dist/src/predict/predictor.js'));
  const { replay } = await import(join(ROOT, 'dist/src/predict/replay.js'));
  const seq = sequence(seqKind, Number(n));
  replay(seq.subarray(0, 100_000), createPredictor(kind, 3)); // warm-up (JIT)
  const t0 = process.hrtime.bigint();
  const r = replay(seq, createPredictor(kind, 3));
  const ns = Number(process.hrtime.bigint() - t0);
  process.stdout.write(JSON.stringify({ ns, faults: r.faults }) + '\n');
  process.exit(0);
}

const { summarize } = await import(join(ROOT, 'dist/src/stats/summary.js'));
const { renderComparison } = await import(join(ROOT, 'dist/src/stats/ministat.js'));
const { encodeTrace } = await import(join(ROOT, 'dist/src/trace/format.js'));

const N = arg('faults', 10_000_000);
const RUNS = arg('runs', 5);
const CLI_N = arg('cli-faults', 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'pw-bench-predict-'));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const fmt = (xs, unit) => {
  const s = summarize(xs);
  return `median ${s.median.toFixed(2)} ${unit}  (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}, n ${s.n})`;
};

try {
  console.log(`# bench/predict.mjs: ${N} faults per sequence, ${RUNS} runs each, window 3 (fault + 2)\n`);
  const files = {};
  for (const k of ['sequential', 'stride', 'random']) {
    const seq = sequence(k, N);
    const buf = Buffer.alloc(N * 8);
    for (let i = 0; i < N; i++) buf.writeBigUInt64LE(BigInt(seq[i]), i * 8);
    files[k] = join(dir, `${k}.bin`);
    writeFileSync(files[k], buf);
  }

  console.log('## 1. C decision time (pw_predict per fault, every page fed as a fault)\n');
  for (const [seqKind, file] of Object.entries(files)) {
    const per = {};
    for (const kind of KINDS) {
      per[kind] = [];
      for (let r = 0; r < RUNS; r++) per[kind].push(run(BIN, ['time', kind, '3', file, '3']).ns_per_decision);
      console.log(`${seqKind.padEnd(10)} ${kind.padEnd(8)} ${fmt(per[kind], 'ns/decision')}`);
    }
    for (const kind of KINDS.slice(1)) {
      console.log(`\n${seqKind}: ${kind} against next (ns per decision)`);
      console.log(renderComparison({ name: `next ${seqKind}`, values: per.next }, { name: `${kind} ${seqKind}`, values: per[kind] }, 95, 60));
    }
    console.log('');
  }

  console.log('## 2. C replay (page states + decisions), ns per fault of the sequence\n');
  for (const [seqKind, file] of Object.entries(files)) {
    for (const kind of KINDS) {
      const xs = [];
      let last;
      for (let r = 0; r < RUNS; r++) {
        last = run(BIN, ['replay', kind, '3', file]);
        xs.push(last.ns / N);
      }
      console.log(`${seqKind.padEnd(10)} ${kind.padEnd(8)} ${fmt(xs, 'ns/fault')}  faults handled ${last.faults} of ${last.demandFaults}`);
    }
  }

  console.log('\n## 3. TypeScript replay (src/predict/replay.ts), seconds per replay of the whole sequence\n');
  for (const seqKind of Object.keys(files)) {
    for (const kind of KINDS) {
      const xs = [];
      for (let r = 0; r < RUNS; r++) xs.push(run(process.execPath, [fileURLToPath(import.meta.url), '--ts-worker', kind, seqKind, String(N)]).ns / 1e9);
      console.log(`${seqKind.padEnd(10)} ${kind.padEnd(8)} ${fmt(xs, 's')}`);
    }
  }

  console.log(`\n## 4. pagewise predict end to end: ${CLI_N}-fault traces, all predictors x --pages 2,3 (9 replays)\n`);
  for (const seqKind of Object.keys(files)) {
    const seq = sequence(seqKind, CLI_N);
    const recs = Array.from(seq, (p, i) => ({ type: 'fault', tid: 1, t: i, addr: p * 4096, ip: 0, flags: 1, region: 0 }));
    recs.push({ type: 'end', t: CLI_N, faults: CLI_N, lost: 0 });
    const tf = join(dir, `${seqKind}.pwt`);
    writeFileSync(tf, encodeTrace({ source: 2 }, recs));
    const xs = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = process.hrtime.bigint();
      const res = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/bin.js'), 'predict', tf, '--json'], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (res.status !== 0) throw new Error(res.stderr);
      xs.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    console.log(`${seqKind.padEnd(10)} ${fmt(xs, 's')}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
