/**
 * FaultTable: the FAULT records of a trace as growable typed columns (one entry per fault, no
 * per-fault objects), so a 10-million-fault trace costs ~33 bytes a fault and loops stay tight.
 * Columns are valid for indexes [0, count).
 */
import type { FaultRecord } from './records.js';

export class FaultTable {
  count = 0;
  tid: Uint32Array;
  t: Float64Array;
  addr: Float64Array;
  ip: Float64Array;
  flags: Uint8Array;
  region: Uint32Array;

  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.tid = new Uint32Array(c);
    this.t = new Float64Array(c);
    this.addr = new Float64Array(c);
    this.ip = new Float64Array(c);
    this.flags = new Uint8Array(c);
    this.region = new Uint32Array(c);
  }

  get capacity(): number {
    return this.tid.length;
  }

  /** Make room for at least `n` entries in all. */
  reserve(n: number): void {
    if (n <= this.capacity) return;
    let c = this.capacity * 2;
    while (c < n) c *= 2;
    const grow = <T extends Uint32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a.subarray(0, this.count) as never);
      return b;
    };
    this.tid = grow(this.tid, (n) => new Uint32Array(n));
    this.t = grow(this.t, (n) => new Float64Array(n));
    this.addr = grow(this.addr, (n) => new Float64Array(n));
    this.ip = grow(this.ip, (n) => new Float64Array(n));
    this.flags = grow(this.flags, (n) => new Uint8Array(n));
    this.region = grow(this.region, (n) => new Uint32Array(n));
  }

  /** Fault i as an object (for tests, --follow and JSON; not for hot loops). */
  get(i: number): FaultRecord {
    return { type: 'fault', tid: this.tid[i], t: this.t[i], addr: this.addr[i], ip: this.ip[i], flags: this.flags[i], region: this.region[i] };
  }
}
