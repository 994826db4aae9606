/**
 * `pagewise trace -o OUT -- CMD ARGS...` / `pagewise trace -o OUT -p PID`: record every page fault and
 * every address-space change of a program into a trace (docs/formats/trace.md), through the native
 * collector (src/trace/collect.ts). Exits with the traced program's status (128 + signal when it was
 * killed); its own failures are coded errors (2 bad input or refused by the kernel, 1 failed).
 * A one-line summary goes to stderr (the collector prints it, as tracepgfault does; the program's stdout
 * is its own); --json puts it on stdout instead.
 */
import { resolve } from 'node:path';
import { collectTrace } from '../../trace/collect.js';
import { intOption, json, parseCommandArgs, printHelp, usageError, type Command } from '../command.js';
import { processIo, type Io } from '../io.js';

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  pid: { type: 'string', short: 'p' },
  follow: { type: 'boolean', short: 'f' },
  access: { type: 'boolean' },
  'ring-pages': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;
const TAKES_VALUE = new Set(['-o', '--output', '-p', '--pid', '--ring-pages']);

/** Split argv into pagewise's options and the command: at `--`, else at the first non-option word. */
export function splitCommand(argv: string[]): { options: string[]; command: string[] } {
  const dd = argv.indexOf('--');
  let i = 0;
  for (; i < argv.length && (dd < 0 || i < dd); i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') break;
    if (TAKES_VALUE.has(a)) i++;
  }
  if (dd >= 0 && i >= dd) return { options: argv.slice(0, dd), command: argv.slice(dd + 1) };
  return { options: argv.slice(0, i), command: argv.slice(i) };
}

export const command: Command = {
  name: 'trace',
  summary: 'record every page fault and region change of a program into a trace file',
  usage: 'pagewise trace [-f] [--access] [-o OUT] [--ring-pages N] [--json] -- CMD [ARGS...]\npagewise trace [-f] [-o OUT] -p PID',
  help: `
Runs CMD (or attaches to the running process PID) and records, from its first instruction until it is
reaped (or until Ctrl-C detaches from PID): every page fault of every thread (time, thread, address,
instruction, minor/major), every memory region added, removed, resized, split, merged or re-protected,
thread and process starts, execs and exits, the kernel's own fault counts, and samples the kernel lost.
No root, no kernel module: perf_event_open software page-fault events, ptrace of the memory system calls
(a seccomp filter stops the program only on mmap, munmap, mprotect, mremap, brk) and /proc/PID/maps.
As an ordinary user (kernel.perf_event_paranoid 2) faults taken inside system calls are not visible:
the trace then says how many faults the process took in all and how many it could record.

options:
  -o, --output OUT   the trace file (mode 0600; default pagewise.trace); '-' writes it to stdout, and the
                     program's own stdout then goes to stderr
  -p, --pid PID      attach to a running process instead of running CMD (stop with Ctrl-C)
  -f, --follow       follow child processes too: their faults, tasks and own regions (show groups the
                     region map by process)
  --access           also record the access kind (read, write, exec) of each fault, from the
                     exceptions:page_fault_* tracepoints: needs root (or CAP_PERFMON) and tracefs, and
                     costs a second sample per fault; without them a warning, and the kinds stay unknown
  --ring-pages N     perf ring buffer size per CPU in 4 KiB pages, a power of two (default 1024)
  --json             print the summary as JSON on stdout
  -q, --quiet        no summary line

exit status: the traced program's (128 + N when killed by signal N; 0 after detaching from PID);
1 tracing failed; 2 bad arguments, no such command or process, or the kernel refused (the message says
why and what to change).

example:
  pagewise trace -o seq.pwt -- native/build/workloads/seqscan 4096
  pagewise show seq.pwt
  pagewise trace -f -o - -- sh -c 'ls; ls' | pagewise show --follow -
`,
  async run(argv: string[], io: Io): Promise<number> {
    const split = splitCommand(argv);
    const { values: v, positionals, help } = parseCommandArgs(split.options, OPTIONS, { allowPositionals: false });
    if (help) return printHelp(command, io);
    if (positionals.length) throw usageError(`unexpected argument '${positionals[0]}'`);
    const pid = v.pid === undefined ? undefined : intOption('pid', String(v.pid), 0, 1, 0x3fffffff);
    if (pid !== undefined && split.command.length) throw usageError('give either -p PID or a command, not both');
    if (pid === undefined && split.command.length === 0) throw usageError('give the command to trace after --, or -p PID');
    const ringPages = intOption('ring-pages', v['ring-pages'] as string | undefined, 1024, 8, 1 << 20);
    if (ringPages & (ringPages - 1)) throw usageError(`--ring-pages must be a power of two, got ${ringPages}`);
    const outArg = (v.output as string | undefined) ?? 'pagewise.trace';
    const out = outArg === '-' ? '-' : resolve(io.cwd, outArg);

    const r = await collectTrace({
      out,
      command: pid === undefined ? split.command : undefined,
      pid,
      follow: v.follow === true,
      access: v.access === true,
      ringPages,
      summary: !v.quiet && !(v.json && out !== '-'),
      stdout: io.stdout,
      stderr: io.stderr,
      inheritStdio: io === processIo,
      cwd: io.cwd,
    });
    if (v.json && out !== '-') {
      json(io, { trace: outArg, pid: r.pid, exit: r.exit, faults: r.faults, lost: r.lost, counted: r.counted, took: r.took, kernelFaults: r.kernelFaults });
    }
    return r.exit;
  },
};
