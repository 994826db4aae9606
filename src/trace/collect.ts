/**
 * collectTrace: run the native collector (native/build/pagewise-tracer) on a command or a running
 * process and return how the traced program ended. The trace itself goes to the file (or, for '-',
 * to the given stream) as the collector writes it; this module never reads it.
 *
 * The collector checks everything itself (the command on PATH, the PID, what the kernel allows) and
 * reports its failures as JSON lines on fd 3 with a message and a hint: a refusal by the kernel says
 * why and what to change (native/tracer/diagnose.c, shared with `tracepgfault`, which is the collector
 * alone). Here they become coded errors.
 * While the collector runs, SIGINT is not fatal to us: in attach mode it tells the collector to detach
 * and finish; in command mode it reaches the traced program, whose status we then return.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
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
  /** The collector prints the one-line summary on stderr at the end. */
  summary?: boolean;
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

interface ReportLine {
  event: string;
  code?: string;
  errno?: string;
  message?: string;
  hint?: string;
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

/** The coded error for the collector's error line: its message and hint (the collector says why the
 * kernel refused, native/tracer/diagnose.c), under a code pagewise knows. Pure. */
export function collectorError(r: ReportLine): PagewiseError {
  const code = (KNOWN.has(r.code ?? '') ? r.code : 'TRACE_START_FAILED') as ErrorCode;
  return new PagewiseError(code, r.message || 'the collector failed', r.hint ? { hint: r.hint } : {});
}

/** Run the collector to the end. Throws PagewiseError for bad input and for the collector's failures. */
export async function collectTrace(o: CollectOptions): Promise<CollectResult> {
  const cwd = o.cwd ?? process.cwd();
  if (o.command && o.command.length === 0) throw new PagewiseError('USAGE', 'no command to trace: give it after --');
  const exe = locateNative('pagewise-tracer', constants.X_OK);
  const args = ['--report-fd', '3', '--name', 'pagewise trace', '-o', o.out];
  if (o.summary) args.push('--summary');
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
  if (err) throw collectorError(err);
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
