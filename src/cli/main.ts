/**
 * main(argv, io): the pagewise CLI. Returns the exit status; never throws, never calls process.exit.
 *
 * Commands are loaded lazily from ./commands so that `pagewise elf` does not pay for the bench code.
 * Exit statuses: 0 success, 1 the operation failed, 2 usage or bad input (docs/cli.md).
 * A PagewiseError becomes one line on stderr: "pagewise CMD: message; hint [CODE]". Any other
 * exception is a bug: one line, exit 1, and the stack only when PAGEWISE_DEBUG is set.
 */
import { isPagewiseError } from '../errors.js';
import type { Command } from './command.js';
import { processIo, type Io } from './io.js';

type Loader = () => Promise<{ command: Command }>;

/** name -> [summary, loader]. The summary is here so `pagewise --help` loads no command module. */
export const COMMANDS: Record<string, [string, Loader]> = {
  // inspect
  elf: ['ELF headers as objdump -p shows them (and Mach-O load commands)', () => import('./commands/elf.js')],
  maps: ['the address space of a process, as FreeBSD procstat -v shows it', () => import('./commands/maps.js')],
  auxv: ['the auxiliary vector of a process or a dump, as procstat -x shows it', () => import('./commands/auxv.js')],
  // load
  run: ['run a program through pagewise\'s own ELF loader, eager or demand-paged', () => import('./commands/run.js')],
  // trace
  trace: ['record every page fault and region change of a program into a trace file', () => import('./commands/trace.js')],
  show: ['print the region map and fault summary of a trace', () => import('./commands/show.js')],
  report: ['write a self-contained HTML report of a trace', () => import('./commands/report.js')],
  // checkpoint
  ckpt: ['checkpoint a running program (libckpt.so); inspect and verify images', () => import('./commands/ckpt.js')],
  restart: ['bring a checkpointed program back from its image (myrestart)', () => import('./commands/restart.js')],
  // measure
  bench: ['benchmark direct execve against every loading mode and predictor, with statistics', () => import('./commands/bench.js')],
  predict: ['replay a trace\'s faults through the prefetch predictors: faults saved, pages wasted', () => import('./commands/predict.js')],
  stat: ['ministat: summary, plot and Student\'s t comparison of columns of numbers', () => import('./commands/stat.js')],
  // tour
  tour: ['the main job on the bundled workloads, each step explained, with a report to open', () => import('./commands/tour.js')],
};

const VERSION = '0.1.0';

export function topUsage(): string {
  const names = Object.keys(COMMANDS);
  const w = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(w)}  ${COMMANDS[n][0]}`);
  return [
    'usage: pagewise COMMAND [OPTIONS] [ARGS]',
    '',
    'Load, watch and save the memory image of Linux processes.',
    '',
    'commands:',
    ...lines,
    '',
    'Run `pagewise COMMAND --help` for a command\'s options and an example.',
    'Example: pagewise elf /bin/ls',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topUsage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`pagewise ${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`pagewise: unknown command '${name}'; run pagewise --help for the list [USAGE]\n`);
    return 2;
  }
  let cmd: Command | undefined;
  try {
    cmd = (await entry[1]()).command;
    return await cmd.run(rest, io);
  } catch (e) {
    if (isPagewiseError(e)) {
      io.stderr.write(`pagewise ${name}: ${e.oneLine()}\n`);
      if (e.code === 'USAGE' && cmd) io.stderr.write(`usage: ${cmd.usage.trim().split('\n').join('\n       ')}\n`);
      if (process.env.PAGEWISE_DEBUG && e.cause) io.stderr.write(`${(e.cause as Error).stack ?? String(e.cause)}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    io.stderr.write(`pagewise ${name}: internal error: ${err?.message ?? String(e)}; this is a bug, please report it [INTERNAL]\n`);
    if (process.env.PAGEWISE_DEBUG) io.stderr.write(`${err?.stack}\n`);
    return 1;
  }
}
