#!/usr/bin/env node
/**
 * tracepgfault OUTFILE CMD [ARGS...]: the classic name and argument order for `pagewise trace -o OUTFILE
 * -- CMD ARGS...` (installed as its own executable). Sets the exit status from main(); nothing else.
 */
import { tracepgfaultArgv } from './commands/trace.js';
import { main } from './main.js';

const USAGE = 'usage: tracepgfault OUTFILE CMD [ARGS...]\n' +
  'Records every page fault and region change of CMD into OUTFILE (the same as pagewise trace -o OUTFILE -- CMD ARGS...).\n' +
  'example: tracepgfault seq.pwt native/build/workloads/seqscan 4096 && pagewise show seq.pwt\n';

const args = process.argv.slice(2);
const mapped = tracepgfaultArgv(args);
if (mapped) {
  process.exitCode = await main(mapped);
} else if (args[0] === '--help' || args[0] === '-h') {
  process.stdout.write(USAGE);
} else {
  process.stderr.write(`tracepgfault: give the output file and the command to trace [USAGE]\n${USAGE}`);
  process.exitCode = 2;
}
