/**
 * Reading an image file: readImage(path) reads the header area and parses it (parseImageMeta);
 * verifyImageFile(path) also streams every region's data through verifyRegionData, in 16 MiB chunks, so
 * a 1 GiB image is checked without holding it in memory. restartPreflight adds what myrestart checks
 * about the machine: files present, the kernel's vdso/vvar of the image's sizes. The effectful edge of
 * src/ckpt: file reads and stat only.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { fsError, PagewiseError } from '../errors.js';
import * as P from '../native/protocol.js';
import { checkNoCollision, MAX_META_SIZE, parseImageMeta, regionDataRange, regionLabel, verifyRegionData, type CkptImage } from './image.js';

function openImage(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fsError(e, path);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new PagewiseError('NOT_A_FILE', `${path}: not a regular file`);
  }
  return { fd, size: st.size };
}

function readAt(fd: number, off: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, off + got);
    if (n === 0) break;
    got += n;
  }
  return got === len ? buf : buf.subarray(0, got);
}

export function readImage(path: string): CkptImage {
  const { fd, size } = openImage(path);
  try {
    return parseImageMeta(readAt(fd, 0, Math.min(size, MAX_META_SIZE)), size, path);
  } finally {
    closeSync(fd);
  }
}

function* chunksOf(fd: number, off: number, len: number): Generator<Buffer> {
  const CHUNK = 16 << 20;
  for (let done = 0; done < len; ) {
    const b = readAt(fd, off + done, Math.min(CHUNK, len - done));
    if (b.length === 0) return;
    yield b;
    done += b.length;
  }
}

/** Every check of the image itself: structure, header crc, every region's crc and bitmap, collisions. */
export function verifyImageFile(path: string): CkptImage {
  const { fd, size } = openImage(path);
  try {
    const img = parseImageMeta(readAt(fd, 0, Math.min(size, MAX_META_SIZE)), size, path);
    checkNoCollision(img, path);
    for (const r of img.regions) {
      if (!r.hasData) continue;
      const { off, len } = regionDataRange(r);
      verifyRegionData(r, chunksOf(fd, off, len), path);
    }
    return img;
  } finally {
    closeSync(fd);
  }
}

/** Sizes of this process's [vdso], [vvar], [vvar_vclock] by kind (same kernel as myrestart's). */
export function specialSizes(mapsText = readFileSync('/proc/self/maps', 'utf8')): Map<number, bigint> {
  const out = new Map<number, bigint>();
  const kinds: Record<string, number> = { '[vdso]': P.PW_CKPT_KIND_VDSO, '[vvar]': P.PW_CKPT_KIND_VVAR, '[vvar_vclock]': P.PW_CKPT_KIND_VVAR_VCLOCK };
  for (const line of mapsText.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) .* (\[[a-z_]+\])$/.exec(line);
    if (m && kinds[m[3]] !== undefined) out.set(kinds[m[3]], BigInt(`0x${m[2]}`) - BigInt(`0x${m[1]}`));
  }
  return out;
}

/** What myrestart checks beyond the image: the files to reopen exist, the vdso/vvar sizes match. */
export function restartPreflight(img: CkptImage, path: string, sizes = specialSizes()): void {
  for (const f of img.files) {
    try {
      statSync(f.path);
    } catch {
      throw new PagewiseError('CKPT_FILE_GONE', `${path}: the program had ${f.path} open on fd ${f.fd}, and it is gone`);
    }
  }
  for (const r of img.regions) {
    if ((r.flags & P.PW_CKPT_R_SHARED) && (r.flags & P.PW_CKPT_R_FILE) && !(r.flags & P.PW_CKPT_R_SPECIAL)) {
      try {
        statSync(r.name);
      } catch {
        throw new PagewiseError('CKPT_FILE_GONE', `${path}: the program had ${r.name} mapped shared (${regionLabel(r)}), and it is gone`);
      }
    }
    if (r.flags & P.PW_CKPT_R_SPECIAL) {
      const have = sizes.get(r.kind);
      if (have !== r.end - r.start) {
        throw new PagewiseError('CKPT_VDSO_MISMATCH', `${path}: ${regionLabel(r)} is ${r.end - r.start} bytes, this kernel's is ${have ?? 'absent'}`);
      }
    }
  }
}
