/**
 * parseMachO(buf, name): the header and load commands of a 64-bit little-endian Mach-O file
 * (MH_MAGIC_64, 0xfeedfacf), for comparing a macOS binary's layout with an ELF one. LC_SEGMENT_64
 * commands carry segname, vmaddr, vmsize, fileoff, filesize, maxprot, initprot, nsects, flags and their
 * sections; dylib and dylinker commands their path; LC_MAIN its entry offset; LC_UUID its uuid.
 * Checked completely before returning (every command inside sizeofcmds, every segment's file range
 * inside the file); every failure is MACHO_BAD. Pure.
 */
import { PagewiseError } from '../errors.js';
import { ByteReader } from '../util/reader.js';

export const MH_MAGIC_64 = 0xfeedfacf;
const MH_MAGIC = 0xfeedface;
const FAT_MAGIC = 0xcafebabe;
const LC_REQ_DYLD = 0x80000000;
/** A command number with LC_REQ_DYLD set, as an unsigned 32-bit value (JS `|` would make it negative). */
const req = (n: number) => (n | LC_REQ_DYLD) >>> 0;
export const LC_SEGMENT_64 = 0x19;
const HEADER_SIZE = 32;
const SEGMENT_SIZE = 72;
const SECTION_SIZE = 80;

const LC_NAMES: Record<number, string> = {
  0x1: 'LC_SEGMENT', 0x2: 'LC_SYMTAB', 0x4: 'LC_THREAD', 0x5: 'LC_UNIXTHREAD', 0xb: 'LC_DYSYMTAB', 0xc: 'LC_LOAD_DYLIB',
  0xd: 'LC_ID_DYLIB', 0xe: 'LC_LOAD_DYLINKER', 0xf: 'LC_ID_DYLINKER', 0x19: 'LC_SEGMENT_64', 0x1b: 'LC_UUID',
  [req(0x1c)]: 'LC_RPATH', 0x1d: 'LC_CODE_SIGNATURE', 0x1e: 'LC_SEGMENT_SPLIT_INFO',
  [req(0x18)]: 'LC_LOAD_WEAK_DYLIB', [req(0x1f)]: 'LC_REEXPORT_DYLIB', 0x21: 'LC_ENCRYPTION_INFO',
  0x22: 'LC_DYLD_INFO', [req(0x22)]: 'LC_DYLD_INFO_ONLY', 0x24: 'LC_VERSION_MIN_MACOSX',
  0x25: 'LC_VERSION_MIN_IPHONEOS', 0x26: 'LC_FUNCTION_STARTS', 0x27: 'LC_DYLD_ENVIRONMENT',
  [req(0x28)]: 'LC_MAIN', 0x29: 'LC_DATA_IN_CODE', 0x2a: 'LC_SOURCE_VERSION', 0x2b: 'LC_DYLIB_CODE_SIGN_DRS',
  0x2c: 'LC_ENCRYPTION_INFO_64', 0x2d: 'LC_LINKER_OPTION', 0x2e: 'LC_LINKER_OPTIMIZATION_HINT', 0x32: 'LC_BUILD_VERSION',
  [req(0x33)]: 'LC_DYLD_EXPORTS_TRIE', [req(0x34)]: 'LC_DYLD_CHAINED_FIXUPS',
};
const PATH_COMMANDS = new Set([0xc, 0xd, 0xe, 0xf, req(0x1c), req(0x18), req(0x1f)]);

const CPU: Record<number, string> = { 7: 'i386', 0x01000007: 'x86_64', 12: 'arm', 0x0100000c: 'arm64', 0x0200000c: 'arm64_32' };
const FILETYPE: Record<number, string> = { 1: 'MH_OBJECT', 2: 'MH_EXECUTE', 6: 'MH_DYLIB', 7: 'MH_DYLINKER', 8: 'MH_BUNDLE', 0xa: 'MH_DSYM' };

export function loadCommandName(cmd: number): string {
  return LC_NAMES[cmd] ?? `0x${cmd.toString(16)}`;
}

export interface MachOSection {
  readonly sectname: string;
  readonly segname: string;
  readonly addr: bigint;
  readonly size: bigint;
  readonly offset: number;
  readonly align: number;
  readonly reloff: number;
  readonly nreloc: number;
  readonly flags: number;
}

export interface MachOSegment {
  readonly segname: string;
  readonly vmaddr: bigint;
  readonly vmsize: bigint;
  readonly fileoff: number;
  readonly filesize: number;
  readonly maxprot: number;
  readonly initprot: number;
  readonly nsects: number;
  readonly flags: number;
  readonly sections: readonly MachOSection[];
}

export interface MachOLoadCommand {
  readonly index: number;
  readonly offset: number;
  readonly cmd: number;
  readonly name: string;
  readonly cmdsize: number;
  readonly segment?: MachOSegment;
  /** Library or dylinker path (LC_LOAD_DYLIB, LC_ID_DYLIB, LC_LOAD_DYLINKER, LC_RPATH ...). */
  readonly path?: string;
  /** LC_MAIN: entry point offset in the file. */
  readonly entryoff?: bigint;
  /** LC_UUID. */
  readonly uuid?: string;
}

export interface MachOFile {
  readonly kind: 'macho';
  readonly name: string;
  readonly size: number;
  readonly header: {
    readonly magic: number; readonly cputype: number; readonly cpuName: string; readonly cpusubtype: number;
    readonly filetype: number; readonly filetypeName: string; readonly ncmds: number; readonly sizeofcmds: number;
    readonly flags: number;
  };
  readonly loadCommands: readonly MachOLoadCommand[];
}

