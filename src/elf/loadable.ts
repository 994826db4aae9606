/**
 * assertLoadable(elf): what the loader needs beyond a well-formed file, all checked before it
 * maps anything: an x86-64 program (ET_EXEC or ET_DYN), at least one PT_LOAD, each with memsz >= filesz,
 * a power-of-two alignment with vaddr and offset congruent modulo it, PT_LOADs in ascending order and
 * not overlapping, the whole image inside the 47-bit user address space and not absurdly large, and a
 * PT_INTERP that is NUL-terminated within the file. Throws ELF_BAD_MACHINE, ELF_NOT_PROGRAM or
 * ELF_BAD_HEADER naming the segment; returns the PT_LOADs in order.
 */
import { PagewiseError } from '../errors.js';
import { EM_X86_64, ET, PT } from './names.js';
import type { ElfFile, ProgramHeader } from './types.js';

/** x86-64 user space ends below 2^47 (TASK_SIZE with 4-level page tables). */
export const USER_SPACE_END = 0x7ffffffff000n;
/** A larger image than this is refused as absurd (1 TiB). */
export const MAX_IMAGE_SPAN = 1n << 40n;

export function assertLoadable(elf: ElfFile): ProgramHeader[] {
  const what = elf.name;
  const h = elf.header;
  if (h.machine !== EM_X86_64) {
    throw new PagewiseError('ELF_BAD_MACHINE', `${what}: is a ${h.machineName} (e_machine ${h.machine}) file, expected x86-64 (62)`);
  }
  if (h.type !== ET.EXEC && h.type !== ET.DYN) {
    throw new PagewiseError('ELF_NOT_PROGRAM', `${what}: is ${h.typeName}, not an executable or shared object`);
  }
  const bad = (p: ProgramHeader, m: string) =>
    new PagewiseError('ELF_BAD_HEADER', `${what}: segment ${p.index} (${p.typeName} at vaddr 0x${p.vaddr.toString(16)}): ${m}`);
  const loads = elf.programHeaders.filter((p) => p.type === PT.LOAD);
  if (loads.length === 0) throw new PagewiseError('ELF_BAD_HEADER', `${what}: has no PT_LOAD segment, nothing to load`);
  let prevEnd = -1n;
  for (const p of loads) {
    if (p.memsz < p.filesz) throw bad(p, `p_memsz 0x${p.memsz.toString(16)} is smaller than p_filesz 0x${p.filesz.toString(16)}`);
    if (p.align > 1) {
      const a = BigInt(p.align);
      if ((a & (a - 1n)) !== 0n) throw bad(p, `p_align ${p.align} is not a power of two`);
      if (p.vaddr % a !== BigInt(p.offset) % a) {
        throw bad(p, `p_vaddr and p_offset 0x${p.offset.toString(16)} are not congruent modulo p_align 0x${p.align.toString(16)}`);
      }
    }
    const end = p.vaddr + BigInt(p.memsz);
    if (end > USER_SPACE_END) throw bad(p, `ends at 0x${end.toString(16)}, beyond the user address space`);
    if (p.vaddr < prevEnd) throw bad(p, `overlaps the previous PT_LOAD or is out of ascending order`);
    prevEnd = end;
  }
  const span = prevEnd - loads[0].vaddr;
  if (span > MAX_IMAGE_SPAN) {
    throw new PagewiseError('ELF_BAD_HEADER', `${what}: the PT_LOAD segments span 0x${span.toString(16)} bytes, more than 1 TiB`);
  }
  const interp = elf.programHeaders.find((p) => p.type === PT.INTERP);
  if (interp) {
    if (interp.filesz === 0) throw bad(interp, 'the interpreter path is empty');
    if (elf.interpreter === undefined || elf.interpreter.length !== interp.filesz - 1) {
      throw bad(interp, 'the interpreter path is not NUL-terminated at the end of the segment');
    }
  }
  return loads;
}
