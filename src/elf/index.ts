/**
 * The ELF reader: parseElf(buf, name) parses and checks a whole 64-bit little-endian ELF file (any
 * machine, any type) before returning; readElfFile(path) reads it from disk, mapping fs errors to coded
 * ones. assertLoadable (./loadable.js) adds what the loader needs. Only PagewiseErrors are thrown.
 */
import { readFile, stat } from 'node:fs/promises';
import { fsError, PagewiseError } from '../errors.js';
import { ByteReader } from '../util/reader.js';
import { DF_1_PIE, parseDynamic, parseInterpreter } from './dynamic.js';
import { parseHeaders } from './headers.js';
import { ET } from './names.js';
import { buildIdOf, collectNotes, NT_FILE, NT_PRSTATUS, parseNtFile } from './notes.js';
import { parseSymbols } from './symbols.js';
import type { CoreNotes, ElfFile, ElfSymbol } from './types.js';

export type * from './types.js';
export { assertLoadable } from './loadable.js';
export { symbolAt } from './symbols.js';
export { segmentTypeName, segmentTypeLongName } from './names.js';

export function parseElf(buf: Buffer, name: string): ElfFile {
  const r = new ByteReader(buf, name, 'ELF_TRUNCATED');
  const { header, programHeaders, sections } = parseHeaders(r);
  const interpreter = parseInterpreter(r, programHeaders);
  const dyn = parseDynamic(r, programHeaders);
  const notes = collectNotes(r, programHeaders, sections);
  const buildId = buildIdOf(r, notes);
  let core: CoreNotes | undefined;
  if (header.type === ET.CORE) {
    const ntFile = notes.find((n) => n.name === 'CORE' && n.type === NT_FILE);
    core = {
      prstatusCount: notes.filter((n) => n.name === 'CORE' && n.type === NT_PRSTATUS).length,
      files: ntFile ? parseNtFile(r, ntFile) : [],
      notes: notes.map((n) => ({ name: n.name, type: n.type, size: n.descSize })),
    };
  }
  const isPie = header.type === ET.DYN && ((dyn.flags1 & DF_1_PIE) !== 0n || (interpreter !== undefined && dyn.soname === undefined));
  let syms: ElfSymbol[] | undefined;
  return {
    kind: 'elf', name, size: buf.length, header, programHeaders, sections, interpreter, needed: dyn.needed,
    soname: dyn.soname, runpath: dyn.runpath, rpath: dyn.rpath, buildId, isPie, core,
    symbols: () => (syms ??= parseSymbols(r, sections)),
  };
}

/** The bytes of a regular file, or FILE_NOT_FOUND / NOT_A_FILE / FILE_UNREADABLE. */
export async function readRegularFile(path: string, shown = path): Promise<Buffer> {
  try {
    const st = await stat(path);
    if (!st.isFile()) {
      throw new PagewiseError('NOT_A_FILE', `${shown}: is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`);
    }
    return await readFile(path);
  } catch (e) {
    if (e instanceof PagewiseError) throw e;
    throw fsError(e, shown);
  }
}

export async function readElfFile(path: string): Promise<ElfFile> {
  return parseElf(await readRegularFile(path), path);
}