/** Whether buf starts like some Mach-O file (64-bit, 32-bit, either byte order, or universal). */
export function looksLikeMachO(buf: Buffer): boolean {
  const r = new ByteReader(buf, 'file', 'MACHO_BAD');
  if (!r.has(0, 4)) return false;
  const le = r.u32(0, 'magic');
  const be = r.bytes(0, 4, 'magic').readUInt32BE(0);
  return le === MH_MAGIC_64 || le === MH_MAGIC || be === MH_MAGIC_64 || be === MH_MAGIC || be === FAT_MAGIC;
}

function bad(name: string, m: string): PagewiseError {
  return new PagewiseError('MACHO_BAD', `${name}: ${m}`);
}

export function parseMachO(buf: Buffer, name: string): MachOFile {
  const r = new ByteReader(buf, name, 'MACHO_BAD');
  const magic = r.u32(0, 'magic');
  if (magic !== MH_MAGIC_64) {
    const be = r.bytes(0, 4, 'magic').readUInt32BE(0);
    const kind = magic === MH_MAGIC ? 'a 32-bit Mach-O file' : be === FAT_MAGIC ? 'a universal (fat) Mach-O file'
      : be === MH_MAGIC_64 || be === MH_MAGIC ? 'a big-endian Mach-O file' : 'not a Mach-O file';
    throw bad(name, `is ${kind}; expected a 64-bit little-endian Mach-O file (magic 0xfeedfacf); extract a slice with lipo -thin`);
  }
  r.check(0, HEADER_SIZE, 'mach_header_64');
  const cputype = r.u32(4, 'cputype');
  const filetype = r.u32(12, 'filetype');
  const header = {
    magic, cputype, cpuName: CPU[cputype] ?? `0x${cputype.toString(16)}`, cpusubtype: r.u32(8, 'cpusubtype'), filetype,
    filetypeName: FILETYPE[filetype] ?? `0x${filetype.toString(16)}`, ncmds: r.u32(16, 'ncmds'),
    sizeofcmds: r.u32(20, 'sizeofcmds'), flags: r.u32(24, 'flags'),
  };
  r.check(HEADER_SIZE, header.sizeofcmds, `load commands (sizeofcmds ${header.sizeofcmds})`);
  const end = HEADER_SIZE + header.sizeofcmds;
  const loadCommands: MachOLoadCommand[] = [];
  let o = HEADER_SIZE;
  for (let i = 0; i < header.ncmds; i++) {
    if (o + 8 > end) throw bad(name, `load command ${i} at offset ${o} lies past the end of the load commands (sizeofcmds ${header.sizeofcmds})`);
    const cmd = r.u32(o, `load command ${i} cmd`);
    const cmdsize = r.u32(o + 4, `load command ${i} cmdsize`);
    if (cmdsize < 8 || cmdsize % 8 !== 0 || o + cmdsize > end) {
      throw bad(name, `load command ${i} (${loadCommandName(cmd)}) has cmdsize ${cmdsize}; it must be a multiple of 8, at least 8, and end within sizeofcmds`);
    }
    loadCommands.push(parseCommand(r, o, i, cmd, cmdsize));
    o += cmdsize;
  }
  return { kind: 'macho', name, size: buf.length, header, loadCommands };
}

function parseCommand(r: ByteReader, o: number, index: number, cmd: number, cmdsize: number): MachOLoadCommand {
  const base = { index, offset: o, cmd, name: loadCommandName(cmd), cmdsize };
  const need = (n: number) => {
    if (cmdsize < n) throw bad(r.what, `load command ${index} (${base.name}) has cmdsize ${cmdsize}, less than the ${n} bytes it needs`);
  };
  if (cmd === LC_SEGMENT_64) {
    need(SEGMENT_SIZE);
    const nsects = r.u32(o + 64, 'nsects');
    need(SEGMENT_SIZE + nsects * SECTION_SIZE);
    const seg = {
      segname: r.fixedStr(o + 8, 16, 'segname'), vmaddr: r.u64(o + 24, 'vmaddr'), vmsize: r.u64(o + 32, 'vmsize'),
      fileoff: r.u64n(o + 40, 'fileoff'), filesize: r.u64n(o + 48, 'filesize'), maxprot: r.u32(o + 56, 'maxprot'),
      initprot: r.u32(o + 60, 'initprot'), nsects, flags: r.u32(o + 68, 'flags'), sections: [] as MachOSection[],
    };
    r.check(seg.fileoff, seg.filesize, `segment ${seg.segname} file range (fileoff ${seg.fileoff}, filesize ${seg.filesize})`);
    for (let s = 0; s < nsects; s++) {
      const so = o + SEGMENT_SIZE + s * SECTION_SIZE;
      seg.sections.push({
        sectname: r.fixedStr(so, 16, 'sectname'), segname: r.fixedStr(so + 16, 16, 'segname'), addr: r.u64(so + 32, 'addr'),
        size: r.u64(so + 40, 'size'), offset: r.u32(so + 48, 'offset'), align: r.u32(so + 52, 'align'),
        reloff: r.u32(so + 56, 'reloff'), nreloc: r.u32(so + 60, 'nreloc'), flags: r.u32(so + 64, 'flags'),
      });
    }
    return { ...base, segment: seg };
  }
  if (PATH_COMMANDS.has(cmd)) {
    need(12);
    const off = r.u32(o + 8, 'path offset');
    if (off < 12 || off >= cmdsize) throw bad(r.what, `load command ${index} (${base.name}) path offset ${off} lies outside the command`);
    return { ...base, path: r.cstr(o + off, 'path', cmdsize - off) };
  }
  if (cmd === req(0x28)) {
    need(24);
    return { ...base, entryoff: r.u64(o + 8, 'entryoff') };
  }
  if (cmd === 0x1b) {
    need(24);
    return { ...base, uuid: r.bytes(o + 8, 16, 'uuid').toString('hex').toUpperCase() };
  }
  return base;
}
