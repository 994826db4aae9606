/**
 * The summary of a trace: faults per region and per thread, minor versus major, the instructions that
 * fault most, lost samples and the kernel's own counts. summarize() is pure (trace + attribution in,
 * plain data out); resolveSymbols() is the one effectful step: it reads the ELF symbol tables of the
 * mapped files (src/elf) to name the top instruction pointers, and leaves a name out when a file is
 * gone or not ELF (never fails the summary).
 */
import { readElfFile, symbolAt, type ElfFile } from '../elf/index.js';
import { PT } from '../elf/names.js';
import type { Trace } from './format.js';
import { FAULT_IN_KERNEL, FAULT_KIND_MASK, FAULT_MAJOR, FAULT_MINOR, FAULT_PREFETCHED } from './records.js';
import type { Attribution, FaultFilter, Region } from './regions.js';

export interface ThreadSummary { tid: number; faults: number; minor: number; major: number }
export interface RegionSummary {
  /** pid: the process whose address space holds the region (0 when the trace does not say). */
  id: number; pid: number; start: number; end: number; name: string; pages: number; touched: number;
  faults: number; minor: number; major: number; removed: number | null;
}
export interface IpSummary {
  ip: number; faults: number;
  /** The region holding the instruction, when known. */
  region?: string;
  /** "function+0xoff" from the mapped file's symbol table, when resolvable. */
  symbol?: string;
}
export interface KernelCounts {
  /** Faults the process(es) took by their resource usage (minor + major, last COUNTS of each pid). */
  took: number; minor: number; major: number;
  /** The perf counter read beside the samples (null when unknown). */
  counted: number | null;
}

export interface Summary {
  faults: number; minor: number; major: number; unknownKind: number; inKernel: number; prefetched: number;
  outside: number;
  threads: ThreadSummary[];
  regions: RegionSummary[];
  topIps: IpSummary[];
  /** Samples the kernel dropped (LOST records), and what END says. */
  lost: number;
  /** Faults recorded in the whole trace (no filter), for comparison with `kernel`. */
  recorded: number;
  kernel: KernelCounts | null;
}

export function summarize(trace: Trace, attribution: Attribution, filter: FaultFilter = {}, topN = 10): Summary {
  const f = trace.faults;
  const from = filter.from ?? -Infinity;
  const to = filter.to ?? Infinity;
  const tidWanted = filter.tid ?? -1;
  const threads = new Map<number, ThreadSummary>();
  const ips = new Map<number, number>();
  let minor = 0, major = 0, unknownKind = 0, inKernel = 0, prefetched = 0, faults = 0, recorded = 0;
  let lastTid = -1;
  let th: ThreadSummary | undefined;
  let lastIp = -1;
  let ipRun = 0;
  const { t, tid, flags, ip } = f;
  for (let i = 0; i < f.count; i++) {
    const fl = flags[i];
    if (fl & FAULT_PREFETCHED) {
      const ti = t[i];
      if (ti >= from && ti <= to && (tidWanted < 0 || tid[i] === tidWanted)) prefetched++;
      continue;
    }
    recorded++;
    const ti = t[i];
    if (ti < from || ti > to) continue;
    const id = tid[i];
    if (tidWanted >= 0 && id !== tidWanted) continue;
    faults++;
    if (id !== lastTid) {
      lastTid = id;
      th = threads.get(id);
      if (!th) threads.set(id, (th = { tid: id, faults: 0, minor: 0, major: 0 }));
    }
    th!.faults++;
    const k = fl & FAULT_KIND_MASK;
    if (k === FAULT_MINOR) { minor++; th!.minor++; } else if (k === FAULT_MAJOR) { major++; th!.major++; } else unknownKind++;
    if (fl & FAULT_IN_KERNEL) inKernel++;
    const p = ip[i];
    if (p === lastIp) ipRun++;
    else {
      if (ipRun) ips.set(lastIp, (ips.get(lastIp) ?? 0) + ipRun);
      lastIp = p;
      ipRun = 1;
    }
  }
  if (ipRun) ips.set(lastIp, (ips.get(lastIp) ?? 0) + ipRun);
  ips.delete(0); // ip 0: not recorded
  const topIps = [...ips].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, topN).map(([p, n]) => ({ ip: p, faults: n }));
  return {
    faults, minor, major, unknownKind, inKernel, prefetched, outside: attribution.outside,
    threads: [...threads.values()].sort((a, b) => b.faults - a.faults || a.tid - b.tid),
    regions: attribution.regions.map((r) => ({
      id: r.region.id, pid: r.region.pid, start: r.region.start, end: r.region.end, name: r.region.name, pages: r.pages, touched: r.touched,
      faults: r.faults, minor: r.minor, major: r.major, removed: r.region.removed,
    })),
    topIps,
    lost: trace.lost.reduce((s, l) => s + l.count, 0),
    recorded,
    kernel: kernelCounts(trace),
  };
}

/** The last COUNTS record of each pid, summed; null when the trace has none. */
export function kernelCounts(trace: Trace): KernelCounts | null {
  if (trace.counts.length === 0) return null;
  const last = new Map<number, (typeof trace.counts)[number]>();
  for (const c of trace.counts) last.set(c.pid, c);
  let minor = 0, major = 0, counted: number | null = 0;
  for (const c of last.values()) {
    minor += c.minor;
    major += c.major;
    counted = counted === null || c.counted === null ? null : counted + c.counted;
  }
  return { took: minor + major, minor, major, counted };
}

/** x86-64 kernel addresses start here: a fault taken inside a system call has a kernel ip. */
const KERNEL_START = 0xffff800000000000;

/** Name the instruction pointers of `ips` from the symbol tables of the files mapped where they lie. */
export async function resolveSymbols(ips: IpSummary[], regions: readonly Region[]): Promise<void> {
  const files = new Map<string, Promise<ElfFile | null>>();
  for (const s of ips) {
    if (s.ip >= KERNEL_START) {
      s.region = '[kernel]';
      continue;
    }
    const r = regions.find((g) => s.ip >= g.start && s.ip < g.end);
    if (!r) continue;
    s.region = r.name || `[anon ${r.id}]`;
    if (!r.name.startsWith('/')) continue;
    let p = files.get(r.name);
    if (!p) files.set(r.name, (p = readElfFile(r.name).catch(() => null)));
    const file = await p;
    if (!file) continue;
    // The instruction's file offset, then the virtual address the file's own symbols use.
    const fileOff = s.ip - r.start + r.offset;
    const load = file.programHeaders.find((h) => h.type === PT.LOAD && fileOff >= h.offset && fileOff < h.offset + h.filesz);
    if (!load) continue;
    try {
      const hit = symbolAt(file.symbols(), load.vaddr + BigInt(fileOff - load.offset));
      // A sizeless symbol far below (a version marker like GLIBC_2.10 at 0, an absolute symbol) names
      // nothing: the function is a local one the file does not export. Leave it unnamed.
      if (hit && hit.symbol.size === 0 && (hit.symbol.shndx >= 0xff00 || hit.offset > 0x10000n)) continue;
      if (hit) s.symbol = hit.offset ? `${hit.symbol.name}+0x${hit.offset.toString(16)}` : hit.symbol.name;
    } catch {
      // a malformed symbol table: leave the instruction unnamed
    }
  }
}
