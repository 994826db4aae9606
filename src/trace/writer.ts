/**
 * TraceWriter / encodeTrace: produce trace files exactly as docs/formats/trace.md lays them out.
 *
 * Used by tests and benches (to make traces with every record kind), and usable by the loader's
 * --record. Pure: bytes accumulate in a growing Buffer; the caller decides where they go (take()
 * hands over what was written since the last take, for streaming). Values are numbers (./records.ts).
 */
import { REGION_ADD_NAME_OFF, TRACE_HEADER_FIXED, TRACE_MAGIC, TRACE_MAJOR, TRACE_MINOR, RecordType, type TraceRecord } from './records.js';

export interface HeaderSpec {
  major?: number;
  minor?: number;
  flags?: number;
  pageSize?: number;
  startMonoNs?: bigint;
  startRealNs?: bigint;
  source?: number;
  info?: Record<string, unknown>;
}

const TWO32 = 4294967296;
const pad8 = (n: number) => (n + 7) & ~7;

export class TraceWriter {
  private buf: Buffer;
  private dv: DataView;
  private pos = 0;
  /** The process the region records written last belong to (SPACE records switch it). */
  private space: number;

  constructor(header: HeaderSpec = {}, initialCapacity = 1 << 16) {
    this.space = typeof header.info?.pid === 'number' ? header.info.pid : 0;
    this.buf = Buffer.alloc(initialCapacity);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const info = Buffer.from(JSON.stringify(header.info ?? {}), 'utf8');
    const headerLen = TRACE_HEADER_FIXED + pad8(info.length);
    const o = this.reserve(headerLen);
    TRACE_MAGIC.copy(this.buf, o);
    this.dv.setUint16(o + 8, header.major ?? TRACE_MAJOR, true);
    this.dv.setUint16(o + 10, header.minor ?? TRACE_MINOR, true);
    this.dv.setUint32(o + 12, headerLen, true);
    this.dv.setUint32(o + 16, header.flags ?? 0, true);
    this.dv.setUint32(o + 20, header.pageSize ?? 4096, true);
    this.dv.setBigUint64(o + 24, header.startMonoNs ?? 0n, true);
    this.dv.setBigUint64(o + 32, header.startRealNs ?? 0n, true);
    this.dv.setUint32(o + 40, header.source ?? 1, true);
    this.dv.setUint32(o + 44, info.length, true);
    info.copy(this.buf, o + TRACE_HEADER_FIXED);
  }

