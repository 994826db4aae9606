// Shared by bench/loader.mjs and bench/reexec.mjs: one run of a command under pagewise-exec (fork ->
// wait4 wall time, decoded by src/native/run.ts), interleaved trials of several commands, and the
// one-line summary of a series against a reference (median, spread, Student's t via src/stats).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExecReport } from '../../dist/src/native/run.js';
import { summarize } from '../../dist/src/stats/summary.js';
import { difference } from '../../dist/src/stats/compare.js';

export const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const NATIVE = join(ROOT, 'native', 'build');
const EXEC = join(NATIVE, 'pagewise-exec');

/** Wall time in ms of one run of argv under pagewise-exec; throws unless it exited with status 0. */
export function runMs(argv) {
  const r = spawnSync(EXEC, ['3', '--', ...argv], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'], maxBuffer: 1 << 20 });
  const rep = r.output[3];
  if (r.status !== 0 || !rep) throw new Error(`bench: ${argv.join(' ')} failed`);
  const run = parseExecReport(rep);
  if (run.status !== 0) throw new Error(`bench: ${argv.join(' ')} ended with ${run.signal ?? `status ${run.status}`}`);
  return run.rusage.wallMs;
}

/** Interleaved trials of several commands, after one warm-up run of each: name -> array of ms. */
export function trials(cmds, runs) {
  const out = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (const argv of Object.values(cmds)) runMs(argv);
  for (let i = 0; i < runs; i++) for (const [k, argv] of Object.entries(cmds)) out[k].push(runMs(argv));
  return out;
}

/** "  name  median ... ms  min ...  max ...  sd ...  ratio ...x  diff ..." (the comparison with ref if given). */
export function statLine(name, xs, ref, { width = 26, overhead = false, sd = true } = {}) {
  const s = summarize(xs);
  let cmp = '';
  if (ref) {
    const r = summarize(ref);
    const d = difference(s, r, 95);
    cmp = `  ratio ${(s.median / r.median).toFixed(3)}x  ` + (overhead ? `overhead ${(s.median - r.median).toFixed(3)} ms  ` : '') +
      (d.proven ? `diff ${d.pct.toFixed(1)}% +/- ${d.pctCi.toFixed(1)}% (95%)` : 'no difference proven at 95%');
  }
  return `  ${name.padEnd(width)} median ${s.median.toFixed(3).padStart(9)} ms  min ${s.min.toFixed(3).padStart(9)}  max ${s.max.toFixed(3).padStart(9)}` +
    (sd ? `  sd ${s.stddev.toFixed(3)}` : '') + cmp;
}
