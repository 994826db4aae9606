#!/usr/bin/env node
// bench/predict-workloads.mjs: the predictors on the real first-touch sequences of the bundled workloads.
//
//   node bench/predict-workloads.mjs [--pages 2,3]
//
// Records each workload's user-space page faults with perf (`perf record -e page-faults:u -c 1 -d`:
// every fault, with its data address; the kernel demand-pages the program, so this is the sequence the
// loader's demand mode sees, text and stack included), then replays it through every predictor
// (src/predict) and prints the `pagewise predict` table. Needs linux-perf and npm run build.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { predictTable, renderPredictTable } = await import(join(ROOT, 'dist/src/predict/table.js'));
const { PREDICTOR_NAMES, parsePagesList } = await import(join(ROOT, 'dist/src/predict/kinds.js'));
const i = process.argv.indexOf('--pages');
const windows = parsePagesList(i >= 0 ? process.argv[i + 1] : '2,3');

const WORKLOADS = [
  ['seqscan', ['16384']],
  ['randtouch', ['16384', '4096']],
  ['stride', ['16384', '4']],
  ['mallocheavy', []],
];
const dir = mkdtempSync(join(tmpdir(), 'pw-bench-wl-'));
try {
  for (const [name, args] of WORKLOADS) {
    const data = join(dir, `${name}.perf`);
    const rec = spawnSync('perf', ['record', '-q', '-e', 'page-faults:u', '-c', '1', '-d', '-o', data, join(ROOT, 'native/build/workloads', name), ...args], { encoding: 'utf8' });
    if (rec.status !== 0) throw new Error(`perf record ${name}: ${rec.stderr}`);
    const scr = spawnSync('perf', ['script', '-i', data, '-F', 'addr'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (scr.status !== 0) throw new Error(`perf script: ${scr.stderr}`);
    const pages = scr.stdout.split('\n').filter((l) => l.trim()).map((l) => Math.floor(parseInt(l.trim(), 16) / 4096));
    console.log(`## ${name} ${args.join(' ')}: ${pages.length} faults\n`);
    console.log(renderPredictTable(predictTable(pages, PREDICTOR_NAMES, windows)));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
