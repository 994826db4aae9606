/**
 * ByteReader: the one bounds-checked reader for binary formats (ELF, Mach-O, traces, images).
 *
 * Every read names what it reads; a read past the end raises a coded error naming the field, the
 * offset and the size, never garbage. Little-endian only (pagewise handles x86-64). 64-bit values
 * are returned as bigint by u64() and as a safe number by u64n() (which refuses values >= 2^53).
 */
import { PagewiseError, type ErrorCode } from '../errors.js';

export class ByteReader {
  readonly buf: Buffer;
  readonly what: string;
  readonly truncCode: ErrorCode;

  /** @param what names the file in error messages; @param truncCode is raised on out-of-bounds reads. */
  constructor(buf: Buffer, what: string, truncCode: ErrorCode) {
    this.buf = buf;
    this.what = what;
    this.truncCode = truncCode;
  }

  get length(): number {
    return this.buf.length;
  }

  check(off: number, size: number, field: string): void {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(size) || off < 0 || size < 0 || off + size > this.buf.length) {
      throw new PagewiseError(
        this.truncCode,
        `${this.what}: ${field} at offset ${off} (${size} bytes) lies past the end of the file (${this.buf.length} bytes)`,
      );
    }
  }

  has(off: number, size: number): boolean {
    return Number.isSafeInteger(off) && Number.isSafeInteger(size) && off >= 0 && size >= 0 && off + size <= this.buf.length;
  }

  u8(off: number, field: string): number {
    this.check(off, 1, field);
    return this.buf.readUInt8(off);
  }
  u16(off: number, field: string): number {
    this.check(off, 2, field);
    return this.buf.readUInt16LE(off);
  }
  u32(off: number, field: string): number {
    this.check(off, 4, field);
    return this.buf.readUInt32LE(off);
  }
  i32(off: number, field: string): number {
    this.check(off, 4, field);
    return this.buf.readInt32LE(off);
  }
  u64(off: number, field: string): bigint {
    this.check(off, 8, field);
    return this.buf.readBigUInt64LE(off);
  }
  /** A 64-bit value as a number; values past 2^53 raise `bigCode` (they cannot be a valid offset or size). */
  u64n(off: number, field: string, bigCode: ErrorCode = this.truncCode): number {
    const v = this.u64(off, field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new PagewiseError(bigCode, `${this.what}: ${field} at offset ${off} is 0x${v.toString(16)}, too large to be valid`);
    }
    return Number(v);
  }
  bytes(off: number, size: number, field: string): Buffer {
    this.check(off, size, field);
    return this.buf.subarray(off, off + size);
  }
  /** A NUL-terminated string starting at off, at most maxLen bytes; unterminated = the rest up to maxLen. */
  cstr(off: number, field: string, maxLen = 4096): string {
    this.check(off, 0, field);
    const end = Math.min(this.buf.length, off + maxLen);
    let i = off;
    while (i < end && this.buf[i] !== 0) i++;
    return this.buf.toString('latin1', off, i);
  }
  /** A fixed-width, NUL-padded string field. */
  fixedStr(off: number, size: number, field: string): string {
    const b = this.bytes(off, size, field);
    const nul = b.indexOf(0);
    return b.toString('latin1', 0, nul < 0 ? size : nul);
  }
}
