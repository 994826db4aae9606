/**
 * collectTrace: run the native collector (native/build/pagewise-tracer) on a command or a running
 * process and return how the traced program ended. The trace itself goes to the file (or, for '-',
 * to the given stream) as the collector writes it; this module never reads it.
 *
 * Checks in phases before anything runs: the command resolves on PATH (TRACE_COMMAND_NOT_FOUND), the
 * PID exists (TRACE_NO_SUCH_PID). The collector reports its own failures as JSON lines on fd 3; a refusal
 * by the kernel becomes a coded error whose hint says why, from the facts in /proc (diagnosePtrace,
 * diagnosePerf: pure functions of those facts, unit-tested without processes).
 * While the collector runs, SIGINT is not fatal to us: in attach mode it tells the collector to detach
 * and finish; in command mode it reaches the traced program, whose status we then return.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PagewiseError, type ErrorCode } from '../errors.js';
import { locateNative } from '../native/locate.js';

export interface CollectOptions {
  /** Output path, or '-' for `stdout`. */
  out: string;
  /** Command mode: argv of the program. */
  command?: string[];
  /** Attach mode: the process id. */
  pid?: number;
  follow: boolean;
  /** Also sample the page-fault tracepoints for the access kind (root / CAP_PERFMON). */
  access?: boolean;
  /** Ring buffer data pages per CPU (a power of two). */
  ringPages?: number;
  /** Where the trace bytes go for out '-', and the program's own output when not inherited. */
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Give the collector (and the program) our own fds 1 and 2 instead of piping them. */
  inheritStdio: boolean;
  /** PATH and cwd for resolving the command. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface CollectResult {
  /** pagewise trace's exit status: the program's, or 128 + signal. */
  exit: number;
  /** Raw wait status of the main process. */
  status: number;
  pid: number;
  faults: number;
  lost: number;
  /** The kernel's own count (perf counters), or null when unknown. */
  counted: number | null;
  /** Faults the main process took in all (resource usage: minor + major), or null when unknown. */
  took: number | null;
  kernelFaults: boolean;
}

