/**
 * Names of ELF constants, as the binutils tools print them (pure tables, no parsing).
 *
 * segmentTypeName follows `objdump -p` (binutils 2.40: GNU_EH_FRAME is "EH_FRAME", GNU_STACK "STACK",
 * GNU_RELRO "RELRO", GNU_SFRAME "SFRAME", anything else "0x6474e553" style); the other tables follow
 * readelf. Unknown values come back as hex so nothing is ever hidden.
 */

export const ET = { NONE: 0, REL: 1, EXEC: 2, DYN: 3, CORE: 4 } as const;
export const PT = {
  NULL: 0, LOAD: 1, DYNAMIC: 2, INTERP: 3, NOTE: 4, SHLIB: 5, PHDR: 6, TLS: 7,
  GNU_EH_FRAME: 0x6474e550, GNU_STACK: 0x6474e551, GNU_RELRO: 0x6474e552, GNU_PROPERTY: 0x6474e553,
  GNU_SFRAME: 0x6474e554,
} as const;
export const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, HASH: 5, DYNAMIC: 6, NOTE: 7, NOBITS: 8, DYNSYM: 11 } as const;
export const EM_X86_64 = 62;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

const hex = (v: number): string => `0x${v.toString(16)}`;

const OBJDUMP_SEGMENT: Record<number, string> = {
  [PT.NULL]: 'NULL', [PT.LOAD]: 'LOAD', [PT.DYNAMIC]: 'DYNAMIC', [PT.INTERP]: 'INTERP', [PT.NOTE]: 'NOTE',
  [PT.SHLIB]: 'SHLIB', [PT.PHDR]: 'PHDR', [PT.TLS]: 'TLS', [PT.GNU_EH_FRAME]: 'EH_FRAME',
  [PT.GNU_STACK]: 'STACK', [PT.GNU_RELRO]: 'RELRO', [PT.GNU_SFRAME]: 'SFRAME',
};

/** The program header type as `objdump -p` names it. */
export function segmentTypeName(type: number): string {
  return OBJDUMP_SEGMENT[type] ?? hex(type);
}

const READELF_SEGMENT: Record<number, string> = {
  ...OBJDUMP_SEGMENT, [PT.GNU_EH_FRAME]: 'GNU_EH_FRAME', [PT.GNU_STACK]: 'GNU_STACK', [PT.GNU_RELRO]: 'GNU_RELRO',
  [PT.GNU_PROPERTY]: 'GNU_PROPERTY', [PT.GNU_SFRAME]: 'GNU_SFRAME',
};

/** The program header type as `readelf -l` names it (for JSON and for comparing with readelf). */
export function segmentTypeLongName(type: number): string {
  return READELF_SEGMENT[type] ?? hex(type);
}

const FILE_TYPE: Record<number, string> = {
  0: 'NONE (No file type)', 1: 'REL (Relocatable file)', 2: 'EXEC (Executable file)',
  3: 'DYN (Shared object file)', 4: 'CORE (Core file)',
};
export function fileTypeName(type: number): string {
  return FILE_TYPE[type] ?? `<unknown>: ${hex(type)}`;
}

const MACHINE: Record<number, string> = {
  0: 'None', 3: 'Intel 80386', 8: 'MIPS R3000', 20: 'PowerPC', 21: 'PowerPC64', 22: 'IBM S/390',
  40: 'ARM', 50: 'Intel IA-64', 62: 'Advanced Micro Devices X86-64', 183: 'AArch64', 243: 'RISC-V',
  247: 'Linux BPF', 258: 'LoongArch',
};
export function machineName(m: number): string {
  return MACHINE[m] ?? `<unknown>: ${hex(m)}`;
}

const OSABI: Record<number, string> = { 0: 'UNIX - System V', 3: 'UNIX - GNU', 9: 'UNIX - FreeBSD', 97: 'ARM', 255: 'Standalone App' };
export function osabiName(v: number): string {
  return OSABI[v] ?? `<unknown: ${hex(v)}>`;
}

const SECTION_TYPE: Record<number, string> = {
  0: 'NULL', 1: 'PROGBITS', 2: 'SYMTAB', 3: 'STRTAB', 4: 'RELA', 5: 'HASH', 6: 'DYNAMIC', 7: 'NOTE',
  8: 'NOBITS', 9: 'REL', 10: 'SHLIB', 11: 'DYNSYM', 14: 'INIT_ARRAY', 15: 'FINI_ARRAY', 16: 'PREINIT_ARRAY',
  17: 'GROUP', 18: 'SYMTAB_SHNDX', 19: 'RELR', 0x6ffffff5: 'GNU_ATTRIBUTES', 0x6ffffff6: 'GNU_HASH',
  0x6ffffffd: 'VERDEF', 0x6ffffffe: 'VERNEED', 0x6fffffff: 'VERSYM', 0x6ffffffa: 'SUNW_move',
};
export function sectionTypeName(t: number): string {
  return SECTION_TYPE[t] ?? hex(t);
}

const SYMBOL_TYPE: Record<number, string> = { 0: 'NOTYPE', 1: 'OBJECT', 2: 'FUNC', 3: 'SECTION', 4: 'FILE', 5: 'COMMON', 6: 'TLS', 10: 'IFUNC' };
export function symbolTypeName(t: number): string {
  return SYMBOL_TYPE[t] ?? `<${t}>`;
}
const SYMBOL_BIND: Record<number, string> = { 0: 'LOCAL', 1: 'GLOBAL', 2: 'WEAK', 10: 'UNIQUE' };
export function symbolBindName(b: number): string {
  return SYMBOL_BIND[b] ?? `<${b}>`;
}

/** 'r-x' style text of segment flags. */
export function segmentFlagsText(flags: number): string {
  return `${flags & PF_R ? 'r' : '-'}${flags & PF_W ? 'w' : '-'}${flags & PF_X ? 'x' : '-'}`;
}

/** readelf's section flag letters (W A X M S I L O G T E), for the section summary. */
export function sectionFlagsText(flags: number): string {
  const letters: [number, string][] = [[0x1, 'W'], [0x2, 'A'], [0x4, 'X'], [0x10, 'M'], [0x20, 'S'], [0x40, 'I'],
    [0x80, 'L'], [0x100, 'O'], [0x200, 'G'], [0x400, 'T'], [0x80000000, 'E']];
  return letters.filter(([bit]) => (flags & bit) !== 0).map(([, c]) => c).join('');
}
