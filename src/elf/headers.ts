/**
 * parseHeaders: the ELF file header, program headers and section headers of a 64-bit little-endian
 * ELF file, checked completely: every table and every segment or section's bytes must lie inside the
 * buffer, counts and entry sizes must agree, and extended numbering (PN_XNUM, SHN_XINDEX) is resolved.
 * Pure: bytes in, typed values out; the only failures are PagewiseErrors (ELF_* codes).
 */
import { PagewiseError } from '../errors.js';
import { ByteReader } from '../util/reader.js';
import {
  fileTypeName, machineName, osabiName, sectionFlagsText, sectionTypeName, segmentFlagsText, segmentTypeName, SHT,
} from './names.js';
import type { ElfHeader, ProgramHeader, Section } from './types.js';

export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;
const PN_XNUM = 0xffff;
const SHN_XINDEX = 0xffff;
const SHN_LORESERVE = 0xff00;

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

function bad(r: ByteReader, message: string): PagewiseError {
  return new PagewiseError('ELF_BAD_HEADER', `${r.what}: ${message}`);
}

/** Refuse anything that is not a 64-bit little-endian ELF file, naming what it is instead. */
export function checkIdent(r: ByteReader): void {
  const buf = r.buf;
  if (buf.length === 0) throw new PagewiseError('ELF_NOT_ELF', `${r.what}: the file is empty, not an ELF file`);
  const n = Math.min(4, buf.length);
  if (!buf.subarray(0, n).equals(ELF_MAGIC.subarray(0, n))) {
    const shown = buf.subarray(0, Math.min(4, buf.length)).toString('hex');
    throw new PagewiseError('ELF_NOT_ELF', `${r.what}: not an ELF file (expected magic 7f454c46, found ${shown})`);
  }
  r.check(0, 16, 'e_ident');
  const cls = r.u8(4, 'EI_CLASS');
  if (cls === 1) throw new PagewiseError('ELF_BAD_CLASS', `${r.what}: is a 32-bit ELF file (ELFCLASS32), expected 64-bit`);
  if (cls !== 2) throw new PagewiseError('ELF_BAD_CLASS', `${r.what}: invalid ELF class ${cls}, expected 2 (64-bit)`);
  const data = r.u8(5, 'EI_DATA');
  if (data === 2) throw new PagewiseError('ELF_BAD_ENDIAN', `${r.what}: is a big-endian ELF file (ELFDATA2MSB), expected little-endian`);
  if (data !== 1) throw new PagewiseError('ELF_BAD_ENDIAN', `${r.what}: invalid ELF data encoding ${data}, expected 1 (little-endian)`);
  r.check(0, EHDR_SIZE, 'ELF file header');
}

export interface Headers {
  header: ElfHeader;
  programHeaders: ProgramHeader[];
  sections: Section[];
}