/** The path a command name resolves to, as execvp would find it, or undefined. */
export function resolveCommand(name: string, path: string | undefined, cwd: string): string | undefined {
  const ok = (p: string) => {
    try {
      accessSync(p, constants.F_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return ok(name.startsWith('/') ? name : join(cwd, name)) ? name : undefined;
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const p = join(dir || '.', name);
    if (ok(p)) return p;
  }
  return undefined;
}

export interface PtraceFacts {
  pid: number;
  ourUid: number;
  /** Real, effective, saved, fs uids of the target (from /proc/PID/status), or null if unreadable. */
  targetUids: number[] | null;
  tracerPid: number;
  /** /proc/sys/kernel/yama/ptrace_scope, or null without Yama. */
  yamaScope: number | null;
  errno: string;
}

/** Why PTRACE_SEIZE was refused, as a message and a hint. Pure. */
export function diagnosePtrace(f: PtraceFacts): { message: string; hint: string } {
  const base = `cannot trace process ${f.pid} (PTRACE_SEIZE: ${f.errno})`;
  if (f.tracerPid > 0) {
    return { message: `${base}: it is already traced by process ${f.tracerPid}`, hint: 'a process has one tracer at a time: stop the other tracer (strace, gdb, perf trace ...) first' };
  }
  if (f.ourUid !== 0 && f.targetUids && f.targetUids.some((u) => u !== f.ourUid)) {
    const owner = f.targetUids[0];
    return {
      message: `${base}: it is not your process (it runs as uid ${owner}${f.targetUids[1] !== owner ? `, effective uid ${f.targetUids[1]}: a set-user-ID program` : ''}; you are uid ${f.ourUid})`,
      hint: 'trace only processes you own, or run pagewise as root (or as that user)',
    };
  }
  if (f.ourUid !== 0 && f.yamaScope !== null && f.yamaScope >= 1) {
    const what = ['', 'only a parent may trace its descendants', 'only root (CAP_SYS_PTRACE) may attach', 'no process may attach'][Math.min(f.yamaScope, 3)];
    return {
      message: `${base}: kernel.yama.ptrace_scope is ${f.yamaScope} (${what})`,
      hint: f.yamaScope === 3 ? 'ptrace_scope 3 cannot be lowered until reboot; start the program under pagewise trace -- CMD instead' : 'start the program under pagewise trace -- CMD instead, or lower it: sysctl -w kernel.yama.ptrace_scope=0',
    };
  }
  if (f.ourUid !== 0) {
    return {
      message: `${base}: the process is not dumpable (it changed credentials, e.g. a set-user-ID program, or called prctl(PR_SET_DUMPABLE, 0))`,
      hint: 'run pagewise as root to trace it, or start it under pagewise trace -- CMD',
    };
  }
  return { message: base, hint: 'the kernel refused even root: check for a security module (SELinux, AppArmor) or a container seccomp profile' };
}

/** Why perf_event_open was refused. Pure. */
export function diagnosePerf(paranoid: number | null, uid: number, errno: string): { message: string; hint: string } {
  const base = `the kernel refused the page-fault events (perf_event_open: ${errno})`;
  if (paranoid !== null && paranoid > 2 && uid !== 0) {
    return {
      message: `${base}: kernel.perf_event_paranoid is ${paranoid}, which forbids perf events to ordinary users`,
      hint: 'lower kernel.perf_event_paranoid to 2 (sysctl -w kernel.perf_event_paranoid=2), which lets a user trace their own processes; or run as root',
    };
  }
  return {
    message: `${base}${paranoid !== null ? ` although kernel.perf_event_paranoid is ${paranoid}` : ''}`,
    hint: 'perf_event_open may be blocked by a container seccomp profile or a security module; run on the host, or allow perf_event_open',
  };
}

function readInt(path: string): number | null {
  try {
    const v = parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

export function ptraceFacts(pid: number, errno: string): PtraceFacts {
  let targetUids: number[] | null = null;
  let tracerPid = 0;
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(st);
    if (uid) targetUids = uid.slice(1, 5).map(Number);
    tracerPid = Number(/^TracerPid:\s+(\d+)/m.exec(st)?.[1] ?? 0);
  } catch {
    /* gone or unreadable: the uid check is skipped */
  }
  return { pid, ourUid: process.getuid?.() ?? -1, targetUids, tracerPid, yamaScope: readInt('/proc/sys/kernel/yama/ptrace_scope'), errno };
}

interface ReportLine {
  event: string;
  code?: string;
  errno?: string;
  message?: string;
  pid?: number;
  status?: number;
  exit?: number;
  faults?: number;
  lost?: number;
  counted?: number;
  took?: number;
  kernel_faults?: boolean;
}

/** The collector's JSON lines, in order; lines that are not JSON are ignored. Pure. */
export function parseReport(text: string): ReportLine[] {
  const out: ReportLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as ReportLine;
      if (v && typeof v.event === 'string') out.push(v);
    } catch {
      /* not ours */
    }
  }
  return out;
}

const KNOWN: ReadonlySet<string> = new Set([
  'USAGE', 'WRITE_FAILED', 'INTERNAL', 'TRACE_PERF_DENIED', 'TRACE_NO_SUCH_PID', 'TRACE_PTRACE_DENIED',
  'TRACE_COMMAND_NOT_FOUND', 'TRACE_EXEC_FAILED', 'TRACE_START_FAILED',
]);

/** The coded error for the collector's error line, with the diagnosis where the kernel refused. */
export function collectorError(r: ReportLine, pid: number | undefined): PagewiseError {
  const code = (KNOWN.has(r.code ?? '') ? r.code : 'TRACE_START_FAILED') as ErrorCode;
  const msg = `${r.message ?? 'the collector failed'}${r.errno ? `: ${r.errno}` : ''}`;
  if (code === 'TRACE_PTRACE_DENIED' && pid !== undefined) {
    const d = diagnosePtrace(ptraceFacts(pid, r.errno ?? 'EPERM'));
    return new PagewiseError(code, d.message, { hint: d.hint });
  }
  if (code === 'TRACE_PERF_DENIED') {
    const d = diagnosePerf(readInt('/proc/sys/kernel/perf_event_paranoid'), process.getuid?.() ?? -1, r.errno ?? 'EACCES');
    return new PagewiseError(code, d.message, { hint: d.hint });
  }
  if (code === 'WRITE_FAILED' && r.errno === 'EPIPE') {
    return new PagewiseError(code, msg, { hint: 'the reader of the trace stopped reading (a closed pipe); the program was stopped' });
  }
  return new PagewiseError(code, msg);
}

/** Run the collector to the end. Throws PagewiseError for bad input and for the collector's failures. */
export async function collectTrace(o: CollectOptions): Promise<CollectResult> {
  const cwd = o.cwd ?? process.cwd();
  if (o.command) {
    if (o.command.length === 0) throw new PagewiseError('USAGE', 'no command to trace: give it after --');
    if (!resolveCommand(o.command[0], (o.env ?? process.env).PATH, cwd)) {
      throw new PagewiseError('TRACE_COMMAND_NOT_FOUND', `command not found: ${o.command[0]}`);
    }
  } else if (o.pid !== undefined) {
    if (readInt(`/proc/${o.pid}/stat`) === null && !safeExists(`/proc/${o.pid}`)) {
      throw new PagewiseError('TRACE_NO_SUCH_PID', `no process ${o.pid}`);
    }
  }
  const exe = locateNative('pagewise-tracer', constants.X_OK);
  const args = ['--report-fd', '3', '-o', o.out];
  if (o.follow) args.push('-f');
  if (o.access) args.push('--access');
  if (o.ringPages) args.push('--ring-pages', String(o.ringPages));
  if (o.pid !== undefined) args.push('-p', String(o.pid));
  else args.push('--', ...(o.command ?? []));

  const child = spawn(exe, args, {
    cwd,
    env: o.env ?? process.env,
    stdio: ['inherit', o.inheritStdio ? 'inherit' : 'pipe', o.inheritStdio ? 'inherit' : 'pipe', 'pipe'],
  });
  if (child.stdout) child.stdout.on('data', (b: Buffer) => o.stdout.write(b));
  if (child.stderr) child.stderr.on('data', (b: Buffer) => o.stderr.write(b));
  let report = '';
  const fd3 = child.stdio[3] as NodeJS.ReadableStream;
  fd3.on('data', (b: Buffer) => (report += b.toString('utf8')));

  // The collector decides what Ctrl-C means (attach: detach and finish; command: the program got it too).
  const onInt = () => child.kill('SIGINT');
  const onTerm = () => child.kill('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; err?: Error }>((resolve) => {
    child.on('error', (err) => resolve({ code: null, signal: null, err }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  });
  if (ended.err) throw new PagewiseError('TRACE_START_FAILED', `cannot run ${exe}: ${ended.err.message}`, { cause: ended.err });

  const lines = parseReport(report);
  const err = lines.find((l) => l.event === 'error');
  if (err) throw collectorError(err, o.pid);
  const done = lines.find((l) => l.event === 'done');
  const started = lines.find((l) => l.event === 'started');
  if (!done) {
    const how = ended.signal ? `was killed by ${ended.signal}` : `exited with status ${ended.code}`;
    throw new PagewiseError('TRACE_COLLECTOR_FAILED', `pagewise-tracer ${how} before the end of the trace`);
  }
  return {
    exit: done.exit ?? 0,
    status: done.status ?? 0,
    pid: started?.pid ?? o.pid ?? 0,
    faults: done.faults ?? 0,
    lost: done.lost ?? 0,
    counted: done.counted === undefined || done.counted < 0 ? null : done.counted,
    took: done.took === undefined || done.took < 0 ? null : done.took,
    kernelFaults: started?.kernel_faults === true,
  };
}

function safeExists(p: string): boolean {
  try {
    accessSync(p, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
