/**
 * parseNotes: the ELF notes of PT_NOTE segments (or SHT_NOTE sections when there are no program
 * headers): the GNU build-id, and for core files the NT_PRSTATUS count (one per thread) and the NT_FILE
 * table of mapped files. Pure; a note that overruns its segment is ELF_BAD_HEADER.
 */
import { PagewiseError } from '../errors.js';
import type { ByteReader } from '../util/reader.js';
import { PT, SHT } from './names.js';
import type { CoreFileMapping, ProgramHeader, Section } from './types.js';

export const NT_GNU_BUILD_ID = 3;
export const NT_PRSTATUS = 1;
export const NT_FILE = 0x46494c45;

export interface Note {
  name: string;
  type: number;
  descOffset: number;
  descSize: number;
}

const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;

/** The notes in [offset, offset+size), aligned to 4 or 8 bytes as the segment says. */
export function parseNoteArea(r: ByteReader, offset: number, size: number, align: number, where: string): Note[] {
  const a = align === 8 ? 8 : 4;
  const end = offset + size;
  const out: Note[] = [];
  let o = offset;
  while (o + 12 <= end) {
    const namesz = r.u32(o, `${where} note n_namesz`);
    const descsz = r.u32(o + 4, `${where} note n_descsz`);
    const type = r.u32(o + 8, `${where} note n_type`);
    const nameOff = o + 12;
    // Name and descriptor are each padded to the note alignment, counted from the area's start.
    const descOffset = offset + alignUp(nameOff + namesz - offset, a);
    const next = offset + alignUp(descOffset + descsz - offset, a);
    if (descOffset + descsz > end) {
      throw new PagewiseError('ELF_BAD_HEADER', `${r.what}: a note at offset ${o} in ${where} overruns it (namesz ${namesz}, descsz ${descsz})`);
    }
    const name = r.cstr(nameOff, `${where} note name`, namesz);
    out.push({ name, type, descOffset, descSize: descsz });
    o = next;
  }
  return out;
}

export function collectNotes(r: ByteReader, phdrs: readonly ProgramHeader[], sections: readonly Section[]): Note[] {
  const segs = phdrs.filter((p) => p.type === PT.NOTE);
  if (segs.length > 0) return segs.flatMap((p) => parseNoteArea(r, p.offset, p.filesz, p.align, `segment ${p.index} (NOTE)`));
  return sections
    .filter((s) => s.type === SHT.NOTE)
    .flatMap((s) => parseNoteArea(r, s.offset, s.size, s.addralign, `section ${s.index} (${s.name || 'NOTE'})`));
}

export function buildIdOf(r: ByteReader, notes: readonly Note[]): string | undefined {
  const n = notes.find((x) => x.name === 'GNU' && x.type === NT_GNU_BUILD_ID);
  return n ? r.bytes(n.descOffset, n.descSize, 'build-id').toString('hex') : undefined;
}

/** The NT_FILE table: count, page size, count (start, end, page offset) triples, then count paths. */
export function parseNtFile(r: ByteReader, n: Note): CoreFileMapping[] {
  const bad = (m: string) => new PagewiseError('ELF_BAD_HEADER', `${r.what}: NT_FILE note ${m}`);
  if (n.descSize < 16) throw bad(`is ${n.descSize} bytes, too short for its header`);
  const count = r.u64(n.descOffset, 'NT_FILE count');
  const pageSize = r.u64(n.descOffset + 8, 'NT_FILE page size');
  if (count * 24n + 16n > BigInt(n.descSize)) throw bad(`claims ${count} files, more than its ${n.descSize} bytes hold`);
  const c = Number(count);
  const end = n.descOffset + n.descSize;
  let s = n.descOffset + 16 + c * 24;
  const out: CoreFileMapping[] = [];
  for (let i = 0; i < c; i++) {
    const e = n.descOffset + 16 + i * 24;
    if (s >= end) throw bad(`has fewer paths than its ${c} files`);
    const path = r.cstr(s, 'NT_FILE path', end - s);
    s += path.length + 1;
    out.push({
      start: r.u64(e, 'NT_FILE start'), end: r.u64(e + 8, 'NT_FILE end'),
      fileOffset: r.u64(e + 16, 'NT_FILE offset') * pageSize, path,
    });
  }
  return out;
}
