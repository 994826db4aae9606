/**
 * `pagewise maps PID|self [--json]`: a process's address space in the columns of FreeBSD's
 * `procstat -v`, from one read of /proc/PID/smaps (src/proc).
 */
import { readRegions } from '../../proc/maps.js';
import { parsePidArg } from '../../proc/pid.js';
import { COLUMN_HELP, procstatVmRows, renderProcstatVm } from '../../proc/procstat.js';
import { json, parseCommandArgs, printHelp, usageError, type Command } from '../command.js';
import type { Io } from '../io.js';

export const command: Command = {
  name: 'maps',
  summary: 'the address space of a process, as FreeBSD procstat -v shows it',
  usage: 'pagewise maps PID|self [--json]',
  help: `
Prints one line per region of the process's address space. \`self\` is the pagewise process itself.
You may inspect your own processes (root: any process); others are refused (PROC_DENIED).
${COLUMN_HELP}
options:
  --json    print the regions as JSON: the procstat columns plus every smaps counter (kB) and VmFlags
  -h, --help

exit status: 0 printed, 2 bad PID, no such process, a kernel thread, or permission denied.

example:
  pagewise maps self
  sleep 60 & pagewise maps $!
`,
  async run(argv: string[], io: Io): Promise<number> {
    const { values, positionals, help } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    if (help) return printHelp(command, io);
    if (positionals.length !== 1) throw usageError(positionals.length === 0 ? 'missing PID' : `expected one PID, got ${positionals.length}`);
    const pid = parsePidArg(positionals[0]);
    if (pid === undefined) throw usageError(`'${positionals[0]}' is not a process id (a positive number) or self`);
    const { pid: real, regions } = await readRegions(pid);
    const rows = procstatVmRows(real, regions);
    if (values.json) {
      json(io, { pid: real, regions: regions.map((r, i) => ({ ...rows[i], perms: r.perms, offset: r.offset, dev: r.dev, inode: r.inode, kb: r.kb, vmFlags: r.vmFlags })) });
    } else {
      io.stdout.write(renderProcstatVm(rows));
    }
    return 0;
  },
};