  /** Room for n more bytes (zeroed unless the caller writes all of them); returns their offset. */
  private reserve(n: number, zero = true): number {
    if (this.pos + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.pos + n) cap *= 2;
      const nb = Buffer.alloc(cap);
      this.buf.copy(nb, 0, 0, this.pos);
      this.buf = nb;
      this.dv = new DataView(nb.buffer, nb.byteOffset, nb.byteLength);
    }
    const o = this.pos;
    this.pos += n;
    if (zero) this.buf.fill(0, o, o + n); // after take() the buffer is reused
    return o;
  }

  private u64(o: number, v: number | null): void {
    if (v === null) {
      this.dv.setUint32(o, 0xffffffff, true);
      this.dv.setUint32(o + 4, 0xffffffff, true);
      return;
    }
    this.dv.setUint32(o, v % TWO32, true);
    this.dv.setUint32(o + 4, Math.floor(v / TWO32) % TWO32, true);
  }

  private head(type: number, len: number, zero = true): number {
    const o = this.reserve(len, zero);
    this.dv.setUint16(o, type, true);
    this.dv.setUint16(o + 2, len, true);
    return o;
  }

  fault(tid: number, t: number, addr: number, ip: number, flags: number, region: number): void {
    const o = this.head(RecordType.FAULT, 40, false); // every byte written below
    const dv = this.dv;
    dv.setUint32(o + 4, tid, true);
    this.u64(o + 8, t);
    this.u64(o + 16, addr);
    this.u64(o + 24, ip);
    dv.setUint32(o + 32, flags, true);
    dv.setUint32(o + 36, region, true);
  }

  record(r: TraceRecord): void {
    const dv = this.dv;
    switch (r.type) {
      case 'fault':
        return this.fault(r.tid, r.t, r.addr, r.ip, r.flags, r.region);
      case 'regionAdd': {
        if (r.pid !== undefined && r.pid !== this.space) {
          const s = this.head(RecordType.SPACE, 16);
          this.dv.setUint32(s + 4, r.pid, true);
          this.u64(s + 8, r.t);
          this.space = r.pid;
        }
        const name = Buffer.from(r.name, 'utf8').subarray(0, 65000); // len is a u16
        const o = this.head(RecordType.REGION_ADD, pad8(REGION_ADD_NAME_OFF + name.length));
        this.dv.setUint32(o + 4, r.id, true);
        this.u64(o + 8, r.t); this.u64(o + 16, r.start); this.u64(o + 24, r.end);
        this.u64(o + 32, r.offset); this.u64(o + 40, r.inode);
        this.dv.setUint32(o + 48, r.prot, true);
        this.dv.setUint32(o + 52, r.cause, true);
        this.dv.setUint16(o + 56, name.length, true);
        name.copy(this.buf, o + REGION_ADD_NAME_OFF);
        return;
      }
      case 'regionRemove': {
        const o = this.head(RecordType.REGION_REMOVE, 16);
        dv.setUint32(o + 4, r.id, true); this.u64(o + 8, r.t);
        return;
      }
      case 'regionResize': {
        const o = this.head(RecordType.REGION_RESIZE, 32);
        this.dv.setUint32(o + 4, r.id, true); this.u64(o + 8, r.t); this.u64(o + 16, r.start); this.u64(o + 24, r.end);
        return;
      }
      case 'regionSplit': {
        const o = this.head(RecordType.REGION_SPLIT, 32);
        this.dv.setUint32(o + 4, r.id, true); this.u64(o + 8, r.t); this.u64(o + 16, r.at); this.dv.setUint32(o + 24, r.newId, true);
        return;
      }
      case 'regionMerge': {
        const o = this.head(RecordType.REGION_MERGE, 24);
        this.dv.setUint32(o + 4, r.id, true); this.u64(o + 8, r.t); this.dv.setUint32(o + 16, r.absorbed, true);
        return;
      }
      case 'regionProt': {
        const o = this.head(RecordType.REGION_PROT, 24);
        this.dv.setUint32(o + 4, r.id, true); this.u64(o + 8, r.t); this.dv.setUint32(o + 16, r.prot, true);
        return;
      }
      case 'lost': {
        const o = this.head(RecordType.LOST, 24);
        this.dv.setUint32(o + 4, r.tid, true); this.u64(o + 8, r.t); this.u64(o + 16, r.count);
        return;
      }
      case 'task': {
        const o = this.head(RecordType.TASK, 32);
        const d = this.dv;
        d.setUint32(o + 4, r.tid, true); this.u64(o + 8, r.t);
        d.setUint32(o + 16, r.kind, true); d.setUint32(o + 20, r.pid, true); d.setUint32(o + 24, r.parent, true); d.setUint32(o + 28, r.status, true);
        return;
      }
      case 'counts': {
        const o = this.head(RecordType.COUNTS, 40);
        this.dv.setUint32(o + 4, r.pid, true); this.u64(o + 8, r.t); this.u64(o + 16, r.minor); this.u64(o + 24, r.major); this.u64(o + 32, r.counted);
        return;
      }
      case 'end': {
        const o = this.head(RecordType.END, 32);
        this.u64(o + 8, r.t); this.u64(o + 16, r.faults); this.u64(o + 24, r.lost);
        return;
      }
      case 'raw': {
        const len = pad8(4 + r.body.length);
        const o = this.head(r.rtype, len);
        r.body.copy(this.buf, o + 4);
        return;
      }
    }
  }

  /** Bytes written and not yet taken (a view; valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Hand over the bytes written since the last take() (for streaming to a file or pipe); frees them here. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

/** The whole file for a header and records, in order. */
export function encodeTrace(header: HeaderSpec, records: Iterable<TraceRecord>): Buffer {
  const w = new TraceWriter(header);
  for (const r of records) w.record(r);
  return Buffer.from(w.bytes());
}
