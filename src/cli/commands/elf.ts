/**
 * `pagewise elf FILE [--json]`: the headers of an ELF file (program headers as `objdump -p` lays them
 * out), or the load commands of a 64-bit Mach-O file. Reads the file, parses it (src/elf), prints.
 */
import { resolve } from 'node:path';
import { readRegularFile, parseElf } from '../../elf/index.js';
import { looksLikeMachO, parseMachO } from '../../elf/macho.js';
import { renderElf, renderMachO } from '../../elf/render.js';
import { json, parseCommandArgs, printHelp, usageError, type Command } from '../command.js';
import type { Io } from '../io.js';

export const command: Command = {
  name: 'elf',
  summary: 'ELF headers as objdump -p shows them (and Mach-O load commands)',
  usage: 'pagewise elf FILE [--json]',
  help: `
Prints the ELF file header, the program headers laid out exactly as \`objdump -p\` prints them
(type, off, vaddr, paddr, align, filesz, memsz, flags), the interpreter, the NEEDED libraries, the
build-id and a short summary of the sections. Works for executables (ET_EXEC), position-independent
executables and shared objects (ET_DYN) and core files (ET_CORE: thread count and mapped files).
Any 64-bit little-endian ELF is shown, whatever its machine; 32-bit and big-endian files are refused.
A 64-bit Mach-O file (magic 0xfeedfacf) is recognised and its load commands are printed as otool -l
does (cmd, cmdsize; segname, vmaddr, vmsize, fileoff, filesize, maxprot, initprot, nsects, flags).

options:
  --json    print the parsed file as JSON (addresses as "0x..." strings)
  -h, --help

exit status: 0 printed, 2 not a file, not ELF, truncated or malformed.

example:
  pagewise elf /bin/ls
  pagewise elf --json /usr/lib/x86_64-linux-gnu/libc.so.6 | jq '.programHeaders[] | select(.typeName == "LOAD")'
`,
  async run(argv: string[], io: Io): Promise<number> {
    const { values, positionals, help } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    if (help) return printHelp(command, io);
    if (positionals.length !== 1) throw usageError(positionals.length === 0 ? 'missing FILE' : `expected one FILE, got ${positionals.length}`);
    const name = positionals[0];
    const buf = await readRegularFile(resolve(io.cwd, name), name);
    const file = looksLikeMachO(buf) ? parseMachO(buf, name) : parseElf(buf, name);
    if (values.json) {
      json(io, file);
    } else {
      io.stdout.write(file.kind === 'macho' ? renderMachO(file) : renderElf(file));
    }
    return 0;
  },
};
