#!/usr/bin/env node
// bench/reexec.mjs: what the self fd costs (docs/loader.md, "/proc/self/exe"), measured in one run.
//   node bench/reexec.mjs [--runs N] [--before PATH]   (needs npm run build; run it as an ordinary user
//   too: `runuser -u pagewise-test -- node bench/reexec.mjs`, since only unprivileged runs keep the fd)
// 1. eager start-up: exitnow directly, through this loader and (--before) through another build of it.
// 2. a busybox pipeline whose applets re-execute /proc/self/exe, directly and through this loader in
//    eager mode (each applet then starts pagewise-loader again, which loads busybox).
// Each trial is a fresh process under pagewise-exec (fork -> wait4 wall time), interleaved, after a
// warm-up; medians, spread and a Student's t comparison against the direct run via src/stats.
import { join } from 'node:path';
import { NATIVE as B, statLine, trials as trialsOf } from './lib/exec-trials.mjs';

const arg = (name, dflt) => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const RUNS = Number(arg('--runs', 51));
const BEFORE = arg('--before', undefined);

const eager = (loader, argv) => [loader, '--mode', 'eager', '--via', 'signal', '--shm', '@SHMFD@', '--exec', argv[0], '--', ...argv];
const trials = (cmds) => trialsOf(cmds, RUNS);
function report(title, res, refName) {
  console.log(title);
  for (const [k, xs] of Object.entries(res)) {
    console.log(statLine(k, xs, k === refName ? undefined : res[refName], { width: 22, overhead: true, sd: false }));
  }
}

console.log(`pagewise self-fd bench: uid ${process.getuid()}, ${RUNS} runs each, interleaved (${new Date().toISOString()})\n`);
const exitnow = [join(B, 'workloads', 'exitnow')];
const start = { direct: exitnow, eager: eager(join(B, 'pagewise-loader'), exitnow) };
if (BEFORE) start['eager (before)'] = eager(BEFORE, exitnow);
report('1. eager start-up: exitnow', trials(start), 'direct');
const pipe = ['/bin/busybox', 'sh', '-c', 'echo a b | tr a x | cat >/dev/null'];
report('\n2. busybox pipeline, two applets re-executed: sh -c "echo a b | tr a x | cat"', trials({ direct: pipe, eager: eager(join(B, 'pagewise-loader'), pipe) }), 'direct');
