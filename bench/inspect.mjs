#!/usr/bin/env node
// bench/inspect.mjs: how fast pagewise's inspection is, against the binutils peers.
//
// 1. End to end, each trial in a fresh process after a warm-up: the reference `objdump -p FILE` and
//    the sample `pagewise elf FILE` (stdout to /dev/null), on libc; median, spread and a ministat
//    comparison with src/stats. Node's own start-up dominates the sample; the in-process figures
//    below are the parser's share.
// 2. In process: parseElf on libc, python3.11, busybox and a workload, symbols() on the workload,
//    readRegions('self') + the procstat rendering: median of RUNS after a warm-up.
// usage: npm run build && node bench/inspect.mjs [--runs 20]
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseElf } from '../dist/src/elf/index.js';
import { readRegions } from '../dist/src/proc/maps.js';
import { procstatVmRows, renderProcstatVm } from '../dist/src/proc/procstat.js';
import { renderComparison } from '../dist/src/stats/ministat.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 20;
const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const spread = (xs) => `min ${Math.min(...xs).toFixed(3)} max ${Math.max(...xs).toFixed(3)}`;

function wall(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function trials(cmd, args) {
  wall(cmd, args);
  return Array.from({ length: RUNS }, () => wall(cmd, args));
}

const ref = trials('objdump', ['-p', LIBC]);
const sample = trials(process.execPath, [BIN, 'elf', LIBC]);
console.log(`end to end on ${LIBC}, ${RUNS} fresh processes each (ms):`);
console.log(renderComparison({ name: 'objdump -p', values: ref }, { name: 'pagewise elf', values: sample }));

function inProcess(label, fn) {
  for (let k = 0; k < 3; k++) fn();
  const xs = Array.from({ length: RUNS }, () => { const t0 = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t0) / 1e6; });
  console.log(`  ${label.padEnd(40)} median ${median(xs).toFixed(3)} ms  ${spread(xs)}`);
}

console.log(`in process, median of ${RUNS} after a warm-up:`);
const workload = join(ROOT, 'native', 'build', 'workloads', 'seqscan');
for (const f of [LIBC, '/usr/bin/python3.11', '/bin/busybox', workload].filter(existsSync)) {
  const buf = readFileSync(f);
  inProcess(`parseElf ${f.split('/').pop()} (${(buf.length / 1024).toFixed(0)} KiB)`, () => parseElf(buf, f));
}
if (existsSync(workload)) {
  const buf = readFileSync(workload);
  inProcess('parseElf + symbols() seqscan', () => parseElf(buf, workload).symbols());
}
const xs = [];
for (let k = 0; k < RUNS + 3; k++) {
  const t0 = process.hrtime.bigint();
  const { pid, regions } = await readRegions('self');
  renderProcstatVm(procstatVmRows(pid, regions));
  if (k >= 3) xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
console.log(`  ${'maps self (read smaps + render)'.padEnd(40)} median ${median(xs).toFixed(3)} ms  ${spread(xs)}`);
