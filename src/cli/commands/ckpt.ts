/**
 * `pagewise ckpt run|dump|inspect|verify`: checkpoint a program with libckpt.so (src/ckpt). run starts
 * it preloaded, dump asks a running one for an image and waits for it, inspect shows an image, verify
 * checks every checksum and structure. Parses arguments, calls src/ckpt, prints.
 */
import { parseCommandArgs, printHelp, usageError, json, intOption, type Command } from '../command.js';
import type { Io } from '../io.js';
import { resolve } from 'node:path';
import { readImage, verifyImageFile } from '../../ckpt/file.js';
import { renderImage, imageJson, COLUMN_HELP } from '../../ckpt/render.js';
import { dumpProcess, runPreloaded } from '../../ckpt/run.js';

export const command: Command = {
  name: 'ckpt',
  summary: 'checkpoint a running program to an image (libckpt.so), inspect and verify images',
  usage: `pagewise ckpt run [--] PROG [ARGS...]
pagewise ckpt dump PID [--image PATH] [--timeout SECONDS] [--json]
pagewise ckpt inspect IMAGE [--json]
pagewise ckpt verify IMAGE [--json]`,
  help: `
run      runs PROG with LD_PRELOAD=<absolute path of libckpt.so> (printed on stderr), with this
         terminal's stdin, stdout and stderr; exits with PROG's status. PROG must be dynamically linked.
         In the program: SIGUSR2 (kill -12 PID) writes the image and the program carries on.
         Environment: PAGEWISE_CKPT=PATH (default myckpt in the program's working directory);
         PAGEWISE_CKPT_INTERVAL=SECONDS for periodic checkpoints (a POSIX timer raising SIGUSR2).
dump     checks that PID has libckpt.so loaded (else refuses without signalling it) and at most 65 threads,
         sends SIGUSR2 and waits until the image is complete (renamed into place); prints its path and size.
         --image PATH    the path the process writes (default: from its PAGEWISE_CKPT and working
                         directory; needed for a restarted process, whose environment is gone)
         --timeout SECS  give up after this long (default 120)
inspect  the image's regions (pages mapped, stored, zero pages skipped), saved registers, signal state,
         rseq and the files to reopen. Checks the header and tables, not the data (verify does).
verify   checks the whole image: structure, the header checksum, every region's checksum and page
         bitmap, no region in the restarter's range 0x5000000-0x5400000. Says what is wrong where.
${COLUMN_HELP}
exit status: 0 done (verify: the image is sound), 1 the operation failed, 2 usage or bad input
(not an image, truncated, bad checksum, not preloaded...).

example:
  pagewise ckpt run -- ./myprog &      # prints: pagewise ckpt: LD_PRELOAD=/.../libckpt.so
  pagewise ckpt dump $!                # prints: /home/me/myckpt 2437128 bytes
  pagewise ckpt inspect myckpt
  pagewise ckpt verify myckpt && kill -9 %1 && pagewise restart myckpt
`,
  async run(argv: string[], io: Io): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub.startsWith('-')) {
      const { help } = parseCommandArgs(argv, {});
      if (help) return printHelp(command, io);
      throw usageError('missing subcommand: run, dump, inspect or verify');
    }
    switch (sub) {
      case 'run': {
        if (rest[0] === '--help' || rest[0] === '-h') return printHelp(command, io);
        const prog = rest[0] === '--' ? rest.slice(1) : rest;
        if (prog.length === 0) throw usageError('ckpt run: missing PROG');
        if (prog[0].startsWith('-') && rest[0] !== '--') throw usageError(`ckpt run: unknown option '${prog[0]}' (put the program after --)`);
        return runPreloaded(prog, io);
      }
      case 'dump': {
        const { values, positionals, help } = parseCommandArgs(rest, { image: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' } });
        if (help) return printHelp(command, io);
        if (positionals.length !== 1 || !/^\d+$/.test(positionals[0])) throw usageError('ckpt dump: expected one PID');
        const timeout = intOption('timeout', values.timeout as string | undefined, 120, 1, 86400);
        const r = await dumpProcess(Number(positionals[0]), { image: values.image as string | undefined, timeoutMs: timeout * 1000, cwd: io.cwd });
        if (values.json) json(io, { path: r.path, size: r.size, ms: Math.round(r.ms * 10) / 10 });
        else io.stdout.write(`${r.path} ${r.size} bytes\n`);
        return 0;
      }
      case 'inspect':
      case 'verify': {
        const { values, positionals, help } = parseCommandArgs(rest, { json: { type: 'boolean' } });
        if (help) return printHelp(command, io);
        if (positionals.length !== 1) throw usageError(`ckpt ${sub}: expected one IMAGE`);
        const path = resolve(io.cwd, positionals[0]);
        if (sub === 'inspect') {
          const img = readImage(path);
          if (values.json) json(io, imageJson(img, positionals[0]));
          else io.stdout.write(renderImage(img, positionals[0]));
          return 0;
        }
        const img = verifyImageFile(path);
        const withData = img.regions.filter((r) => r.hasData).length;
        if (values.json) json(io, { path: positionals[0], ok: true, regions: img.regions.length, checkedRegions: withData, bytes: img.header.imageSize });
        else io.stdout.write(`${positionals[0]}: ok: header and ${withData} region checksums match, ${img.regions.length} regions, ${img.header.imageSize} bytes\n`);
        return 0;
      }
      default:
        throw usageError(`unknown subcommand '${sub}': run, dump, inspect or verify`);
    }
  },
};
