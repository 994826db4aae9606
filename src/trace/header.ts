/**
 * decodeHeader: the fixed header and info JSON of a trace (docs/formats/trace.md), checked whole
 * through ByteReader before any record is read. Returns null while more bytes are needed (streaming),
 * throws TRACE_BAD_MAGIC (naming the bytes found), TRACE_BAD_VERSION (naming the version found),
 * TRACE_CORRUPT (impossible header_len) or, when `final`, TRACE_TRUNCATED. Pure.
 */
import { PagewiseError } from '../errors.js';
import { ByteReader } from '../util/reader.js';
import { TRACE_HEADER_FIXED, TRACE_MAGIC, TRACE_MAJOR, type TraceHeader } from './records.js';

/** The largest header accepted (the info JSON is small; anything bigger is damage, not a header). */
const MAX_HEADER = 1 << 20;

/** Parse and check the header at the start of buf; null when more bytes are needed. Throws when it is bad. */
export function decodeHeader(buf: Buffer, what = 'trace', final = false): TraceHeader | null {
  const r = new ByteReader(buf, what, 'TRACE_TRUNCATED');
  const need = (n: number) => {
    if (buf.length >= n) return true;
    if (final) r.check(0, n, 'header');
    return false;
  };
  if (!need(8)) {
    if (buf.length > 0 && !TRACE_MAGIC.subarray(0, buf.length).equals(buf)) badMagic(buf, what);
    return null;
  }
  if (!buf.subarray(0, 8).equals(TRACE_MAGIC)) badMagic(buf, what);
  if (!need(TRACE_HEADER_FIXED)) return null;
  const major = r.u16(8, 'major');
  const minor = r.u16(10, 'minor');
  if (major !== TRACE_MAJOR) {
    throw new PagewiseError('TRACE_BAD_VERSION', `${what}: trace format version ${major}.${minor}, this pagewise reads version ${TRACE_MAJOR}.x only`);
  }
  const headerLen = r.u32(12, 'header_len');
  const infoLen = r.u32(44, 'info_len');
  if (headerLen % 8 !== 0 || headerLen < TRACE_HEADER_FIXED + infoLen || headerLen > MAX_HEADER) {
    throw new PagewiseError('TRACE_CORRUPT', `${what}: header_len ${headerLen} does not fit info_len ${infoLen} (expected a multiple of 8, at least ${TRACE_HEADER_FIXED + infoLen}, at most ${MAX_HEADER})`);
  }
  if (!need(headerLen)) return null;
  const infoText = r.bytes(TRACE_HEADER_FIXED, infoLen, 'info').toString('utf8');
  let info: Record<string, unknown> = {};
  let infoError: string | undefined;
  if (infoLen > 0) {
    try {
      const v: unknown = JSON.parse(infoText);
      if (v && typeof v === 'object' && !Array.isArray(v)) info = v as Record<string, unknown>;
      else infoError = 'info is not a JSON object';
    } catch (e) {
      infoError = `info is not JSON: ${(e as Error).message}`;
    }
  }
  return {
    major, minor, headerLen,
    flags: r.u32(16, 'flags'),
    pageSize: r.u32(20, 'page_size'),
    startMonoNs: r.u64(24, 'start_mono_ns'),
    startRealNs: r.u64(32, 'start_real_ns'),
    source: r.u32(40, 'source'),
    info, infoText, ...(infoError ? { infoError } : {}),
  };
}

function badMagic(buf: Buffer, what: string): never {
  const seen = buf.subarray(0, 8).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  throw new PagewiseError('TRACE_BAD_MAGIC', `${what}: not a pagewise trace (expected bytes 50 57 54 52 41 43 45 00 'PWTRACE', found ${seen})`);
}

