/**
 * Helpers for the checkpoint tests: start a program with libckpt.so preloaded or an image under
 * myrestart as a child whose output is collected, wait for a line, checkpoint it through the CLI
 * (pagewise ckpt dump), kill it. Also builds a small real image once per test process (sampleImage).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE, runCli } from '../helpers/cli.js';

export const LIB = join(NATIVE, 'libckpt.so');
export const RESTARTER = join(NATIVE, 'myrestart');
export const FIX = join(NATIVE, 'ckpt-fixtures');
export const nativeSkip = existsSync(LIB) && existsSync(RESTARTER) && existsSync(join(FIX, 'ckpt_selfcheck')) ? false : 'native checkpoint programs not built (make -C native)';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory (world-writable, for the test user), removed when the test process exits. */
export function tmpDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pagewise-ckpt-'));
  chmodSync(d, 0o777);
  made.push(d);
  return d;
}

export class Proc {
  readonly child: ChildProcess;
  out = '';
  err = '';
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string }) {
    this.child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.out += String(d)));
    this.child.stderr!.on('data', (d) => (this.err += String(d)));
    if (opts.stdin !== undefined) this.child.stdin!.write(opts.stdin);
    this.done = new Promise((res) => this.child.on('close', (code, signal) => res({ code, signal })));
  }
  get pid(): number {
    return this.child.pid!;
  }
  async waitFor(re: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
    const t0 = Date.now();
    for (;;) {
      const m = this.out.match(re);
      if (m) return m;
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re}; stdout: ${this.out.slice(-500)} stderr: ${this.err.slice(-500)}`);
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        await new Promise((r) => setTimeout(r, 50));
        const m2 = this.out.match(re);
        if (m2) return m2;
        throw new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}) before ${re}; stdout: ${this.out.slice(-500)} stderr: ${this.err.slice(-500)}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.done;
  }
}

export function startPreloaded(cmd: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}, stdin?: string): Proc {
  return new Proc(cmd, args, { cwd, env: { ...process.env, ...extraEnv, LD_PRELOAD: LIB }, stdin });
}

export function startRestart(image: string, cwd: string, stdin?: string): Proc {
  return new Proc(RESTARTER, [image], { cwd, stdin });
}

/** pagewise ckpt dump PID [--image IMAGE] (the path the process writes), in-process; returns the image size. */
export async function dump(pid: number, image?: string): Promise<number> {
  const r = await runCli(['ckpt', 'dump', String(pid), '--timeout', '30', ...(image ? ['--image', image] : [])]);
  if (r.code !== 0) throw new Error(`ckpt dump ${pid} failed (${r.code}): ${r.stderr}`);
  const m = /^(\S+) (\d+) bytes\n$/.exec(r.stdout);
  if (!m) throw new Error(`unexpected dump output: ${r.stdout}`);
  return Number(m[2]);
}

let sample: { image: string; maps: string; pid: number } | undefined;
/** A real image of the counter (about 2.4 MB) and the maps of its process just after, made once. */
export async function sampleImage(): Promise<{ image: string; maps: string; pid: number }> {
  if (sample) return sample;
  const dir = tmpDir();
  const image = join(dir, 'sample.img');
  const p = startPreloaded(join(FIX, 'counter'), ['1000'], dir, { PAGEWISE_CKPT: image });
  await p.waitFor(/counter 2\n/);
  await dump(p.pid); // the path from its environment
  const maps = readFileSync(`/proc/${p.pid}/maps`, 'utf8');
  await p.kill();
  sample = { image, maps, pid: p.pid };
  return sample;
}

/** A checkpoint of ckpt_selfcheck, which holds DATAFILE open: { dir, image, data }. */
export async function selfcheckImage(): Promise<{ dir: string; image: string; data: string }> {
  const dir = tmpDir();
  const data = join(dir, 'data.bin');
  writeFileSync(data, Buffer.alloc(8192, 'abcdefghij'));
  const image = join(dir, 'selfcheck.img');
  const p = startPreloaded(join(FIX, 'ckpt_selfcheck'), [data], dir, { PAGEWISE_CKPT: image });
  await p.waitFor(/READY (\d+)/);
  await dump(p.pid, image);
  await p.kill();
  return { dir, image, data };
}

/** Run the restarter to completion on an image (for refusals): status and stderr. */
export function restartSync(image: string, cwd = tmpdir()) {
  const r = spawnSync(RESTARTER, [image], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

let mtSample: string | undefined;
/** A real image of ckpt_mt (four threads: the thread table is filled), made once. */
export async function threadedImage(): Promise<string> {
  if (mtSample) return mtSample;
  const dir = tmpDir();
  const image = join(dir, 'mt.img');
  const p = startPreloaded(join(FIX, 'ckpt_mt'), ['200'], dir, { PAGEWISE_CKPT: image });
  await p.waitFor(/tick 1\n/);
  await dump(p.pid);
  await p.kill();
  mtSample = image;
  return image;
}
