/**
 * `pagewise auxv PID|self|FILE [--json]`: the auxiliary vector of a live process (strings resolved
 * from its memory) or of a raw dump (a copy of /proc/PID/auxv), laid out as FreeBSD's `procstat -x`.
 */
import { resolve } from 'node:path';
import { readAuxvFile, readProcessAuxv } from '../../proc/auxv-read.js';
import { formatAuxvValue, renderProcstatX } from '../../proc/auxv.js';
import { parsePidArg } from '../../proc/pid.js';
import { json, parseCommandArgs, printHelp, usageError, type Command } from '../command.js';
import type { Io } from '../io.js';

export const command: Command = {
  name: 'auxv',
  summary: 'the auxiliary vector of a process or a dump, as procstat -x shows it',
  usage: 'pagewise auxv PID|self|FILE [--json]',
  help: `
Prints the auxiliary vector the kernel gave a program at exec: one line per entry with its AT_ name
and value. Addresses (AT_PHDR, AT_ENTRY, AT_BASE, AT_SYSINFO_EHDR, AT_RANDOM) are hex, counts and ids
(AT_PAGESZ, AT_CLKTCK, AT_UID, AT_MINSIGSTKSZ, AT_RSEQ_ALIGN ...) decimal, capability masks (AT_HWCAP,
AT_HWCAP2) and AT_FLAGS hex. For a live process AT_EXECFN, AT_PLATFORM and AT_BASE_PLATFORM are shown
as the strings they point to, read from /proc/PID/mem, followed by the address. Types Linux does not
name are printed as their number and hex value, as procstat does.

An argument that is \`self\` or all digits is a process id; anything else is a file holding a raw
auxiliary vector (16-byte little-endian (type, value) pairs, e.g. a copy of /proc/PID/auxv); write
./123 for a file named 123. A dump file has no process memory, so strings show as addresses.

options:
  --json    print the entries as JSON (type, name, value, string)
  -h, --help

exit status: 0 printed, 2 no such process, a kernel thread, permission denied, or a malformed dump.

example:
  pagewise auxv self
  cat /proc/self/auxv > /tmp/auxv.bin; pagewise auxv /tmp/auxv.bin
`,
  async run(argv: string[], io: Io): Promise<number> {
    const { values, positionals, help } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    if (help) return printHelp(command, io);
    if (positionals.length !== 1) throw usageError(positionals.length === 0 ? 'missing PID, self or FILE' : `expected one PID or FILE, got ${positionals.length}`);
    const arg = positionals[0];
    const pid = parsePidArg(arg);
    const res = pid !== undefined ? await readProcessAuxv(pid) : await readAuxvFile(resolve(io.cwd, arg), arg);
    if (values.json) {
      json(io, { pid: res.pid ?? null, comm: res.comm, entries: res.entries.map((e) => ({ ...e, text: formatAuxvValue(e) })) });
    } else {
      io.stdout.write(renderProcstatX(res.pid, res.comm, res.entries));
    }
    return 0;
  },
};
