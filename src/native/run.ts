/**
 * runReported(program, args): run a native program as a child through pagewise-exec, which wait4()s it
 * and reports how it ended, with its rusage, on a pipe (Node itself cannot wait4). Generic: any native
 * program may be run this way; the loader also fills the shared page the report carries.
 *
 * stdio 'inherit' gives the child this process's stdin/stdout/stderr (the real CLI); 'forward' pipes
 * stdout/stderr into the given streams (tests calling main() in-process). stdin is always inherited.
 * While the child runs, SIGINT and SIGQUIT are ignored here, as a shell ignores them for a foreground
 * job: the child gets them from the terminal and its status tells what happened.
 * Throws NATIVE_MISSING when pagewise-exec is not built, LOADER_CRASHED when no report arrives.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { PagewiseError } from '../errors.js';
import { ByteReader } from '../util/reader.js';
import { locateNative } from './locate.js';
import {
  PW_EXEC_OFF_EXEC_ERRNO, PW_EXEC_OFF_MAGIC, PW_EXEC_OFF_MAJFLT, PW_EXEC_OFF_MAXRSS_KB, PW_EXEC_OFF_MINFLT,
  PW_EXEC_OFF_NIVCSW, PW_EXEC_OFF_NVCSW, PW_EXEC_OFF_PID, PW_EXEC_OFF_SHM_SIZE, PW_EXEC_OFF_STIME_US,
  PW_EXEC_OFF_UTIME_US, PW_EXEC_OFF_VERSION, PW_EXEC_OFF_WAIT_STATUS, PW_EXEC_OFF_WALL_NS, PW_EXEC_REPORT_MAGIC,
  PW_EXEC_REPORT_SIZE, PW_EXEC_REPORT_VERSION,
} from './protocol.js';

export interface Rusage {
  wallMs: number;
  userMs: number;
  sysMs: number;
  maxRssKiB: number;
  minorFaults: number;
  majorFaults: number;
  voluntarySwitches: number;
  involuntarySwitches: number;
}

export interface ReportedRun {
  pid: number;
  /** Exit status when the child exited, else null. */
  status: number | null;
  /** Signal name when the child was killed by a signal, else null. */
  signal: NodeJS.Signals | null;
  signalNumber: number | null;
  /** errno of a failed execv of the program itself (0 when it started). */
  execErrno: number;
  rusage: Rusage;
  /** The shared page (PW_LOADER_SHM_SIZE bytes), as the child left it. */
  shm: Buffer;
}

export interface RunOptions {
  stdio?: 'inherit' | 'forward';
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const signalName = (n: number): NodeJS.Signals | null =>
  (Object.entries(constants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined) ?? null;

/** Decode pagewise-exec's report record (docs/formats/loader-report.md). */
export function parseExecReport(buf: Buffer): ReportedRun {
  const r = new ByteReader(buf, 'pagewise-exec report', 'LOADER_CRASHED');
  const magic = r.u32(PW_EXEC_OFF_MAGIC, 'magic');
  if (magic !== PW_EXEC_REPORT_MAGIC) throw new PagewiseError('LOADER_CRASHED', `pagewise-exec report: bad magic 0x${magic.toString(16)}`);
  const version = r.u32(PW_EXEC_OFF_VERSION, 'version');
  if (version !== PW_EXEC_REPORT_VERSION) throw new PagewiseError('LOADER_CRASHED', `pagewise-exec report: version ${version}, expected ${PW_EXEC_REPORT_VERSION}`);
  const ws = r.i32(PW_EXEC_OFF_WAIT_STATUS, 'wait_status');
  const shmSize = r.u32(PW_EXEC_OFF_SHM_SIZE, 'shm_size');
  const shm = r.bytes(PW_EXEC_REPORT_SIZE, shmSize, 'shared page');
  const termsig = ws & 0x7f;
  const exited = termsig === 0;
  const us = (off: number, f: string) => r.u64n(off, f) / 1000;
  return {
    pid: r.i32(PW_EXEC_OFF_PID, 'pid'),
    status: exited ? (ws >> 8) & 0xff : null,
    signal: exited ? null : signalName(termsig),
    signalNumber: exited ? null : termsig,
    execErrno: r.i32(PW_EXEC_OFF_EXEC_ERRNO, 'exec_errno'),
    rusage: {
      wallMs: r.u64n(PW_EXEC_OFF_WALL_NS, 'wall_ns') / 1e6,
      userMs: us(PW_EXEC_OFF_UTIME_US, 'utime_us'),
      sysMs: us(PW_EXEC_OFF_STIME_US, 'stime_us'),
      maxRssKiB: r.u64n(PW_EXEC_OFF_MAXRSS_KB, 'maxrss_kb'),
      minorFaults: r.u64n(PW_EXEC_OFF_MINFLT, 'minflt'),
      majorFaults: r.u64n(PW_EXEC_OFF_MAJFLT, 'majflt'),
      voluntarySwitches: r.u64n(PW_EXEC_OFF_NVCSW, 'nvcsw'),
      involuntarySwitches: r.u64n(PW_EXEC_OFF_NIVCSW, 'nivcsw'),
    },
    shm: Buffer.from(shm),
  };
}

/** Run `program args` (argv[0] included in args) under pagewise-exec; resolves when it has ended. */
export async function runReported(program: string, args: string[], opts: RunOptions = {}): Promise<ReportedRun> {
  const exec = locateNative('pagewise-exec');
  const forward = opts.stdio === 'forward';
  const child = spawn(exec, ['3', '--', program, ...args], {
    argv0: 'pagewise-exec',
    stdio: ['inherit', forward ? 'pipe' : 'inherit', forward ? 'pipe' : 'inherit', 'pipe'],
    cwd: opts.cwd,
    env: opts.env ?? process.env,
  });
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  try {
    const chunks: Buffer[] = [];
    if (forward) {
      child.stdout?.on('data', (c: Buffer) => opts.stdout?.write(c));
      child.stderr?.on('data', (c: Buffer) => opts.stderr?.write(c));
    }
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => chunks.push(c));
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', (e) => reject(new PagewiseError('NATIVE_MISSING', `cannot start ${exec}: ${e.message}`, { cause: e })));
      child.on('close', (c, s) => resolve([c, s]));
    });
    const report = Buffer.concat(chunks);
    if (code !== 0 || report.length < PW_EXEC_REPORT_SIZE) {
      throw new PagewiseError('LOADER_CRASHED', `pagewise-exec ended (${sig ?? `status ${code}`}) without a report`);
    }
    return parseExecReport(report);
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
  }
}
