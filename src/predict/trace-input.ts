/**
 * What a replay needs from a decoded trace (src/trace/format.ts): faultPages(trace) = the page of each
 * FAULT record in file order, leaving out pages the loader prefetched (flag PREFETCHED: the program did
 * not fault on them, so they are not part of the demand sequence); validPages(trace) = the union of
 * every region the trace ever saw (REGION_ADD and RESIZE), as page ranges, or undefined when it has no
 * region records. Pure.
 */
import { FAULT_PREFETCHED, type Trace } from '../trace/format.js';
import { PageRanges } from './replay.js';

export function faultPages(trace: Trace): Float64Array {
  const f = trace.faults;
  const ps = trace.header.pageSize || 4096;
  const out = new Float64Array(f.count);
  let k = 0;
  for (let i = 0; i < f.count; i++) {
    if (f.flags[i] & FAULT_PREFETCHED) continue;
    out[k++] = Math.floor(f.addr[i] / ps);
  }
  return out.subarray(0, k);
}

export function validPages(trace: Trace): PageRanges | undefined {
  const ps = trace.header.pageSize || 4096;
  const ranges: [number, number][] = [];
  for (const r of trace.regions) {
    if (r.type === 'regionAdd' || r.type === 'regionResize') ranges.push([Math.floor(r.start / ps), Math.ceil(r.end / ps)]);
  }
  return ranges.length ? new PageRanges(ranges) : undefined;
}
