/**
 * The checkpoint image reader (docs/formats/ckpt.md): parseImageMeta checks and decodes the header,
 * region table, file table and FPU area; verifyRegionData checks one region's stored pages and bitmap.
 * Pure: bytes in, typed values out, through ByteReader; every inconsistency is a PagewiseError with a
 * CKPT_* code naming what is wrong and where, never garbage. The same checks as myrestart's step 1.
 */
import { PagewiseError } from '../errors.js';
import { ByteReader } from '../util/reader.js';
import * as P from '../native/protocol.js';
import { crc32c } from './crc32c.js';

export const GREG_NAMES = [
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rdi', 'rsi', 'rbp', 'rbx', 'rdx', 'rax', 'rcx', 'rsp',
  'rip', 'eflags', 'csgsfs', 'err', 'trapno', 'oldmask', 'cr2',
] as const;

export const KIND_NAMES: Record<number, string> = {
  [P.PW_CKPT_KIND_NORMAL]: 'normal', [P.PW_CKPT_KIND_VDSO]: 'vdso', [P.PW_CKPT_KIND_VVAR]: 'vvar',
  [P.PW_CKPT_KIND_VVAR_VCLOCK]: 'vvar_vclock', [P.PW_CKPT_KIND_STACK]: 'stack', [P.PW_CKPT_KIND_HEAP]: 'heap',
};

export interface CkptSigaction { signo: number; handler: bigint; flags: bigint; restorer: bigint; mask: bigint }

export interface CkptHeader {
  versionMajor: number; versionMinor: number; machine: number; pageSize: number;
  regionCount: number; fileCount: number; regionTableOff: number; fileTableOff: number;
  fpstateOff: number; fpstateSize: number; headerCrc: number; metaSize: number; imageSize: number;
  pid: number; generation: number; timeNs: bigint; comm: string; signo: number; flags: number;
  gregs: Record<(typeof GREG_NAMES)[number], bigint>;
  fsBase: bigint; gsBase: bigint; sigmask: bigint; handlerMask: bigint;
  resume: { rbx: bigint; rbp: bigint; r12: bigint; r13: bigint; r14: bigint; r15: bigint; rsp: bigint; rip: bigint };
  rseq: { addr: bigint; len: number; sig: number };
  altstack: { sp: bigint; size: bigint; flags: number };
  tidOffset: number;
  sigactions: CkptSigaction[];
  brk: bigint;
  threadCount: number; threadTableOff: number; robustHead: bigint; robustLen: bigint;
}

export interface CkptRegion {
  index: number; start: bigint; end: bigint; pages: number; prot: number; flags: number;
  fileOffset: bigint; inode: bigint; devMajor: number; devMinor: number;
  dataOff: number; storedPages: number; bitmapOff: number; crc: number; kind: number; name: string;
  /** Whether the image carries this region's pages (false: guard, special, shared file). */
  hasData: boolean;
}

export interface CkptFile { fd: number; openFlags: number; offset: number; inode: bigint; size: number; mode: number; fdFlags: number; path: string }

export interface CkptThread {
  tid: number; flags: number; fsBase: bigint; resume: CkptHeader['resume'];
  robustHead: bigint; robustLen: bigint; rseqAddr: bigint; comm: string; sigmask: bigint;
}

export interface CkptImage { header: CkptHeader; regions: CkptRegion[]; files: CkptFile[]; threads: CkptThread[]; fpstate: Buffer }

/** Most bytes the header area may take: enough to read it whole before parsing. */
export const MAX_META_SIZE =
  P.PW_CKPT_HEADER_SIZE + P.PW_CKPT_MAX_REGIONS * P.PW_CKPT_REGION_SIZE + P.PW_CKPT_MAX_FILES * P.PW_CKPT_FILE_SIZE +
  P.PW_CKPT_MAX_THREADS * P.PW_CKPT_THREAD_SIZE +
  P.PW_CKPT_FPSTATE_MAX + 2 * P.PW_CKPT_PAGE_SIZE;

const PAGE = P.PW_CKPT_PAGE_SIZE;
const fail = (code: 'CKPT_CORRUPT' | 'CKPT_TRUNCATED', what: string, msg: string) => new PagewiseError(code, `${what}: ${msg}`);
export const hex = (v: bigint | number) => `0x${v.toString(16)}`;

export function regionLabel(r: CkptRegion): string {
  return `region ${r.index} (${hex(r.start)}-${hex(r.end)}${r.name ? ` ${r.name}` : ''})`;
}

