#!/usr/bin/env node
// bench/trace.mjs: what tracing every page fault costs (issue 5), against the untraced run and against
// `perf record -e page-faults -c 1 -d` on the same workloads in the same run.
//
// For each workload, each trial in a fresh process, after one warm-up of each kind, interleaved so that
// machine noise hits every kind alike:
//   untraced     the workload alone
//   tracepgfault bin/tracepgfault FILE workload   (the installed command: a sh front that execs the native
//                collector, no Node in between)
//   pagewise     node dist/src/cli/bin.js trace -q -o FILE -- workload   (end to end, node start-up included)
//   perf record  perf record -e page-faults -c 1 -d -o FILE -- workload   (when perf is installed)
// and prints medians, spread, slowdown against untraced, samples recorded / lost, and a ministat
// comparison (src/stats) of untraced against tracepgfault. exitnow gives the fixed start-up cost.
// usage: npm run build && node bench/trace.mjs [--runs 5] [--only seqscan,exitnow]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTrace } from '../dist/src/trace/format.js';
import { summarize } from '../dist/src/stats/summary.js';
import { renderComparison } from '../dist/src/stats/ministat.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
const TRACEPGFAULT = join(ROOT, 'bin', 'tracepgfault');
const W = (n) => join(ROOT, 'native', 'build', 'workloads', n);
const argOf = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const RUNS = Number(argOf('runs', 5));
const ONLY = argOf('only', '');
const tmp = mkdtempSync(join(tmpdir(), 'pw-bench-trace-'));
const PERF = ['/usr/bin/perf', '/usr/bin/perf_6.1', '/usr/sbin/perf'].find((p) => existsSync(p)) ??
  spawnSync('sh', ['-c', 'command -v perf'], { encoding: 'utf8' }).stdout.trim();
const perfWorks = PERF && spawnSync(PERF, ['--version'], { encoding: 'utf8' }).status === 0;

const WORKLOADS = [
  ['seqscan 1 GiB', [W('seqscan'), '262144']],
  ['randtouch', [W('randtouch'), '65536', '65536']],
  ['stride', [W('stride'), '65536', '3']],
  ['threads 4x16384', [W('threads'), '4', '16384']],
  ['mallocheavy', [W('mallocheavy')]],
  ['exitnow', [W('exitnow')]],
].filter(([name]) => !ONLY || ONLY.split(',').some((o) => name.startsWith(o)));

const out = join(tmp, 'bench.pwt');
const perfOut = join(tmp, 'perf.data');
const KINDS = {
  untraced: (argv) => argv,
  tracepgfault: (argv) => [TRACEPGFAULT, out, ...argv],
  pagewise: (argv) => [process.execPath, BIN, 'trace', '-q', '-o', out, '--', ...argv],
  ...(perfWorks ? { 'perf record': (argv) => [PERF, 'record', '-e', 'page-faults', '-c', '1', '-d', '-o', perfOut, '--', ...argv] } : {}),
};

function once(kind, argv) {
  const full = KINDS[kind](argv);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 16 << 20 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${full.join(' ')}: status ${r.status}: ${String(r.stderr).slice(0, 500)}`);
  let samples = null, lost = null;
  if (kind === 'tracepgfault' || kind === 'pagewise') {
    const t = decodeTrace(readFileSync(out));
    samples = t.faults.count;
    lost = t.end?.lost ?? null;
  } else if (kind === 'perf record') {
    const m = /\((\d+) samples\)/.exec(String(r.stderr));
    samples = m ? Number(m[1]) : null;
    const l = /Lost (\d+)|(\d+) lost/i.exec(String(r.stderr));
    lost = l ? Number(l[1] ?? l[2]) : 0;
  }
  return { s, samples, lost };
}

const fmt = (x) => (x < 0.1 ? `${(x * 1000).toFixed(1)} ms` : `${x.toFixed(3)} s`);
console.log(`bench/trace.mjs: ${RUNS} runs per kind after a warm-up; kernel ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, ` +
  `perf_event_paranoid ${readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8').trim()}, uid ${process.getuid()}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}` +
  (perfWorks ? '' : '; perf not installed: no perf record column'));
for (const [name, argv] of WORKLOADS) {
  const times = Object.fromEntries(Object.keys(KINDS).map((k) => [k, []]));
  const info = {};
  for (const k of Object.keys(KINDS)) once(k, argv); // warm-up (page cache, binaries)
  for (let i = 0; i < RUNS; i++) {
    for (const k of Object.keys(KINDS)) {
      const r = once(k, argv);
      times[k].push(r.s);
      info[k] = r;
    }
  }
  const base = summarize(times.untraced).median;
  console.log(`\n== ${name}: ${argv.map((a) => a.replace(ROOT + '/', '')).join(' ')}`);
  for (const k of Object.keys(KINDS)) {
    const s = summarize(times[k]);
    const extra = info[k].samples === null ? '' : `, ${info[k].samples} samples, ${info[k].lost} lost`;
    const slow = k === 'untraced' ? '' : name === 'exitnow' ? `, +${fmt(s.median - base)} fixed cost` : `, ${(s.median / base).toFixed(2)}x`;
    console.log(`  ${k.padEnd(12)} median ${fmt(s.median)} (min ${fmt(s.min)}, max ${fmt(s.max)})${slow}${extra}`);
  }
  if (name === 'exitnow') { // the floor under `pagewise trace`'s own fixed cost: starting node at all
    const node = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0']);
      node.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    console.log(`  ${'node -e 0'.padEnd(12)} median ${fmt(summarize(node).median)} (the start-up of node itself, inside the pagewise figure)`);
  }
  console.log(renderComparison({ name: 'untraced', values: times.untraced }, { name: 'tracepgfault', values: times.tracepgfault }));
}
rmSync(tmp, { recursive: true, force: true });