interface RawSection {
  name: number;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

function readRawSection(r: ByteReader, off: number, i: number): RawSection {
  const f = `section header ${i}`;
  return {
    name: r.u32(off, `${f} sh_name`),
    type: r.u32(off + 4, `${f} sh_type`),
    flags: r.u64(off + 8, `${f} sh_flags`),
    addr: r.u64(off + 16, `${f} sh_addr`),
    offset: r.u64n(off + 24, `${f} sh_offset`, 'ELF_TRUNCATED'),
    size: r.u64n(off + 32, `${f} sh_size`, 'ELF_TRUNCATED'),
    link: r.u32(off + 40, `${f} sh_link`),
    info: r.u32(off + 44, `${f} sh_info`),
    addralign: r.u64n(off + 48, `${f} sh_addralign`, 'ELF_BAD_HEADER'),
    entsize: r.u64n(off + 56, `${f} sh_entsize`, 'ELF_BAD_HEADER'),
  };
}

export function parseHeaders(r: ByteReader): Headers {
  checkIdent(r);
  const type = r.u16(16, 'e_type');
  const machine = r.u16(18, 'e_machine');
  const version = r.u32(20, 'e_version');
  const entry = r.u64(24, 'e_entry');
  const phoff = r.u64n(32, 'e_phoff', 'ELF_TRUNCATED');
  const shoff = r.u64n(40, 'e_shoff', 'ELF_TRUNCATED');
  const flags = r.u32(48, 'e_flags');
  const ehsize = r.u16(52, 'e_ehsize');
  const phentsize = r.u16(54, 'e_phentsize');
  let phnum = r.u16(56, 'e_phnum');
  const shentsize = r.u16(58, 'e_shentsize');
  let shnum = r.u16(60, 'e_shnum');
  let shstrndx = r.u16(62, 'e_shstrndx');

  // Section 0 holds the real counts when they do not fit in 16 bits (extended numbering).
  let sec0: RawSection | undefined;
  if (shoff !== 0) {
    if (shentsize !== SHDR_SIZE) throw bad(r, `e_shentsize is ${shentsize}, expected ${SHDR_SIZE}`);
    r.check(shoff, SHDR_SIZE, 'section header 0 (at e_shoff)');
    sec0 = readRawSection(r, shoff, 0);
    if (shnum === 0) shnum = sec0.size;
    if (phnum === PN_XNUM) phnum = sec0.info;
    if (shstrndx === SHN_XINDEX) shstrndx = sec0.link;
  } else if (shnum !== 0) {
    throw bad(r, `e_shnum is ${shnum} but e_shoff is 0`);
  }
  if (phnum > 0 && phentsize !== PHDR_SIZE) throw bad(r, `e_phentsize is ${phentsize}, expected ${PHDR_SIZE}`);
  if (phnum > 0) r.check(phoff, phnum * PHDR_SIZE, `program headers (${phnum} at e_phoff)`);
  if (shnum > 0) r.check(shoff, shnum * SHDR_SIZE, `section headers (${shnum} at e_shoff)`);
  if (shnum === 0) shstrndx = 0;
  if (shstrndx !== 0 && shstrndx >= shnum && shstrndx < SHN_LORESERVE) {
    throw bad(r, `e_shstrndx ${shstrndx} is not a section (there are ${shnum})`);
  }

  const header: ElfHeader = {
    class: 2, data: 1, osabi: r.u8(7, 'EI_OSABI'), osabiName: osabiName(r.u8(7, 'EI_OSABI')), type, typeName: fileTypeName(type),
    machine, machineName: machineName(machine), version, entry, phoff, shoff, flags, ehsize, phentsize, phnum,
    shentsize, shnum, shstrndx,
  };
  return { header, programHeaders: parseProgramHeaders(r, phoff, phnum), sections: parseSections(r, shoff, shnum, shstrndx) };
}

function parseProgramHeaders(r: ByteReader, phoff: number, phnum: number): ProgramHeader[] {
  const out: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    const f = `program header ${i}`;
    const type = r.u32(o, `${f} p_type`);
    const flags = r.u32(o + 4, `${f} p_flags`);
    const ph: ProgramHeader = {
      index: i, type, typeName: segmentTypeName(type),
      offset: r.u64n(o + 8, `${f} p_offset`, 'ELF_TRUNCATED'),
      vaddr: r.u64(o + 16, `${f} p_vaddr`),
      paddr: r.u64(o + 24, `${f} p_paddr`),
      filesz: r.u64n(o + 32, `${f} p_filesz`, 'ELF_TRUNCATED'),
      memsz: r.u64n(o + 40, `${f} p_memsz`, 'ELF_BAD_HEADER'),
      flags, flagsText: segmentFlagsText(flags),
      align: r.u64n(o + 48, `${f} p_align`, 'ELF_BAD_HEADER'),
    };
    r.check(ph.offset, ph.filesz, `segment ${i} (${ph.typeName}, p_offset 0x${ph.offset.toString(16)}, p_filesz 0x${ph.filesz.toString(16)})`);
    out.push(ph);
  }
  return out;
}

function parseSections(r: ByteReader, shoff: number, shnum: number, shstrndx: number): Section[] {
  const raw: RawSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = readRawSection(r, shoff + i * SHDR_SIZE, i);
    if (s.type !== SHT.NOBITS && s.type !== SHT.NULL) {
      r.check(s.offset, s.size, `section ${i} (sh_offset 0x${s.offset.toString(16)}, sh_size 0x${s.size.toString(16)})`);
    }
    raw.push(s);
  }
  const strtab = shstrndx !== 0 && shstrndx < shnum ? raw[shstrndx] : undefined;
  if (strtab && strtab.type === SHT.NOBITS) throw bad(r, `the section name table (section ${shstrndx}) has no bytes in the file`);
  return raw.map((s, i) => {
    let name = '';
    if (strtab && i !== 0) {
      if (s.name >= strtab.size) throw bad(r, `section ${i} name offset ${s.name} lies outside the section name table (${strtab.size} bytes)`);
      name = r.cstr(strtab.offset + s.name, `section ${i} name`, strtab.size - s.name);
    }
    const flags = Number(s.flags & 0xffffffffn);
    return {
      index: i, name, type: s.type, typeName: sectionTypeName(s.type), addr: s.addr, offset: s.offset, size: s.size,
      flags, flagsText: sectionFlagsText(flags), link: s.link, info: s.info, addralign: s.addralign, entsize: s.entsize,
    };
  });
}
