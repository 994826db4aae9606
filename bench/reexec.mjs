#!/usr/bin/env node
// bench/reexec.mjs: what the self fd costs (docs/loader.md, "/proc/self/exe"), measured in one run.
//   node bench/reexec.mjs [--runs N] [--before PATH]   (needs npm run build; run it as an ordinary user
//   too: `runuser -u pagewise-test -- node bench/reexec.mjs`, since only unprivileged runs keep the fd)
// 1. eager start-up: exitnow directly, through this loader and (--before) through another build of it.
// 2. a busybox pipeline whose applets re-execute /proc/self/exe, directly and through this loader in
//    eager mode (each applet then starts pagewise-loader again, which loads busybox).
// Each trial is a fresh process under pagewise-exec (fork -> wait4 wall time), interleaved, after a
// warm-up; medians, spread and a Student's t comparison against the direct run via src/stats.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from '../dist/src/stats/summary.js';
import { difference } from '../dist/src/stats/compare.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const B = join(ROOT, 'native', 'build');
const EXEC = join(B, 'pagewise-exec');
const arg = (name, dflt) => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const RUNS = Number(arg('--runs', 51));
const BEFORE = arg('--before', undefined);

function once(argv) {
  const r = spawnSync(EXEC, ['3', '--', ...argv], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  const rep = r.output[3];
  if (r.status !== 0 || !rep || rep.length < 104) throw new Error(`bench: ${argv.join(' ')} failed`);
  if (rep.readInt32LE(8) !== 0) throw new Error(`bench: ${argv.join(' ')} ended with wait status ${rep.readInt32LE(8)}`);
  return Number(rep.readBigUInt64LE(16)) / 1e6;
}
const eager = (loader, argv) => [loader, '--mode', 'eager', '--via', 'signal', '--shm', '@SHMFD@', '--exec', argv[0], '--', ...argv];
function trials(cmds) {
  const out = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (const argv of Object.values(cmds)) once(argv);
  for (let i = 0; i < RUNS; i++) for (const [k, argv] of Object.entries(cmds)) out[k].push(once(argv));
  return out;
}
function report(title, res, refName) {
  console.log(title);
  const ref = summarize(res[refName]);
  for (const [k, xs] of Object.entries(res)) {
    const s = summarize(xs);
    let cmp = '';
    if (k !== refName) {
      const d = difference(s, ref, 95);
      cmp = `  ratio ${(s.median / ref.median).toFixed(3)}x  overhead ${(s.median - ref.median).toFixed(3)} ms  ` + (d.proven ? `diff ${d.pct.toFixed(1)}% +/- ${d.pctCi.toFixed(1)}% (95%)` : 'no difference proven at 95%');
    }
    console.log(`  ${k.padEnd(22)} median ${s.median.toFixed(3).padStart(8)} ms  min ${s.min.toFixed(3).padStart(8)}  max ${s.max.toFixed(3).padStart(8)}${cmp}`);
  }
}

console.log(`pagewise self-fd bench: uid ${process.getuid()}, ${RUNS} runs each, interleaved (${new Date().toISOString()})\n`);
const exitnow = [join(B, 'workloads', 'exitnow')];
const start = { direct: exitnow, eager: eager(join(B, 'pagewise-loader'), exitnow) };
if (BEFORE) start['eager (before)'] = eager(BEFORE, exitnow);
report('1. eager start-up: exitnow', trials(start), 'direct');
const pipe = ['/bin/busybox', 'sh', '-c', 'echo a b | tr a x | cat >/dev/null'];
report('\n2. busybox pipeline, two applets re-executed: sh -c "echo a b | tr a x | cat"', trials({ direct: pipe, eager: eager(join(B, 'pagewise-loader'), pipe) }), 'direct');
