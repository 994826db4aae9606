/**
 * The parsed shape of a 64-bit little-endian ELF file (types only).
 *
 * Addresses are bigint (they may exceed 2^53); file offsets and sizes are numbers, checked safe by the
 * parser. Everything here is read-only data: parseElf builds it once, after checking the whole file.
 */

export interface ElfHeader {
  /** EI_CLASS: always 2 (ELFCLASS64) once parsed. */
  readonly class: number;
  /** EI_DATA: always 1 (little-endian) once parsed. */
  readonly data: number;
  readonly osabi: number;
  readonly osabiName: string;
  readonly type: number;
  readonly typeName: string;
  readonly machine: number;
  readonly machineName: string;
  readonly version: number;
  readonly entry: bigint;
  readonly phoff: number;
  readonly shoff: number;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  /** The real count (PN_XNUM resolved through section 0). */
  readonly phnum: number;
  readonly shentsize: number;
  /** The real count (0 with shoff != 0 resolved through section 0). */
  readonly shnum: number;
  /** The real index (SHN_XINDEX resolved through section 0). */
  readonly shstrndx: number;
}

export interface ProgramHeader {
  readonly index: number;
  readonly type: number;
  /** As objdump -p prints it: LOAD, EH_FRAME, STACK, 0x6474e553 ... */
  readonly typeName: string;
  readonly offset: number;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: number;
  readonly memsz: number;
  readonly flags: number;
  /** 'r-x' style. */
  readonly flagsText: string;
  readonly align: number;
}

export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly typeName: string;
  readonly addr: bigint;
  readonly offset: number;
  readonly size: number;
  /** Low 32 bits of sh_flags (every defined flag lives there). */
  readonly flags: number;
  readonly flagsText: string;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: bigint;
  readonly size: number;
  /** FUNC, OBJECT, NOTYPE, ... */
  readonly type: string;
  /** LOCAL, GLOBAL, WEAK ... */
  readonly bind: string;
  /** Section index (0 = undefined). */
  readonly shndx: number;
  /** Which table it came from. */
  readonly table: '.symtab' | '.dynsym';
}

export interface CoreFileMapping {
  readonly start: bigint;
  readonly end: bigint;
  /** Offset in the file, in bytes. */
  readonly fileOffset: bigint;
  readonly path: string;
}

export interface CoreNotes {
  /** Number of NT_PRSTATUS notes: one per thread. */
  readonly prstatusCount: number;
  /** The NT_FILE table when present (files mapped into the dumped process). */
  readonly files: readonly CoreFileMapping[];
  /** Every note's owner and type, in file order. */
  readonly notes: readonly { name: string; type: number; size: number }[];
}

export interface ElfFile {
  readonly kind: 'elf';
  readonly name: string;
  readonly size: number;
  readonly header: ElfHeader;
  readonly programHeaders: readonly ProgramHeader[];
  readonly sections: readonly Section[];
  readonly interpreter?: string;
  readonly needed: readonly string[];
  readonly soname?: string;
  readonly runpath?: string;
  readonly rpath?: string;
  /** Hex of the NT_GNU_BUILD_ID note. */
  readonly buildId?: string;
  readonly isPie: boolean;
  /** Set for ET_CORE files. */
  readonly core?: CoreNotes;
  /** .symtab then .dynsym, parsed on first call (throws the same coded errors as parseElf). */
  symbols(): readonly ElfSymbol[];
}
