/**
 * `pagewise tour`: the main job on the bundled workloads, for a newcomer: inspect, load (eager, demand,
 * hybrid), trace, checkpoint/restart and measure, each step explained, then an HTML page of it all.
 */
import { resolve } from 'node:path';
import { parseCommandArgs, printHelp, type Command } from '../command.js';
import { runTour } from '../../tour/run.js';
import type { Io } from '../io.js';

export const command: Command = {
  name: 'tour',
  summary: 'the main job on the bundled workloads, each step explained, with a report to open',
  usage: 'pagewise tour [-o DIR]',
  help: `Runs, on the bundled workloads, one example of everything pagewise does, saying before each step
what to look at: the ELF headers of a program; loading it eagerly, demand-paged (SIGSEGV and
userfaultfd) and hybrid with a predictor; a NULL dereference that must still crash; tracing the page
faults of a workload and of /bin/ls, their region maps, an HTML report and a predictor replay; a counter
checkpointed, killed and restarted; and a short benchmark with statistics. Everything it writes goes to
DIR (default ./pagewise-tour): open DIR/index.html. Takes about a minute.

Exit status: 0 when every step ended as expected, 1 otherwise (the failing steps are listed).

example:
  pagewise tour -o /tmp/tour && xdg-open /tmp/tour/index.html`,
  async run(argv: string[], io: Io): Promise<number> {
    const { values, help } = parseCommandArgs(argv, { out: { type: 'string', short: 'o' } }, { allowPositionals: false });
    if (help) return printHelp(this, io);
    const dir = resolve(io.cwd, (values.out as string | undefined) ?? 'pagewise-tour');
    const results = await runTour(dir, io);
    const bad = results.filter((r) => !r.ok);
    io.stdout.write(`\ntour: ${results.length - bad.length} of ${results.length} steps as expected; open ${dir}/index.html\n`);
    for (const b of bad) io.stderr.write(`tour: step "${b.title}" ended with status ${b.status}: ${b.command}\n`);
    return bad.length ? 1 : 0;
  },
};
