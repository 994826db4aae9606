/**
 * parseDynamic: the dynamic section (PT_DYNAMIC) of an ELF file: DT_NEEDED libraries, DT_SONAME,
 * DT_RPATH/DT_RUNPATH and DT_FLAGS_1, with strings read from DT_STRTAB (a virtual address, mapped to a
 * file offset through the PT_LOAD segments), bounded by DT_STRSZ. Also the interpreter (PT_INTERP).
 * Pure; refuses with ELF_BAD_HEADER a string table outside the loaded segments or a string past it.
 */
import { PagewiseError } from '../errors.js';
import type { ByteReader } from '../util/reader.js';
import { PT } from './names.js';
import type { ProgramHeader } from './types.js';

export const DT = { NULL: 0n, NEEDED: 1n, STRTAB: 5n, STRSZ: 10n, SONAME: 14n, RPATH: 15n, RUNPATH: 29n, FLAGS_1: 0x6ffffffbn } as const;
export const DF_1_PIE = 0x08000000n;

export interface DynamicInfo {
  needed: string[];
  soname?: string;
  rpath?: string;
  runpath?: string;
  flags1: bigint;
}

/** File offset of virtual address `addr`, through the PT_LOAD segment holding it in its file bytes. */
export function vaddrToOffset(phdrs: readonly ProgramHeader[], addr: bigint): { offset: number; avail: number } | undefined {
  for (const p of phdrs) {
    if (p.type !== PT.LOAD) continue;
    if (addr >= p.vaddr && addr < p.vaddr + BigInt(p.filesz)) {
      const delta = Number(addr - p.vaddr);
      return { offset: p.offset + delta, avail: p.filesz - delta };
    }
  }
  return undefined;
}

export function parseDynamic(r: ByteReader, phdrs: readonly ProgramHeader[]): DynamicInfo {
  const info: DynamicInfo = { needed: [], flags1: 0n };
  const dyn = phdrs.find((p) => p.type === PT.DYNAMIC);
  if (!dyn) return info;
  const entries: [bigint, bigint][] = [];
  for (let o = dyn.offset; o + 16 <= dyn.offset + dyn.filesz; o += 16) {
    const tag = r.u64(o, 'dynamic entry d_tag');
    if (tag === DT.NULL) break;
    entries.push([tag, r.u64(o + 8, 'dynamic entry d_val')]);
  }
  const get = (t: bigint) => entries.find(([tag]) => tag === t)?.[1];
  info.flags1 = get(DT.FLAGS_1) ?? 0n;
  const strings = entries.filter(([t]) => t === DT.NEEDED || t === DT.SONAME || t === DT.RPATH || t === DT.RUNPATH);
  if (strings.length === 0) return info;
  const strtabAddr = get(DT.STRTAB);
  if (strtabAddr === undefined) throw new PagewiseError('ELF_BAD_HEADER', `${r.what}: the dynamic section names libraries but has no DT_STRTAB`);
  const loc = vaddrToOffset(phdrs, strtabAddr);
  if (!loc) throw new PagewiseError('ELF_BAD_HEADER', `${r.what}: DT_STRTAB 0x${strtabAddr.toString(16)} is not inside any loaded segment`);
  const strsz = get(DT.STRSZ);
  const size = strsz === undefined || strsz > BigInt(loc.avail) ? loc.avail : Number(strsz);
  const str = (v: bigint, what: string): string => {
    if (v >= BigInt(size)) {
      throw new PagewiseError('ELF_BAD_HEADER', `${r.what}: ${what} string offset ${v} lies outside the dynamic string table (${size} bytes)`);
    }
    return r.cstr(loc.offset + Number(v), what, size - Number(v));
  };
  for (const [tag, val] of strings) {
    if (tag === DT.NEEDED) info.needed.push(str(val, 'DT_NEEDED'));
    else if (tag === DT.SONAME) info.soname = str(val, 'DT_SONAME');
    else if (tag === DT.RPATH) info.rpath = str(val, 'DT_RPATH');
    else info.runpath = str(val, 'DT_RUNPATH');
  }
  return info;
}

/** The PT_INTERP string (up to its NUL), or undefined. */
export function parseInterpreter(r: ByteReader, phdrs: readonly ProgramHeader[]): string | undefined {
  const p = phdrs.find((h) => h.type === PT.INTERP);
  if (!p) return undefined;
  return r.cstr(p.offset, 'PT_INTERP', p.filesz);
}