/**
 * Decode and check the header area. `meta` holds the file's first bytes (at least meta_size of them, or
 * the whole file when shorter); `fileSize` is the file's length. Checks magic, version, machine, record
 * sizes, table bounds, the header crc and the region table's structure (order, alignment, data bounds).
 */
export function parseImageMeta(meta: Buffer, fileSize: number, what = 'image'): CkptImage {
  if (fileSize < 8 || meta.length < 8) throw new PagewiseError('CKPT_NOT_IMAGE', `${what}: not a checkpoint image (${fileSize} bytes, shorter than the magic number)`);
  const rd = new ByteReader(meta, what, 'CKPT_TRUNCATED');
  const magic = rd.u64(0, 'magic');
  if (magic !== BigInt(P.PW_CKPT_MAGIC)) {
    throw new PagewiseError('CKPT_NOT_IMAGE', `${what}: not a checkpoint image (magic ${hex(magic)}, expected ${hex(BigInt(P.PW_CKPT_MAGIC))} "PWCKPT\\r\\n")`);
  }
  if (fileSize < P.PW_CKPT_HEADER_SIZE) throw fail('CKPT_TRUNCATED', what, `the header is cut short: the file has ${fileSize} bytes, the header alone ${P.PW_CKPT_HEADER_SIZE}`);
  const versionMajor = rd.u16(8, 'version_major');
  const versionMinor = rd.u16(10, 'version_minor');
  if (versionMajor !== P.PW_CKPT_VERSION_MAJOR) {
    throw new PagewiseError('CKPT_BAD_VERSION', `${what}: image format version ${versionMajor}.${versionMinor}, this pagewise reads ${P.PW_CKPT_VERSION_MAJOR}.x`);
  }
  const machine = rd.u32(16, 'machine');
  if (machine !== P.PW_CKPT_MACHINE_X86_64) {
    throw new PagewiseError('CKPT_BAD_ARCH', `${what}: image of machine ${machine} (ELF e_machine), expected ${P.PW_CKPT_MACHINE_X86_64} (x86-64)`);
  }
  const u32 = (o: number, f: string) => rd.u32(o, f);
  const u64 = (o: number, f: string) => rd.u64(o, f);
  const num = (o: number, f: string) => rd.u64n(o, f, 'CKPT_CORRUPT');
  const headerSize = u32(12, 'header_size'), pageSize = u32(20, 'page_size');
  const regionSize = u32(32, 'region_size'), fileSize_ = u32(36, 'file_size');
  if (headerSize !== P.PW_CKPT_HEADER_SIZE || pageSize !== PAGE || regionSize !== P.PW_CKPT_REGION_SIZE || fileSize_ !== P.PW_CKPT_FILE_SIZE) {
    throw fail('CKPT_CORRUPT', what, `record sizes header ${headerSize}, page ${pageSize}, region ${regionSize}, file ${fileSize_}; expected ${P.PW_CKPT_HEADER_SIZE}, ${PAGE}, ${P.PW_CKPT_REGION_SIZE}, ${P.PW_CKPT_FILE_SIZE}`);
  }
  const regionCount = u32(24, 'region_count'), fileCount = u32(28, 'file_count');
  const regionTableOff = num(40, 'region_table_off'), fileTableOff = num(48, 'file_table_off');
  const fpstateOff = num(56, 'fpstate_off'), fpstateSize = u32(64, 'fpstate_size');
  const headerCrc = u32(P.PW_CKPT_OFF_HEADER_CRC, 'header_crc');
  const metaSize = num(72, 'meta_size'), imageSize = num(80, 'image_size');
  if (imageSize > fileSize) throw fail('CKPT_TRUNCATED', what, `the file has ${fileSize} bytes, its header says ${imageSize}`);
  if (regionCount > P.PW_CKPT_MAX_REGIONS || fileCount > P.PW_CKPT_MAX_FILES || fpstateSize > P.PW_CKPT_FPSTATE_MAX) {
    throw fail('CKPT_CORRUPT', what, `table sizes out of range: ${regionCount} regions, ${fileCount} files, ${fpstateSize} bytes of FPU state`);
  }
  const threadCount = u32(P.PW_CKPT_OFF_THREADS, 'thread_count'), threadSize = u32(P.PW_CKPT_OFF_THREADS + 4, 'thread_size');
  const threadTableOff = num(P.PW_CKPT_OFF_THREADS + 8, 'thread_table_off');
  if (threadCount > P.PW_CKPT_MAX_THREADS || (threadCount > 0 && threadSize !== P.PW_CKPT_THREAD_SIZE)) {
    throw fail('CKPT_CORRUPT', what, `thread table: ${threadCount} records of ${threadSize} bytes (at most ${P.PW_CKPT_MAX_THREADS} of ${P.PW_CKPT_THREAD_SIZE})`);
  }
  if (
    regionTableOff !== P.PW_CKPT_HEADER_SIZE || fileTableOff !== regionTableOff + regionCount * P.PW_CKPT_REGION_SIZE ||
    threadTableOff !== fileTableOff + fileCount * P.PW_CKPT_FILE_SIZE ||
    fpstateOff < threadTableOff + threadCount * P.PW_CKPT_THREAD_SIZE || metaSize < fpstateOff + fpstateSize ||
    metaSize % PAGE !== 0 || metaSize > imageSize || metaSize > MAX_META_SIZE
  ) {
    throw fail('CKPT_CORRUPT', what, `inconsistent table offsets (regions at ${regionTableOff}, files at ${fileTableOff}, FPU state at ${fpstateOff}, header area ${metaSize} bytes, image ${imageSize} bytes)`);
  }
  rd.check(0, metaSize, 'header area');
  const crcBuf = Buffer.from(meta.subarray(0, metaSize));
  crcBuf.writeUInt32LE(0, P.PW_CKPT_OFF_HEADER_CRC);
  const crc = crc32c(crcBuf);
  if (crc !== headerCrc) {
    throw new PagewiseError('CKPT_BAD_CHECKSUM', `${what}: checksum mismatch in the header and tables (bytes 0-${metaSize}): stored ${hex(headerCrc)}, computed ${hex(crc)}`);
  }

  const gregs = {} as CkptHeader['gregs'];
  GREG_NAMES.forEach((n, i) => (gregs[n] = u64(P.PW_CKPT_OFF_GREGS + 8 * i, `gregs.${n}`)));
  const R = P.PW_CKPT_OFF_RESUME;
  const sigactions: CkptSigaction[] = [];
  for (let s = 0; s < P.PW_CKPT_NSIG; s++) {
    const o = P.PW_CKPT_OFF_SIGACTIONS + 32 * s;
    sigactions.push({ signo: s + 1, handler: u64(o, 'sigaction.handler'), flags: u64(o + 8, 'sigaction.flags'), restorer: u64(o + 16, 'sigaction.restorer'), mask: u64(o + 24, 'sigaction.mask') });
  }
  const header: CkptHeader = {
    versionMajor, versionMinor, machine, pageSize, regionCount, fileCount, regionTableOff, fileTableOff, fpstateOff,
    fpstateSize, headerCrc, metaSize, imageSize,
    pid: u32(P.PW_CKPT_OFF_PID, 'pid'), generation: u32(92, 'generation'), timeNs: u64(96, 'time_ns'),
    comm: rd.fixedStr(104, 16, 'comm'), signo: u32(120, 'signo'), flags: u32(124, 'flags'), gregs,
    fsBase: u64(P.PW_CKPT_OFF_FS_BASE, 'fs_base'), gsBase: u64(320, 'gs_base'), sigmask: u64(328, 'sigmask'), handlerMask: u64(336, 'handler_mask'),
    resume: {
      rbx: u64(R, 'resume.rbx'), rbp: u64(R + 8, 'resume.rbp'), r12: u64(R + 16, 'resume.r12'), r13: u64(R + 24, 'resume.r13'),
      r14: u64(R + 32, 'resume.r14'), r15: u64(R + 40, 'resume.r15'), rsp: u64(R + 48, 'resume.rsp'), rip: u64(R + 56, 'resume.rip'),
    },
    rseq: { addr: u64(P.PW_CKPT_OFF_RSEQ, 'rseq_addr'), len: u32(416, 'rseq_len'), sig: u32(420, 'rseq_sig') },
    altstack: { sp: u64(424, 'altstack_sp'), size: u64(432, 'altstack_size'), flags: u32(440, 'altstack_flags') },
    tidOffset: rd.i32(444, 'tid_offset'), sigactions, brk: u64(P.PW_CKPT_OFF_BRK, 'brk'),
    threadCount, threadTableOff, robustHead: u64(P.PW_CKPT_OFF_THREADS + 16, 'robust_head'), robustLen: u64(P.PW_CKPT_OFF_THREADS + 24, 'robust_len'),
  };

  const regions: CkptRegion[] = [];
  let prevEnd = 0n;
  for (let i = 0; i < regionCount; i++) {
    const o = regionTableOff + i * P.PW_CKPT_REGION_SIZE;
    const flags = u32(o + 20, 'region.flags');
    const r: CkptRegion = {
      index: i, start: u64(o, 'region.start'), end: u64(o + 8, 'region.end'), pages: 0, prot: u32(o + 16, 'region.prot'), flags,
      fileOffset: u64(o + 24, 'region.file_offset'), inode: u64(o + 32, 'region.inode'), devMajor: u32(o + 40, 'region.dev_major'),
      devMinor: u32(o + 44, 'region.dev_minor'), dataOff: num(o + P.PW_CKPT_ROFF_DATA, 'region.data_off'),
      storedPages: num(o + 56, 'region.stored_pages'), bitmapOff: num(o + 64, 'region.bitmap_off'), crc: u32(o + P.PW_CKPT_ROFF_CRC, 'region.crc'),
      kind: u32(o + 76, 'region.kind'), name: rd.fixedStr(o + P.PW_CKPT_ROFF_NAME, P.PW_CKPT_NAME_MAX, 'region.name'),
      hasData: (flags & P.PW_CKPT_R_NODATA) === 0,
    };
    const bad = (why: string) => fail('CKPT_CORRUPT', what, `${regionLabel(r)}: ${why}`);
    if (r.start >= r.end || r.start % BigInt(PAGE) !== 0n || r.end % BigInt(PAGE) !== 0n || r.end > 0x800000000000n) throw bad('not a page-aligned user address range');
    if (r.start < prevEnd) throw bad(`overlaps or precedes the previous region (which ends at ${hex(prevEnd)})`);
    prevEnd = r.end;
    r.pages = Number((r.end - r.start) / BigInt(PAGE));
    if (!(r.kind in KIND_NAMES)) throw bad(`unknown kind ${r.kind}`);
    if ((flags & P.PW_CKPT_R_SPECIAL) !== 0 && r.kind !== P.PW_CKPT_KIND_VDSO && r.kind !== P.PW_CKPT_KIND_VVAR && r.kind !== P.PW_CKPT_KIND_VVAR_VCLOCK) throw bad('special flag on an ordinary region');
    if (r.hasData) {
      const words = Math.ceil(r.pages / 64);
      if (r.dataOff % PAGE !== 0 || r.dataOff < metaSize || r.storedPages > r.pages) throw bad(`data at ${r.dataOff} (${r.storedPages} pages) outside the data area`);
      if (r.bitmapOff !== r.dataOff + r.storedPages * PAGE) throw bad(`bitmap at ${r.bitmapOff}, expected right after the data at ${r.dataOff + r.storedPages * PAGE}`);
      if (r.bitmapOff + words * 8 > imageSize) throw bad(`bitmap (${words * 8} bytes at ${r.bitmapOff}) past the end of the image (${imageSize} bytes)`);
    }
    regions.push(r);
  }
  const files: CkptFile[] = [];
  for (let i = 0; i < fileCount; i++) {
    const o = fileTableOff + i * P.PW_CKPT_FILE_SIZE;
    const offset = rd.u64(o + 8, 'file.offset');
    files.push({
      fd: rd.i32(o, 'file.fd'), openFlags: u32(o + 4, 'file.open_flags'),
      offset: offset > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(offset),
      inode: u64(o + 16, 'file.inode'), size: num(o + 24, 'file.size'), mode: u32(o + 32, 'file.mode'),
      fdFlags: u32(o + 36, 'file.fd_flags'), path: rd.fixedStr(o + P.PW_CKPT_FOFF_PATH, P.PW_CKPT_PATH_MAX, 'file.path'),
    });
    const f = files[i];
    if (f.fd < 3 || Number.isNaN(f.offset) || !f.path.startsWith('/')) throw fail('CKPT_CORRUPT', what, `file ${i} (fd ${f.fd} ${f.path}): bad fd, offset or path`);
  }
  const threads: CkptThread[] = [];
  for (let i = 0; i < threadCount; i++) {
    const o = threadTableOff + i * P.PW_CKPT_THREAD_SIZE;
    const r = o + 16;
    threads.push({
      tid: u32(o, 'thread.tid'), flags: u32(o + 4, 'thread.flags'), fsBase: u64(o + 8, 'thread.fs_base'),
      resume: {
        rbx: u64(r, 'thread.resume.rbx'), rbp: u64(r + 8, 'thread.resume.rbp'), r12: u64(r + 16, 'thread.resume.r12'), r13: u64(r + 24, 'thread.resume.r13'),
        r14: u64(r + 32, 'thread.resume.r14'), r15: u64(r + 40, 'thread.resume.r15'), rsp: u64(r + 48, 'thread.resume.rsp'), rip: u64(r + 56, 'thread.resume.rip'),
      },
      robustHead: u64(o + 80, 'thread.robust_head'), robustLen: u64(o + 88, 'thread.robust_len'), rseqAddr: u64(o + 96, 'thread.rseq_addr'),
      comm: rd.fixedStr(o + 104, 16, 'thread.comm'), sigmask: u64(o + 120, 'thread.sigmask'),
    });
  }
  const fpstate = Buffer.from(rd.bytes(fpstateOff, fpstateSize, 'fpstate'));
  return { header, regions, files, threads, fpstate };
}

