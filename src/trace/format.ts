/**
 * Decoding the pagewise trace format (docs/formats/trace.md): bytes in, a typed Trace out. Pure.
 *
 * decodeTrace(buf) decodes a whole file; TraceDecoder takes the bytes in chunks of any size (a file
 * being written, a pipe) and can be asked for the Trace so far at any time. The header is checked
 * completely first through ByteReader: not a trace -> TRACE_BAD_MAGIC, another major version ->
 * TRACE_BAD_VERSION naming it, a header cut short -> TRACE_TRUNCATED (thrown: nothing to show).
 * Records are then decoded in a tight DataView loop (each record's len is checked against the bytes
 * present before any field of it is read). Damage does not throw: decoding stops at the first bad
 * record, keeps everything before it, and `damage` says where and why (TRACE_CORRUPT), or that the
 * bytes ran out / no END record came (TRACE_TRUNCATED). Unknown record types are skipped by len.
 * Encoding lives in ./writer.ts, the record types and numbers in ./records.ts.
 */
import { PagewiseError } from '../errors.js';
import { FaultTable } from './faults.js';
import { decodeHeader } from './header.js';
import {
  REGION_ADD_NAME_OFF, RECORD_MIN_LEN, RECORD_NAMES, RecordType,
  type CountsRecord, type Damage, type EndRecord, type LostRecord, type RegionEvent, type TaskRecord, type TraceHeader,
} from './records.js';

export * from './records.js';
export { FaultTable } from './faults.js';
export { decodeHeader } from './header.js';
export { TraceWriter, encodeTrace, type HeaderSpec } from './writer.js';

export interface Trace {
  header: TraceHeader;
  faults: FaultTable;
  /** Region records in file order. */
  regions: RegionEvent[];
  lost: LostRecord[];
  tasks: TaskRecord[];
  counts: CountsRecord[];
  end: EndRecord | null;
  /** Records of unknown type that were skipped. */
  skipped: number;
  /** Bytes decoded (header plus whole records). */
  bytes: number;
  damage: Damage | null;
}

const TWO32 = 4294967296;
/** Incremental decoder: push() chunks as they come, trace() for everything decoded so far. */
export class TraceDecoder {
  readonly what: string;
  header: TraceHeader | null = null;
  readonly faults: FaultTable;
  readonly regions: RegionEvent[] = [];
  readonly lost: LostRecord[] = [];
  readonly tasks: TaskRecord[] = [];
  readonly counts: CountsRecord[] = [];
  end: EndRecord | null = null;
  skipped = 0;
  damage: Damage | null = null;
  /** Absolute file offset of pending[0]. */
  private base = 0;
  private pending: Buffer = Buffer.alloc(0);
  private finished = false;
  /** Whose address space the next region records describe: SPACE records set it (format 1.1). */
  private space = 0;

  constructor(what = 'trace', expectedBytes = 0) {
    this.what = what;
    this.faults = new FaultTable(Math.ceil(expectedBytes / 40) + 1);
  }

  /** True once END was read or decoding stopped at damage: nothing more will be taken. */
  get done(): boolean {
    return this.end !== null || this.damage !== null;
  }

  push(chunk: Buffer): void {
    if (this.finished) return;
    if (this.done) {
      if (this.end && !this.damage && chunk.length > 0) this.afterEnd(chunk.length);
      return;
    }
    if (!this.header) {
      const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      this.header = decodeHeader(buf, this.what);
      if (!this.header) {
        this.pending = Buffer.from(buf);
        return;
      }
      this.base = this.header.headerLen;
      this.pending = Buffer.alloc(0);
      const pid = this.header.info.pid;
      this.space = typeof pid === 'number' && Number.isInteger(pid) ? pid : 0;
      return this.push(buf.subarray(this.header.headerLen));
    }
    if (this.pending.length) {
      // Complete the pending record from the head of the chunk without copying the whole chunk
      // (a record is at most 65535 bytes).
      const take = Math.min(chunk.length, 65536 + 8);
      const joined = Buffer.concat([this.pending, chunk.subarray(0, take)]);
      const used = this.records(joined);
      this.base += used;
      if (this.done || used < this.pending.length || take === chunk.length) {
        if (this.end && !this.damage && used < joined.length + (chunk.length - take)) this.afterEnd(joined.length - used + chunk.length - take);
        this.pending = this.done ? Buffer.alloc(0) : Buffer.from(joined.subarray(used));
        if (this.done || take === chunk.length) return;
      }
      const consumed = used - this.pending.length;
      this.pending = Buffer.alloc(0);
      chunk = chunk.subarray(consumed);
    }
    const used = this.records(chunk);
    this.base += used;
    if (this.done) {
      if (this.end && !this.damage && used < chunk.length) this.afterEnd(chunk.length - used);
      return;
    }
    // Keep only the incomplete tail (copied, so a big chunk is not held alive by a few bytes).
    if (used < chunk.length) this.pending = Buffer.from(chunk.subarray(used));
  }

  private afterEnd(bytes: number): void {
    this.damage = { code: 'TRACE_CORRUPT', offset: this.base, reason: `${bytes} bytes after the END record` };
  }

  /** No more bytes will come: an incomplete record or a missing END becomes TRACE_TRUNCATED damage. */
  finish(): Trace {
    if (!this.finished) {
      this.finished = true;
      if (!this.header) this.header = decodeHeader(this.pending, this.what, true);
      if (!this.damage && !this.end) {
        this.damage = this.pending.length
          ? { code: 'TRACE_TRUNCATED', offset: this.base, reason: `the file ends inside a record (${this.pending.length} bytes of it present)` }
          : { code: 'TRACE_TRUNCATED', offset: this.base, reason: 'the file ends without an END record (the trace was cut short)' };
      }
    }
    return this.trace();
  }

