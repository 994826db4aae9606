/**
 * The numbers and typed records of the pagewise trace format (docs/formats/trace.md), shared by the
 * writer (./writer.ts) and the decoder (./format.ts). Types only plus constants; no I/O.
 *
 * All 64-bit fields are JavaScript numbers: times in ns (exact below 2^53 ns, 104 days), user addresses
 * (< 2^47) and page-aligned addresses (exact up to 2^64), counts. COUNTS' `counted` is null for ~0.
 * The numbers come from src/native/protocol.ts (`PW_TRACE_*`, `PW_TREC_*`, the mirror of protocol.h).
 */

import * as P from '../native/protocol.js';

/** 'PWTRACE\0' as the 8 bytes at offset 0 (PW_TRACE_MAGIC read little-endian). */
export const TRACE_MAGIC = Buffer.alloc(8);
TRACE_MAGIC.writeBigUInt64LE(P.PW_TRACE_MAGIC);
export const TRACE_MAJOR = P.PW_TRACE_MAJOR;
export const TRACE_MINOR = P.PW_TRACE_MINOR;
export const TRACE_HEADER_FIXED = P.PW_TRACE_HEADER_FIXED;

export const RecordType = {
  FAULT: P.PW_TREC_FAULT,
  REGION_ADD: P.PW_TREC_REGION_ADD,
  REGION_REMOVE: P.PW_TREC_REGION_REMOVE,
  REGION_RESIZE: P.PW_TREC_REGION_RESIZE,
  REGION_SPLIT: P.PW_TREC_REGION_SPLIT,
  REGION_MERGE: P.PW_TREC_REGION_MERGE,
  REGION_PROT: P.PW_TREC_REGION_PROT,
  LOST: P.PW_TREC_LOST,
  TASK: P.PW_TREC_TASK,
  COUNTS: P.PW_TREC_COUNTS,
  SPACE: P.PW_TREC_SPACE,
  END: P.PW_TREC_END,
} as const;

/** REGION_ADD: name_len (u16) at 56, the name at 60; len = 60 + name_len rounded up to 8. */
export const REGION_ADD_NAME_OFF = P.PW_TREC_REGION_ADD_NAME_OFF;

/**
 * Minimum record length per known type (a newer minor may append fields; the reader keeps the prefix).
 * REGION_ADD's minimum is 64: its 56-byte fixed part, then name_len and pad, padded to 8.
 */
export const RECORD_MIN_LEN: Readonly<Record<number, number>> = {
  [P.PW_TREC_FAULT]: P.PW_TREC_FAULT_LEN,
  [P.PW_TREC_REGION_ADD]: (P.PW_TREC_REGION_ADD_NAME_OFF + 7) & ~7,
  [P.PW_TREC_REGION_REMOVE]: P.PW_TREC_REGION_REMOVE_LEN,
  [P.PW_TREC_REGION_RESIZE]: P.PW_TREC_REGION_RESIZE_LEN,
  [P.PW_TREC_REGION_SPLIT]: P.PW_TREC_REGION_SPLIT_LEN,
  [P.PW_TREC_REGION_MERGE]: P.PW_TREC_REGION_MERGE_LEN,
  [P.PW_TREC_REGION_PROT]: P.PW_TREC_REGION_PROT_LEN,
  [P.PW_TREC_LOST]: P.PW_TREC_LOST_LEN,
  [P.PW_TREC_TASK]: P.PW_TREC_TASK_LEN,
  [P.PW_TREC_COUNTS]: P.PW_TREC_COUNTS_LEN,
  [P.PW_TREC_SPACE]: P.PW_TREC_SPACE_LEN,
  [P.PW_TREC_END]: P.PW_TREC_END_LEN,
};
export const RECORD_NAMES: Readonly<Record<number, string>> = {
  1: 'FAULT', 2: 'REGION_ADD', 3: 'REGION_REMOVE', 4: 'REGION_RESIZE', 5: 'REGION_SPLIT', 6: 'REGION_MERGE',
  7: 'REGION_PROT', 8: 'LOST', 9: 'TASK', 10: 'COUNTS', 11: 'SPACE', 15: 'END',
};

/** Header flags. */
export const F_ACCESS = P.PW_TRACE_F_ACCESS;
export const F_KERNEL = P.PW_TRACE_F_KERNEL;
export const F_IP = P.PW_TRACE_F_IP;
export const F_MAJOR = P.PW_TRACE_F_MAJOR;
export const F_FOLLOW = P.PW_TRACE_F_FOLLOW;

