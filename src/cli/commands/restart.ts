/**
 * `pagewise restart IMAGE`: check the image as myrestart will (every checksum, the restarter's range,
 * files present, this kernel's vdso sizes), then run myrestart on it; the program continues on this
 * terminal and its exit status is ours. Parses arguments, calls src/ckpt.
 */
import { resolve } from 'node:path';
import { parseCommandArgs, printHelp, usageError, type Command } from '../command.js';
import type { Io } from '../io.js';
import { restartPreflight, verifyImageFile } from '../../ckpt/file.js';
import { runRestarter } from '../../ckpt/run.js';

export const command: Command = {
  name: 'restart',
  summary: 'bring a checkpointed program back from its image (myrestart)',
  usage: 'pagewise restart IMAGE',
  help: `
Validates IMAGE completely before anything runs (magic, format version, architecture, the header and
every region checksum, no region inside the restarter's range 0x5000000-0x5400000, the files the
program had open still present, this kernel's [vdso]/[vvar] of the image's sizes), then runs the static
restarter myrestart, which maps the regions back, reopens the files at their offsets, restores the
signal handlers, rseq and the registers, and lets the program carry on where it was checkpointed.
Its output continues on this terminal; its stdin, stdout and stderr are this terminal's.
The same image can be restarted many times; a restarted program can be checkpointed again.

exit status: the program's; 2 when the image is refused (nothing was run).

example:
  pagewise restart myckpt
  myrestart myckpt          # the native restarter directly (native/build/myrestart)
`,
  async run(argv: string[], io: Io): Promise<number> {
    const { positionals, help } = parseCommandArgs(argv, {});
    if (help) return printHelp(command, io);
    if (positionals.length !== 1) throw usageError('expected one IMAGE');
    const path = resolve(io.cwd, positionals[0]);
    const img = verifyImageFile(path);
    restartPreflight(img, path);
    return runRestarter(path, io);
  },
};