/** The region's data and bitmap as one byte range of the file: [off, off + len). */
export function regionDataRange(r: CkptRegion): { off: number; len: number } {
  return { off: r.dataOff, len: r.storedPages * PAGE + Math.ceil(r.pages / 64) * 8 };
}

/**
 * Check one region's bytes (its stored pages then its bitmap, as regionDataRange says) given as chunks
 * in order: the crc, and that the bitmap has exactly storedPages bits set within the region.
 */
export function verifyRegionData(r: CkptRegion, chunks: Iterable<Uint8Array>, what = 'image'): void {
  let crc = 0;
  const { len } = regionDataRange(r);
  const tail: Uint8Array[] = [];
  let seen = 0;
  const dataLen = r.storedPages * PAGE;
  for (const c of chunks) {
    crc = crc32c(c, crc);
    // keep the bitmap part for the popcount
    const from = Math.max(0, dataLen - seen);
    if (from < c.length) tail.push(c.subarray(from));
    seen += c.length;
  }
  if (seen !== len) throw fail('CKPT_TRUNCATED', what, `${regionLabel(r)}: ${seen} bytes of data and bitmap, expected ${len}`);
  if (crc !== r.crc) {
    throw new PagewiseError('CKPT_BAD_CHECKSUM', `${what}: checksum mismatch in the data of ${regionLabel(r)} (bytes ${r.dataOff}-${r.dataOff + len} of the file): stored ${hex(r.crc)}, computed ${hex(crc)}`);
  }
  const bitmap = Buffer.concat(tail);
  let bits = 0;
  for (let p = 0; p < bitmap.length * 8; p++) {
    if ((bitmap[p >> 3] >> (p & 7)) & 1) {
      if (p >= r.pages) throw fail('CKPT_CORRUPT', what, `${regionLabel(r)}: bitmap marks page ${p}, past the region's ${r.pages} pages`);
      bits++;
    }
  }
  if (bits !== r.storedPages) throw fail('CKPT_CORRUPT', what, `${regionLabel(r)}: the bitmap marks ${bits} pages, the table says ${r.storedPages} are stored`);
}

/** Regions that overlap the restarter's own range. */
export function collisions(img: CkptImage): CkptRegion[] {
  const lo = BigInt(P.PW_CKPT_RESTARTER_START), hi = BigInt(P.PW_CKPT_RESTARTER_END);
  return img.regions.filter((r) => r.start < hi && r.end > lo);
}

export function checkNoCollision(img: CkptImage, what = 'image'): void {
  const c = collisions(img);
  if (c.length) {
    throw new PagewiseError('CKPT_COLLIDES', `${what}: ${regionLabel(c[0])} collides with the restarter's own range ${hex(P.PW_CKPT_RESTARTER_START)}-${hex(P.PW_CKPT_RESTARTER_END)}`);
  }
}

/** Parse and check a whole image held in memory (meta, every region, collisions). */
export function verifyImageBuffer(buf: Buffer, what = 'image'): CkptImage {
  const img = parseImageMeta(buf, buf.length, what);
  checkNoCollision(img, what);
  for (const r of img.regions) {
    if (!r.hasData) continue;
    const { off, len } = regionDataRange(r);
    verifyRegionData(r, [new ByteReader(buf, what, 'CKPT_TRUNCATED').bytes(off, len, `data of ${regionLabel(r)}`)], what);
  }
  return img;
}
