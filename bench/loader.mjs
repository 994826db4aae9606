#!/usr/bin/env node
// bench/loader.mjs: what loading through pagewise costs, against the direct run, measured in one run.
//   node bench/loader.mjs [--runs N] [--loader PATH]   (needs npm run build; figures go to docs/loader.md)
// 1. eager end-to-end: each workload run directly (execve) and through `pagewise-loader --mode eager`,
//    both under pagewise-exec (fork -> wait4 wall time), interleaved, N runs each, after a warm-up.
// 2. demand cost per handled fault: marginal wall time per page of the seqscan workload
//    (time(P2 pages) - time(P1 pages)) / (P2 - P1) under demand/signal, demand/uffd (SIGBUS in the faulting
//    thread) and demand/uffd-thread (the pager thread), against the floor
//    program native/loader/floor.c (catch SIGSEGV, map one page per fault) and the kernel's own
//    anonymous fault (seqscan run directly).
// 3. start-up overhead: exitnow directly vs through the loader in each mode.
// Each trial is a fresh process; medians, spread and a Student's t comparison via src/stats.
import { join } from 'node:path';
import { summarize } from '../dist/src/stats/summary.js';
import { NATIVE as B, statLine as line, trials as trialsOf } from './lib/exec-trials.mjs';

const loaderArg = process.argv.indexOf('--loader'); // another build of the loader, to compare (before/after)
const LOADER = loaderArg > 0 ? process.argv[loaderArg + 1] : join(B, 'pagewise-loader');
const FLOOR = join(B, 'pagewise-fault-floor');
const W = (n) => join(B, 'workloads', n);
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 11;

const loaded = (mode, via, argv) => [LOADER, '--mode', mode, '--via', via, '--shm', '@SHMFD@', '--exec', argv[0], '--', ...argv];
const trials = (cmds) => trialsOf(cmds, RUNS);
const med = (xs) => summarize(xs).median;

console.log(`pagewise loader bench: ${LOADER}, ${RUNS} runs each, interleaved, after one warm-up (${new Date().toISOString()})\n`);
console.log('1. eager end-to-end vs direct (goal: within 1.05x)');
const WORK = {
  exitnow: [W('exitnow')],
  seqscan: [W('seqscan'), '16384'],
  randtouch: [W('randtouch'), '16384', '50000'],
  stride: [W('stride'), '16384', '3'],
  mallocheavy: [W('mallocheavy'), '2000'],
  mmapread: [W('mmapread'), '/usr/bin/python3.11'],
  threads: [W('threads'), '4', '1024'],
};
for (const [name, argv] of Object.entries(WORK)) {
  const t = trials({ direct: argv, eager: loaded('eager', 'signal', argv) });
  console.log(`${name}:`);
  console.log(line('direct', t.direct));
  console.log(line('eager', t.eager, t.direct));
}

console.log('\n2. demand: marginal cost per handled fault (seqscan, pages P1 -> P2), against the floor program');
const P1 = 1024, P2 = 16384;
const per = {};
for (const [name, mk] of Object.entries({
  'kernel (direct)': (p) => [W('seqscan'), String(p)],
  'floor (SIGSEGV+mmap)': (p) => [FLOOR, String(p)],
  'demand via signal': (p) => loaded('demand', 'signal', [W('seqscan'), String(p)]),
  'demand via uffd': (p) => loaded('demand', 'uffd', [W('seqscan'), String(p)]),
  'demand via uffd-thread': (p) => loaded('demand', 'uffd-thread', [W('seqscan'), String(p)]),
})) {
  const t = trials({ a: mk(P1), b: mk(P2) });
  // per-run pairs: (b_i - a_i) / (P2 - P1) in microseconds
  per[name] = t.b.map((b, i) => ((b - t.a[i]) * 1000) / (P2 - P1));
}
const floor = per['floor (SIGSEGV+mmap)'];
for (const [name, xs] of Object.entries(per)) {
  const s = summarize(xs);
  const ratio = name.startsWith('demand') ? `  ratio to floor ${(s.median / summarize(floor).median).toFixed(2)}x (goal 1.3x)` : '';
  console.log(`  ${name.padEnd(24)} median ${s.median.toFixed(3)} us/fault  min ${s.min.toFixed(3)}  max ${s.max.toFixed(3)}${ratio}`);
}

console.log('\n3. start-up overhead: exitnow');
const st = trials({
  direct: [W('exitnow')],
  eager: loaded('eager', 'signal', [W('exitnow')]),
  'demand/signal': loaded('demand', 'signal', [W('exitnow')]),
  'demand/uffd': loaded('demand', 'uffd', [W('exitnow')]),
  'demand/uffd-thread': loaded('demand', 'uffd-thread', [W('exitnow')]),
  'eager /bin/true (dynamic)': loaded('eager', 'signal', ['/bin/true']),
  'direct /bin/true': ['/bin/true'],
});
for (const k of Object.keys(st)) {
  const ref = k.includes('/bin/true') ? (k.startsWith('direct') ? undefined : st['direct /bin/true']) : (k === 'direct' ? undefined : st.direct);
  console.log(line(k, st[k], ref) + (ref ? `  overhead ${(med(st[k]) - med(ref)).toFixed(3)} ms` : ''));
}
