/**
 * renderElf / renderMachO: the text `pagewise elf` prints. Pure: parsed file in, string out.
 *
 * The program headers are laid out exactly as `objdump -p` prints them (binutils' own format:
 * "%8s off    0x%016x vaddr ... align 2**N" where N is log2 rounded up, then filesz, memsz, flags), so
 * the two can be diffed; the rest (file header, interpreter, NEEDED, build-id, sections, core notes)
 * follows readelf's wording. The Mach-O load commands follow `otool -l`.
 */
import { ET } from './names.js';
import type { MachOFile } from './macho.js';
import type { ElfFile, ProgramHeader } from './types.js';

const hex16 = (v: bigint | number) => v.toString(16).padStart(16, '0');

/** bfd_log2: log2 rounded up; 0 and 1 give 0. */
export function log2Ceil(x: number): number {
  if (x <= 1) return 0;
  let v = BigInt(x) - 1n;
  let n = 0;
  while (v > 0n) { n++; v >>= 1n; }
  return n;
}

/** objdump's BFD target name for a 64-bit little-endian ELF of this machine. */
export function bfdFormat(machine: number): string {
  return machine === 62 ? 'elf64-x86-64' : machine === 183 ? 'elf64-littleaarch64' : 'elf64-little';
}

/** The "Program Header:" block of `objdump -p`, two lines per header. */
export function renderProgramHeaders(phdrs: readonly ProgramHeader[]): string {
  const lines = ['Program Header:'];
  for (const p of phdrs) {
    lines.push(`${p.typeName.padStart(8)} off    0x${hex16(p.offset)} vaddr 0x${hex16(p.vaddr)} paddr 0x${hex16(p.paddr)} align 2**${log2Ceil(p.align)}`);
    const extra = p.flags & ~7;
    lines.push(`         filesz 0x${hex16(p.filesz)} memsz 0x${hex16(p.memsz)} flags ${p.flagsText}${extra ? ` ${(extra >>> 0).toString(16)}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

const MAIN_SECTIONS = ['.interp', '.dynsym', '.dynstr', '.init', '.plt', '.text', '.fini', '.rodata', '.eh_frame', '.tdata', '.tbss',
  '.init_array', '.dynamic', '.got', '.got.plt', '.data', '.bss', '.symtab', '.strtab', '.debug_info'];

const field = (label: string, value: string | number) => `  ${(label + ':').padEnd(35)}${value}`;

export function renderElf(elf: ElfFile): string {
  const h = elf.header;
  const out: string[] = [];
  out.push(`${elf.name}:     file format ${bfdFormat(h.machine)}`, '');
  const type = h.type === ET.DYN && elf.isPie ? 'DYN (Position-Independent Executable file)' : h.typeName;
  out.push('ELF Header:',
    field('Class', 'ELF64'), field('Data', "2's complement, little endian"), field('OS/ABI', h.osabiName),
    field('Type', type), field('Machine', h.machineName), field('Entry point address', `0x${h.entry.toString(16)}`),
    field('Start of program headers', `${h.phoff} (bytes into file)`),
    field('Start of section headers', `${h.shoff} (bytes into file)`), field('Flags', `0x${h.flags.toString(16)}`),
    field('Number of program headers', h.phnum), field('Number of section headers', h.shnum),
    field('Section header string table index', h.shstrndx), '');
  if (elf.programHeaders.length > 0) out.push(renderProgramHeaders(elf.programHeaders));
  if (elf.interpreter !== undefined) out.push(`Interpreter: ${elf.interpreter}`, '');
  if (elf.needed.length || elf.soname || elf.runpath || elf.rpath) {
    out.push('Dynamic Section:');
    for (const n of elf.needed) out.push(`  ${'NEEDED'.padEnd(20)} ${n}`);
    if (elf.soname) out.push(`  ${'SONAME'.padEnd(20)} ${elf.soname}`);
    if (elf.rpath) out.push(`  ${'RPATH'.padEnd(20)} ${elf.rpath}`);
    if (elf.runpath) out.push(`  ${'RUNPATH'.padEnd(20)} ${elf.runpath}`);
    out.push('');
  }
  if (elf.buildId) out.push(`Build ID: ${elf.buildId}`, '');
  if (elf.core) {
    out.push(`Core notes: ${elf.core.notes.length} notes, ${elf.core.prstatusCount} thread(s) (NT_PRSTATUS)`);
    if (elf.core.files.length) {
      out.push(`Mapped files (NT_FILE): ${elf.core.files.length}`);
      for (const f of elf.core.files) {
        out.push(`  0x${hex16(f.start)}-0x${hex16(f.end)} @0x${f.fileOffset.toString(16).padStart(8, '0')} ${f.path}`);
      }
    }
    out.push('');
  }
  const main = elf.sections.filter((s) => MAIN_SECTIONS.includes(s.name));
  out.push(`Sections: ${elf.sections.length}${main.length ? ', main ones:' : ''}`);
  for (const s of main) {
    out.push(`  ${s.name.padEnd(12)} ${s.typeName.padEnd(10)} addr 0x${hex16(s.addr)} size 0x${s.size.toString(16).padStart(8, '0')} (${s.size} bytes) ${s.flagsText}`);
  }
  return out.join('\n') + '\n';
}

const PROT = (p: number) => `0x${(p >>> 0).toString(16).padStart(8, '0')}`;

/** `otool -l` style: header, then each load command. */
export function renderMachO(m: MachOFile): string {
  const h = m.header;
  const out = [`${m.name}:     file format mach-o-${h.cpuName}`, '', 'Mach header',
    '      magic  cputype cpusubtype  filetype ncmds sizeofcmds      flags',
    ` 0x${h.magic.toString(16)} ${String(h.cputype).padStart(8)} ${String(h.cpusubtype).padStart(10)} ${h.filetypeName.padStart(9)} ${String(h.ncmds).padStart(5)} ${String(h.sizeofcmds).padStart(10)} 0x${h.flags.toString(16).padStart(8, '0')}`];
  for (const c of m.loadCommands) {
    out.push(`Load command ${c.index}`, `      cmd ${c.name}`, `  cmdsize ${c.cmdsize}`);
    const s = c.segment;
    if (s) {
      out.push(`  segname ${s.segname}`, `   vmaddr 0x${hex16(s.vmaddr)}`, `   vmsize 0x${hex16(s.vmsize)}`,
        `  fileoff ${s.fileoff}`, ` filesize ${s.filesize}`, `  maxprot ${PROT(s.maxprot)}`, ` initprot ${PROT(s.initprot)}`,
        `   nsects ${s.nsects}`, `    flags 0x${s.flags.toString(16)}`);
      for (const x of s.sections) {
        out.push('Section', `  sectname ${x.sectname}`, `   segname ${x.segname}`, `      addr 0x${hex16(x.addr)}`,
          `      size 0x${hex16(x.size)}`, `    offset ${x.offset}`, `     align 2^${x.align} (${x.align < 32 ? 2 ** x.align : '?'})`,
          `    reloff ${x.reloff}`, `    nreloc ${x.nreloc}`, `     flags 0x${x.flags.toString(16).padStart(8, '0')}`);
      }
    }
    if (c.path !== undefined) out.push(`     name ${c.path}`);
    if (c.entryoff !== undefined) out.push(`  entryoff ${c.entryoff}`);
    if (c.uuid !== undefined) out.push(`     uuid ${c.uuid}`);
  }
  return out.join('\n') + '\n';
}