  /** Everything decoded so far (header must have been read). */
  trace(): Trace {
    if (!this.header) throw new PagewiseError('TRACE_TRUNCATED', `${this.what}: the trace header is incomplete (${this.pending.length} bytes)`);
    return {
      header: this.header, faults: this.faults, regions: this.regions, lost: this.lost, tasks: this.tasks,
      counts: this.counts, end: this.end, skipped: this.skipped, bytes: this.base, damage: this.damage,
    };
  }

  /** Decode whole records from buf; returns the bytes used. Stops at damage (sets it) or at END. */
  private records(buf: Buffer): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = buf.length;
    const f = this.faults;
    let o = 0;
    while (o + 4 <= n) {
      const type = dv.getUint16(o, true);
      const len = dv.getUint16(o + 2, true);
      if (len < 8 || len % 8 !== 0) {
        this.damage = { code: 'TRACE_CORRUPT', offset: this.base + o, reason: `record length ${len} (type ${type}) is not a positive multiple of 8` };
        return o;
      }
      if (o + len > n) break; // wait for the rest of it
      if (type === RecordType.FAULT && len >= 40) {
        // The hot path: inline, no allocation.
        let i = f.count;
        if (i === f.capacity) f.reserve(i + 1);
        f.tid[i] = dv.getUint32(o + 4, true);
        f.t[i] = dv.getUint32(o + 8, true) + dv.getUint32(o + 12, true) * TWO32;
        f.addr[i] = dv.getUint32(o + 16, true) + dv.getUint32(o + 20, true) * TWO32;
        f.ip[i] = dv.getUint32(o + 24, true) + dv.getUint32(o + 28, true) * TWO32;
        f.flags[i] = dv.getUint32(o + 32, true) & 0xff;
        f.region[i] = dv.getUint32(o + 36, true);
        f.count = i + 1;
        o += len;
        continue;
      }
      const min = RECORD_MIN_LEN[type];
      if (min !== undefined && len < min) {
        this.damage = { code: 'TRACE_CORRUPT', offset: this.base + o, reason: `${RECORD_NAMES[type]} record of ${len} bytes, expected at least ${min}` };
        return o;
      }
      const bad = min === undefined ? (this.skipped++, null) : this.other(type, dv, o, len);
      if (bad) {
        this.damage = { code: 'TRACE_CORRUPT', offset: this.base + o, reason: bad };
        return o;
      }
      o += len;
      if (this.end) return o;
    }
    return o;
  }

  /** Decode one non-FAULT record of a known type; returns a reason when it is inconsistent. */
  private other(type: number, dv: DataView, o: number, len: number): string | null {
    const u32 = (k: number) => dv.getUint32(o + k, true);
    const u64 = (k: number) => dv.getUint32(o + k, true) + dv.getUint32(o + k + 4, true) * TWO32;
    const id = u32(4);
    const t = u64(8);
    switch (type) {
      case RecordType.REGION_ADD: {
        const nameLen = dv.getUint16(o + 56, true);
        if (REGION_ADD_NAME_OFF + nameLen > len) return `REGION_ADD name of ${nameLen} bytes overruns the ${len}-byte record`;
        const start = u64(16);
        const end = u64(24);
        if (end < start) return `REGION_ADD ${id} ends (0x${end.toString(16)}) before it starts (0x${start.toString(16)})`;
        const bytes = new Uint8Array(dv.buffer, dv.byteOffset + o + REGION_ADD_NAME_OFF, nameLen);
        const name = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
        this.regions.push({ type: 'regionAdd', id, t, start, end, offset: u64(32), inode: u64(40), prot: u32(48), cause: u32(52), name, pid: this.space });
        return null;
      }
      case RecordType.SPACE:
        this.space = id;
        return null;
      case RecordType.REGION_REMOVE:
        this.regions.push({ type: 'regionRemove', id, t });
        return null;
      case RecordType.REGION_RESIZE: {
        const start = u64(16);
        const end = u64(24);
        if (end < start) return `REGION_RESIZE ${id} ends before it starts`;
        this.regions.push({ type: 'regionResize', id, t, start, end });
        return null;
      }
      case RecordType.REGION_SPLIT:
        this.regions.push({ type: 'regionSplit', id, t, at: u64(16), newId: u32(24) });
        return null;
      case RecordType.REGION_MERGE:
        this.regions.push({ type: 'regionMerge', id, t, absorbed: u32(16) });
        return null;
      case RecordType.REGION_PROT:
        this.regions.push({ type: 'regionProt', id, t, prot: u32(16) });
        return null;
      case RecordType.LOST:
        this.lost.push({ type: 'lost', tid: id, t, count: u64(16) });
        return null;
      case RecordType.TASK:
        this.tasks.push({ type: 'task', tid: id, t, kind: u32(16), pid: u32(20), parent: u32(24), status: u32(28) });
        return null;
      case RecordType.COUNTS: {
        const unknown = u32(32) === 0xffffffff && u32(36) === 0xffffffff;
        this.counts.push({ type: 'counts', pid: id, t, minor: u64(16), major: u64(24), counted: unknown ? null : u64(32) });
        return null;
      }
      case RecordType.END:
        this.end = { type: 'end', t, faults: u64(16), lost: u64(24) };
        return null;
      default:
        return null;
    }
  }
}

/** Decode a whole trace file held in memory. Throws only for a bad or incomplete header. */
export function decodeTrace(buf: Buffer, what = 'trace'): Trace {
  const d = new TraceDecoder(what, buf.length);
  d.push(buf);
  return d.finish();
}
