#!/usr/bin/env node
// bench/hybrid.mjs: the hybrid loader against demand paging, per workload x predictor x --pages.
//
//   node bench/hybrid.mjs [--runs 7] [--pages 2,3] [--workloads seqscan,stride,randtouch]
//
// Each trial is a fresh process: pagewise-exec -> pagewise-loader -> the workload (wait4 rusage and the
// loader's shared page, as `pagewise run --stats` reads them). One warm-up round, then --runs rounds,
// each round visiting the configurations in a fresh shuffled order. Per configuration it prints the
// median handled faults, the median wall time with its spread (min..max), the prefetch figures (pages
// prefetched, measured useful, waste %), and a ministat-style comparison of wall time against demand
// measured in the same run (src/stats compare: Student's t, 95%). Needs `npm run build`.
import { Writable } from 'node:stream';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { runReported } = await import(join(ROOT, 'dist/src/native/run.js'));
const { parseLoaderPage } = await import(join(ROOT, 'dist/src/loader/shm.js'));
const { compare } = await import(join(ROOT, 'dist/src/stats/compare.js'));
const { PW_EXEC_SHM_PLACEHOLDER } = await import(join(ROOT, 'dist/src/native/protocol.js'));

const LOADER = join(ROOT, 'native/build/pagewise-loader');
const ARGS = { seqscan: ['16384'], stride: ['16384', '4'], randtouch: ['16384', '4096'] };
function opt(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const RUNS = Number(opt('runs', '7'));
const PAGES = opt('pages', '2,3').split(',').map(Number);
const WORKLOADS = opt('workloads', 'seqscan,stride,randtouch').split(',');
const PREDICTORS = ['next', 'stride', 'history', 'adaptive'];

const configs = [];
for (const w of WORKLOADS) {
  configs.push({ id: `${w} demand`, w, mode: ['--mode', 'demand'] });
  for (const p of PREDICTORS) for (const n of PAGES) configs.push({ id: `${w} ${p}/${n}`, w, mode: ['--mode', 'hybrid', '--predictor', p, '--pages', String(n)] });
}

const discard = () => new Writable({ write: (_c, _e, cb) => cb() });
async function once(c) {
  const prog = join(ROOT, 'native/build/workloads', c.w);
  const args = [...c.mode, '--via', 'signal', '--shm', PW_EXEC_SHM_PLACEHOLDER, '--exec', prog, '--', c.w, ...ARGS[c.w]];
  const run = await runReported(LOADER, args, { stdio: 'forward', stdout: discard(), stderr: discard() });
  if (run.status !== 0) throw new Error(`${c.id}: status ${run.status} signal ${run.signal}`);
  const l = parseLoaderPage(run.shm);
  return { wall: run.rusage.wallMs, handled: l.faultsHandled, prefetched: l.pagesPrefetched, useful: l.prefetchUseful, partial: l.prefetchPartial };
}

let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const results = new Map(configs.map((c) => [c.id, []]));
for (let round = -1; round < RUNS; round++) {
  const order = [...configs].sort(() => rnd() - 0.5);
  for (const c of order) {
    const m = await once(c);
    if (round >= 0) results.get(c.id).push(m);
  }
  process.stderr.write(`\rround ${round + 1}/${RUNS}`);
}
process.stderr.write('\n');

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const pad = (s, n) => String(s).padStart(n);
console.log(`node bench/hybrid.mjs --runs ${RUNS} --pages ${PAGES.join(',')} --workloads ${WORKLOADS.join(',')}`);
console.log(`workload args: ${WORKLOADS.map((w) => `${w} ${ARGS[w].join(' ')}`).join('; ')}`);
console.log('');
console.log(`${'configuration'.padEnd(22)} ${pad('faults', 7)} ${pad('x fewer', 8)} ${pad('wall ms', 8)} ${pad('min..max', 15)} ${pad('prefetched', 10)} ${pad('useful', 7)} ${pad('waste', 6)}  wall vs demand (95%)`);
for (const w of WORKLOADS) {
  const ref = results.get(`${w} demand`);
  const refFaults = median(ref.map((m) => m.handled));
  for (const c of configs.filter((x) => x.w === w)) {
    const ms = results.get(c.id);
    const walls = ms.map((m) => m.wall);
    const faults = median(ms.map((m) => m.handled));
    const pre = median(ms.map((m) => m.prefetched));
    const us = ms.map((m) => m.useful).filter((u) => u !== null);
    const useful = us.length === ms.length ? median(us) : null;
    const waste = useful === null || pre === 0 ? '' : `${((100 * (pre - median(ms.map((m) => m.partial)) - useful)) / pre).toFixed(1)}%`;
    let vs = 'reference';
    if (c.mode[1] !== 'demand') {
      const cmp = compare(ref.map((m) => m.wall), walls, 95);
      vs = cmp.difference ? `${cmp.difference.pct >= 0 ? '+' : ''}${cmp.difference.pct.toFixed(1)}% +/- ${cmp.difference.pctCi.toFixed(1)}%` : 'no difference proven';
    }
    console.log(`${c.id.padEnd(22)} ${pad(faults, 7)} ${pad((refFaults / Math.max(faults, 1)).toFixed(1), 8)} ${pad(median(walls).toFixed(2), 8)} ${pad(`${Math.min(...walls).toFixed(1)}..${Math.max(...walls).toFixed(1)}`, 15)} ${pad(c.mode[1] === 'demand' ? '' : pre, 10)} ${pad(useful ?? (c.mode[1] === 'demand' ? '' : '?'), 7)} ${pad(waste, 6)}  ${vs}`);
  }
  console.log('');
}
