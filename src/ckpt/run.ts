/**
 * The effectful side of checkpointing: start a program with libckpt.so preloaded (runPreloaded), ask
 * a running one for an image and wait until it is complete (dumpProcess), and hand a checked image to
 * myrestart (runRestarter). Decisions that can be made without a process (which image path a process
 * writes to, whether its maps show the library) are small pure functions here, tested on their own.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { PagewiseError } from '../errors.js';
import type { Io } from '../cli/io.js';
import { processIo } from '../cli/io.js';
import { locateNative } from '../native/locate.js';
import * as P from '../native/protocol.js';

export const LIB_NAME = 'libckpt.so';
export const RESTARTER_NAME = 'myrestart';

/** Whether a process's maps text shows libckpt.so, or it is a process myrestart brought back. */
export function isPreloaded(mapsText: string, exePath: string | undefined): boolean {
  return /\/libckpt\.so$/m.test(mapsText) || (exePath !== undefined && basename(exePath.replace(/ \(deleted\)$/, '')) === RESTARTER_NAME);
}

/** The image path a process writes: $PAGEWISE_CKPT (relative to its cwd) or myckpt in its cwd. */
export function imagePathFor(environ: string, cwd: string): string {
  const entry = environ.split('\0').find((e) => e.startsWith('PAGEWISE_CKPT='));
  const p = entry ? entry.slice('PAGEWISE_CKPT='.length) : '';
  return resolve(cwd, p || 'myckpt');
}

/** LD_PRELOAD with the library first, keeping what the caller had. */
export function preloadValue(lib: string, existing: string | undefined): string {
  return existing ? `${lib}:${existing}` : lib;
}