/** FAULT flags. */
export const FAULT_KIND_MASK = P.PW_FAULT_KIND_MASK;
export const FAULT_MINOR = P.PW_FAULT_KIND_MINOR;
export const FAULT_MAJOR = P.PW_FAULT_KIND_MAJOR;
export const FAULT_ACCESS_SHIFT = P.PW_FAULT_ACCESS_SHIFT;
export const FAULT_READ = P.PW_FAULT_ACCESS_READ << P.PW_FAULT_ACCESS_SHIFT;
export const FAULT_WRITE = P.PW_FAULT_ACCESS_WRITE << P.PW_FAULT_ACCESS_SHIFT;
export const FAULT_EXEC = P.PW_FAULT_ACCESS_EXEC << P.PW_FAULT_ACCESS_SHIFT;
export const FAULT_IN_KERNEL = P.PW_FAULT_KERNEL;
export const FAULT_PREFETCHED = P.PW_FAULT_PREFETCHED;

/** Region prot bits and causes. */
export const PROT_READ = P.PW_PROT_READ;
export const PROT_WRITE = P.PW_PROT_WRITE;
export const PROT_EXEC = P.PW_PROT_EXEC;
export const PROT_SHARED = P.PW_PROT_SHARED;
export const CAUSE_NAMES = ['initial', 'mmap', 'brk', 'stack', 'mremap', 'exec', 'loader', 'fork'] as const;
export const TASK_KINDS = ['?', 'start', 'fork', 'clone', 'exec', 'exit'] as const;

export interface TraceHeader {
  major: number;
  minor: number;
  headerLen: number;
  flags: number;
  pageSize: number;
  startMonoNs: bigint;
  startRealNs: bigint;
  /** 1 = pagewise trace, 2 = loader --record. */
  source: number;
  /** The parsed info JSON object ({} when absent or not an object; infoError then says why). */
  info: Record<string, unknown>;
  infoText: string;
  infoError?: string;
}

export interface FaultRecord { type: 'fault'; tid: number; t: number; addr: number; ip: number; flags: number; region: number }
export interface RegionAdd {
  type: 'regionAdd'; id: number; t: number; start: number; end: number; offset: number; inode: number;
  prot: number; cause: number; name: string;
  /**
   * The process whose address space the region is in (format 1.1: the last SPACE record before it; before
   * any, the trace's own process, info.pid). The decoder always sets it; a writer given a different pid
   * than the region before writes a SPACE record first.
   */
  pid?: number;
}
export interface RegionRemove { type: 'regionRemove'; id: number; t: number }
export interface RegionResize { type: 'regionResize'; id: number; t: number; start: number; end: number }
export interface RegionSplit { type: 'regionSplit'; id: number; t: number; at: number; newId: number }
export interface RegionMerge { type: 'regionMerge'; id: number; t: number; absorbed: number }
export interface RegionProt { type: 'regionProt'; id: number; t: number; prot: number }
export interface LostRecord { type: 'lost'; tid: number; t: number; count: number }
export interface TaskRecord { type: 'task'; tid: number; t: number; kind: number; pid: number; parent: number; status: number }
export interface CountsRecord { type: 'counts'; pid: number; t: number; minor: number; major: number; counted: number | null }
export interface EndRecord { type: 'end'; t: number; faults: number; lost: number }
/** A record of a type this reader does not know (written by tests to check skipping). */
export interface RawRecord { type: 'raw'; rtype: number; body: Buffer }

export type RegionEvent = RegionAdd | RegionRemove | RegionResize | RegionSplit | RegionMerge | RegionProt;
export type TraceRecord = FaultRecord | RegionEvent | LostRecord | TaskRecord | CountsRecord | EndRecord | RawRecord;

/** Where and why decoding stopped early. Everything before `offset` was decoded. */
export interface Damage {
  code: 'TRACE_TRUNCATED' | 'TRACE_CORRUPT';
  offset: number;
  reason: string;
}

export function faultKindName(flags: number): 'minor' | 'major' | 'unknown' {
  const k = flags & FAULT_KIND_MASK;
  return k === FAULT_MINOR ? 'minor' : k === FAULT_MAJOR ? 'major' : 'unknown';
}

export function faultAccessName(flags: number): string {
  return ['?', 'read', 'write', 'exec'][(flags >> FAULT_ACCESS_SHIFT) & 3];
}

export function protString(prot: number): string {
  return (prot & PROT_READ ? 'r' : '-') + (prot & PROT_WRITE ? 'w' : '-') + (prot & PROT_EXEC ? 'x' : '-') + (prot & PROT_SHARED ? 's' : 'p');
}
