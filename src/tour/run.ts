/**
 * runTour(dir, io): runs the tour's steps (./steps.ts) one after another through main(), echoing each
 * step's explanation and output to io and keeping a transcript; runs the checkpoint scenario (a counter
 * under libckpt.so is checkpointed, killed and restarted, and its final line compared with an
 * uninterrupted run); then writes DIR/index.html, a self-contained page of the whole transcript with
 * links to the trace and bench reports. Returns the steps that did not end as expected.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../cli/main.js';
import type { Io } from '../cli/io.js';
import { locateNative, workloadPath } from '../native/locate.js';
import { writePrivateFile } from '../report/write.js';
import { STEPS, type Step } from './steps.js';
import { readFileSync } from 'node:fs';
import { decodeBenchRun } from '../bench/store.js';
import { findings } from '../bench/analyze.js';

export interface StepResult {
  part: string;
  title: string;
  explain: string;
  command: string;
  output: string;
  status: number;
  ok: boolean;
}

function teeIo(io: Io, sink: string[]): Io {
  const tee = (to: NodeJS.WritableStream) =>
    new Writable({
      write(chunk, _e, cb) {
        const s = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
        sink.push(s);
        to.write(s);
        cb();
      },
    });
  return { stdout: tee(io.stdout), stderr: tee(io.stderr), isTTY: false, cwd: io.cwd };
}

function expand(arg: string, dir: string): string {
  return arg.replace('{DIR}', dir).replace(/^\{W:(\w+)\}$/, (_m, w: string) => workloadPath(w));
}

const shown = (argv: string[]) => 'pagewise ' + argv.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ');

async function runStep(step: Step, dir: string, io: Io): Promise<StepResult> {
  const argv = step.argv.map((a) => expand(a, dir));
  const command = shown(argv);
  io.stdout.write(`\n== ${step.part}: ${step.title}\n${step.explain}\n$ ${command}\n`);
  const out: string[] = [];
  const status = await main(argv, teeIo(io, out));
  return { part: step.part, title: step.title, explain: step.explain, command, output: out.join(''), status, ok: status === (step.expect ?? 0) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Checkpoint a running counter, kill it, restart it from the image, and check it finishes as an uninterrupted run does. */
async function checkpointScenario(dir: string, io: Io): Promise<StepResult[]> {
  const counter = workloadPath('counter');
  const image = join(dir, 'counter.ckpt');
  const lib = locateNative('libckpt.so');
  const results: StepResult[] = [];
  const reference = spawnSync(counter, ['30'], { encoding: 'utf8' }).stdout.trim().split('\n').pop() ?? '';

  io.stdout.write(
    `\n== Checkpoint: freeze a running program to a file and bring it back\n` +
      `$ LD_PRELOAD=${lib} PAGEWISE_CKPT=${image} ${counter} 30 &   # prints "counter N" every 100 ms\n`,
  );
  const child = spawn(counter, ['30'], { env: { ...process.env, LD_PRELOAD: lib, PAGEWISE_CKPT: image }, stdio: ['ignore', 'pipe', 'pipe'] });
  let before = '';
  child.stdout.on('data', (c: Buffer) => { before += c.toString(); io.stdout.write(c); });
  await sleep(1000);
  const dump = await runStep(
    { part: 'Checkpoint', title: 'Checkpoint it (SIGUSR2, as kill -12 would)', explain: 'The library\'s handler writes the image and the program carries on.', argv: ['ckpt', 'dump', String(child.pid), '--image', image] },
    dir,
    io,
  );
  results.push({ ...dump, output: before + dump.output });
  await sleep(300);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('close', r));
  io.stdout.write(`$ kill -9 ${child.pid}   # the process is gone; only the image remains\n`);
  results.push(await runStep({ part: 'Checkpoint', title: 'What the image holds', explain: 'Every region, bytes stored against bytes mapped (all-zero pages are not stored), the saved registers and signal state.', argv: ['ckpt', 'inspect', image] }, dir, io));
  const restart = await runStep(
    { part: 'Checkpoint', title: 'Restart from the image', explain: `The static restarter maps every region back and resumes the program where it was: the counter carries on from where the checkpoint caught it. An uninterrupted run ends with "${reference}".`, argv: ['restart', image] },
    dir,
    io,
  );
  const last = restart.output.trim().split('\n').pop() ?? '';
  const same = last === reference;
  io.stdout.write(same ? `the restarted run ended exactly as the uninterrupted one: ${last}\n` : `MISMATCH: the restarted run ended with "${last}", an uninterrupted one with "${reference}"\n`);
  results.push({ ...restart, ok: restart.ok && same });
  return results;
}

export async function runTour(dir: string, io: Io): Promise<StepResult[]> {
  mkdirSync(dir, { recursive: true });
  const results: StepResult[] = [];
  const measure = STEPS.filter((s) => s.part === 'Measure');
  for (const step of STEPS.filter((s) => s.part !== 'Measure')) results.push(await runStep(step, dir, io));
  results.push(...(await checkpointScenario(dir, io)));
  for (const step of measure) results.push(await runStep(step, dir, io));
  writePrivateFile(join(dir, 'index.html'), renderTourHtml(results, dir));
  return results;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderTourHtml(results: StepResult[], dir: string): string {
  const links = [
    ['trace.html', 'the trace report of the strided scan'],
    ['bench/bench.html', 'the benchmark report'],
  ].filter(([f]) => existsSync(join(dir, f)));
  const parts: string[] = [];
  const benchFile = join(dir, 'bench', 'results.pwbench');
  if (existsSync(benchFile)) {
    // what the short benchmark found, first: the measured answer to "what is each mode good for?"
    const found = findings(decodeBenchRun(readFileSync(benchFile, "utf8"), benchFile));
    parts.push(`<h2>What the benchmark found</h2><ul>${found.map((f) => `<li><b>${esc(f.claim)}</b>: ${esc(f.text)}</li>`).join('')}</ul>`);
  }
  let current = '';
  for (const r of results) {
    if (r.part !== current) { parts.push(`<h2>${esc(r.part)}</h2>`); current = r.part; }
    parts.push(
      `<section class="${r.ok ? 'ok' : 'bad'}"><h3>${esc(r.title)}${r.ok ? '' : ` <span class="st">(ended with status ${r.status})</span>`}</h3><p>${esc(r.explain)}</p>` +
        `<pre class="cmd">$ ${esc(r.command)}</pre><pre>${esc(r.output)}</pre></section>`,
    );
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pagewise tour</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}pre.cmd{background:#223;color:#dfe}
section.bad h3{color:#a00}.st{font-weight:normal;font-size:80%}</style></head><body>
<h1>pagewise tour</h1>
<p>What pagewise does, run on the bundled workloads on this machine: inspect an ELF file, load it yourself
(all at once, on demand, with prediction), trace its page faults, checkpoint and restart it, and measure.</p>
${links.length ? `<p>Reports: ${links.map(([f, t]) => `<a href="${f}">${esc(t)}</a>`).join(', ')}.</p>` : ''}
${parts.join('\n')}
</body></html>
`;
}