/** Resolve a program name as execvp would. */
export function findProgram(prog: string, path = process.env.PATH ?? '/usr/bin:/bin'): string | undefined {
  if (prog.includes('/')) return existsSync(prog) ? prog : undefined;
  for (const dir of path.split(delimiter)) {
    const p = join(dir || '.', prog);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** True when `file` is an ELF executable without PT_INTERP (statically linked: LD_PRELOAD cannot apply). */
export function isStaticElf(head: Buffer): boolean {
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false;
  const phoff = Number(head.readBigUInt64LE(32)), phentsize = head.readUInt16LE(54), phnum = head.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + 4 > head.length) return false;
    if (head.readUInt32LE(o) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

function fileHead(path: string, n = 4096): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/** Spawn with the terminal when io is the process's, else through pipes into io. Resolves the exit status. */
export function spawnToIo(cmd: string, args: string[], env: NodeJS.ProcessEnv, io: Io, onSpawn?: (pid: number) => void): Promise<number> {
  const direct = io.stdout === processIo.stdout;
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { env, cwd: io.cwd, stdio: direct ? 'inherit' : ['inherit', 'pipe', 'pipe'] });
    child.on('error', (e) => rej(new PagewiseError('FILE_NOT_FOUND', `${cmd}: cannot run: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e })));
    if (child.pid !== undefined) onSpawn?.(child.pid);
    child.stdout?.on('data', (d) => io.stdout.write(d));
    child.stderr?.on('data', (d) => io.stderr.write(d));
    child.on('close', (code, signal) => res(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

/** `pagewise ckpt run -- PROG ARGS`: the program with libckpt.so preloaded; its exit status. */
export async function runPreloaded(argv: string[], io: Io, onSpawn?: (pid: number) => void): Promise<number> {
  const lib = locateNative(LIB_NAME);
  const prog = findProgram(argv[0]);
  if (!prog) throw new PagewiseError('FILE_NOT_FOUND', `${argv[0]}: no such program`);
  let head: Buffer | undefined;
  try {
    head = fileHead(prog);
  } catch {
    head = undefined;
  }
  if (head && isStaticElf(head)) {
    throw new PagewiseError('CKPT_NOT_DYNAMIC', `${prog} is statically linked: LD_PRELOAD cannot load libckpt.so into it`);
  }
  io.stderr.write(`pagewise ckpt: LD_PRELOAD=${lib}\n`);
  const env = { ...process.env, LD_PRELOAD: preloadValue(lib, process.env.LD_PRELOAD) };
  return spawnToIo(argv[0], argv.slice(1), env, io, onSpawn);
}

function procRead(pid: number, what: string): string {
  try {
    return readFileSync(`/proc/${pid}/${what}`, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') throw new PagewiseError('PROC_NO_SUCH_PID', `no process ${pid}`);
    throw new PagewiseError('PROC_DENIED', `cannot read /proc/${pid}/${what}: ${code}`);
  }
}

export interface DumpResult { path: string; size: number; ms: number }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `pagewise ckpt dump PID`: check, signal, wait for the rename; refuses without sending anything. */
export async function dumpProcess(pid: number, opts: { image?: string; timeoutMs: number; cwd: string; pollMs?: number }): Promise<DumpResult> {
  const maps = procRead(pid, 'maps');
  let exe: string | undefined;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    exe = undefined;
  }
  if (!isPreloaded(maps, exe)) {
    throw new PagewiseError('CKPT_NOT_PRELOADED', `process ${pid} does not have libckpt.so loaded; SIGUSR2 would not checkpoint it, so nothing was sent`);
  }
  const threads = readdirSync(`/proc/${pid}/task`).length;
  if (threads > P.PW_CKPT_MAX_THREADS + 1) {
    throw new PagewiseError('CKPT_MULTITHREADED', `process ${pid} has ${threads} threads, libckpt.so stops at most ${P.PW_CKPT_MAX_THREADS + 1}; nothing was sent`);
  }
  const restarted = exe !== undefined && basename(exe.replace(/ \(deleted\)$/, '')) === RESTARTER_NAME;
  if (restarted && !opts.image) {
    throw new PagewiseError('USAGE', `process ${pid} was brought back by myrestart: its environment is gone, so the image path is not known; nothing was sent`, {
      hint: 'give --image PATH, the path it writes ($PAGEWISE_CKPT of the original run, or myckpt in its directory)',
    });
  }
  let path: string;
  if (opts.image) path = resolve(opts.cwd, opts.image);
  else {
    let cwd = '/';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      /* unreadable: keep / and let the wait time out with the path named */
    }
    let environ = '';
    try {
      environ = procRead(pid, 'environ');
    } catch {
      environ = '';
    }
    path = imagePathFor(environ, cwd);
  }
  if (!existsSync(dirname(path))) {
    throw new PagewiseError('CKPT_NO_IMAGE_DIR', `process ${pid} writes its image to ${path}, whose directory does not exist; nothing was sent`);
  }
  const stamp = () => {
    try {
      const s = statSync(path, { bigint: true });
      return `${s.ino}:${s.mtimeNs}:${s.size}`;
    } catch {
      return '';
    }
  };
  const before = stamp();
  const t0 = performance.now();
  process.kill(pid, 'SIGUSR2');
  for (;;) {
    await sleep(opts.pollMs ?? 5);
    const now = stamp();
    if (now && now !== before && !existsSync(`${path}.tmp.${pid}`)) {
      return { path, size: statSync(path).size, ms: performance.now() - t0 };
    }
    if (!existsSync(`/proc/${pid}`)) throw new PagewiseError('CKPT_DUMP_FAILED', `process ${pid} exited before ${path} was complete`);
    if (performance.now() - t0 > opts.timeoutMs) {
      throw new PagewiseError('CKPT_DUMP_TIMEOUT', `no complete image at ${path} ${Math.round(opts.timeoutMs / 1000)} s after SIGUSR2 to process ${pid}${isAbsolute(path) ? '' : ''}`);
    }
  }
}

/** Hand a checked image to myrestart; the restored program's output goes to io; its exit status. */
export async function runRestarter(image: string, io: Io, onSpawn?: (pid: number) => void): Promise<number> {
  const restarter = locateNative(RESTARTER_NAME);
  return spawnToIo(restarter, [resolve(io.cwd, image)], process.env, io, onSpawn);
}
