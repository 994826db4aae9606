/**
 * The auxiliary vector: parseAuxv (raw 16-byte (type, value) pairs, as /proc/PID/auxv holds them, up to
 * AT_NULL), the Linux AT_ names and how each value is shown, and renderProcstatX (the layout of
 * FreeBSD's `procstat -x`). Pure; readAuxv (./auxv-read.js) does the reading.
 */
import { PagewiseError } from '../errors.js';
import { ByteReader } from '../util/reader.js';

export interface AuxvPair {
  readonly type: number;
  readonly value: bigint;
}

export interface AuxvEntry extends AuxvPair {
  /** AT_PAGESZ ..., or undefined for a type Linux does not define. */
  readonly name?: string;
  /** The string it points to (AT_EXECFN, AT_PLATFORM, AT_BASE_PLATFORM) when read from the process. */
  readonly string?: string;
}

type Show = 'ptr' | 'dec' | 'hex' | 'str';
/** Linux's AT_ types (include/uapi/linux/auxvec.h, asm/auxvec.h) and how procstat -x would print them. */
export const AT: Record<number, [string, Show]> = {
  0: ['AT_NULL', 'dec'], 1: ['AT_IGNORE', 'dec'], 2: ['AT_EXECFD', 'dec'], 3: ['AT_PHDR', 'ptr'], 4: ['AT_PHENT', 'dec'],
  5: ['AT_PHNUM', 'dec'], 6: ['AT_PAGESZ', 'dec'], 7: ['AT_BASE', 'ptr'], 8: ['AT_FLAGS', 'hex'], 9: ['AT_ENTRY', 'ptr'],
  10: ['AT_NOTELF', 'dec'], 11: ['AT_UID', 'dec'], 12: ['AT_EUID', 'dec'], 13: ['AT_GID', 'dec'], 14: ['AT_EGID', 'dec'],
  15: ['AT_PLATFORM', 'str'], 16: ['AT_HWCAP', 'hex'], 17: ['AT_CLKTCK', 'dec'], 23: ['AT_SECURE', 'dec'],
  24: ['AT_BASE_PLATFORM', 'str'], 25: ['AT_RANDOM', 'ptr'], 26: ['AT_HWCAP2', 'hex'], 27: ['AT_RSEQ_FEATURE_SIZE', 'dec'],
  28: ['AT_RSEQ_ALIGN', 'dec'], 29: ['AT_HWCAP3', 'hex'], 30: ['AT_HWCAP4', 'hex'], 31: ['AT_EXECFN', 'str'],
  32: ['AT_SYSINFO', 'ptr'], 33: ['AT_SYSINFO_EHDR', 'ptr'], 51: ['AT_MINSIGSTKSZ', 'dec'],
};
/** The types whose value is the address of a NUL-terminated string. */
export const STRING_TYPES = new Set([15, 24, 31]);
export const AT_NULL = 0;

/** Pairs up to (not including) AT_NULL. The buffer must be a non-empty whole number of pairs. */
export function parseAuxv(buf: Buffer, what: string): AuxvPair[] {
  if (buf.length === 0) throw new PagewiseError('AUXV_BAD', `${what}: is empty; an auxiliary vector has at least the AT_NULL pair`);
  if (buf.length % 16 !== 0) {
    throw new PagewiseError('AUXV_BAD', `${what}: is ${buf.length} bytes, not a whole number of 16-byte (type, value) pairs`);
  }
  const r = new ByteReader(buf, what, 'AUXV_BAD');
  const out: AuxvPair[] = [];
  for (let o = 0; o < buf.length; o += 16) {
    const type = r.u64(o, 'a_type');
    if (type === 0n) break;
    if (type > 0xffffffffn) throw new PagewiseError('AUXV_BAD', `${what}: pair ${o / 16} has type 0x${type.toString(16)}, not an AT_ type`);
    out.push({ type: Number(type), value: r.u64(o + 8, 'a_val') });
  }
  return out;
}

export function auxvName(type: number): string | undefined {
  return AT[type]?.[0];
}

/** The value as procstat -x prints it: %p for addresses, %ld for numbers, %#lx for flags. */
export function formatAuxvValue(e: AuxvEntry): string {
  const show = AT[e.type]?.[1];
  const hex = `0x${e.value.toString(16)}`;
  switch (show) {
    case 'dec': return e.value.toString(10);
    case 'hex': return e.value === 0n ? '0' : hex;
    case 'str': return e.string !== undefined ? `${e.string} (${hex})` : hex;
    default: return hex;
  }
}

/** `procstat -x`: "%5s %-16s %-16s %-16s" header, then "%5d %-16s %-16s value" per entry. */
export function renderProcstatX(pid: number | undefined, comm: string, entries: readonly AuxvEntry[]): string {
  const prefix = `${(pid === undefined ? '-' : String(pid)).padStart(5)} ${comm.padEnd(16)}`;
  const lines = [`${'PID'.padStart(5)} ${'COMM'.padEnd(16)} ${'AUXV'.padEnd(16)} ${'VALUE'.padEnd(16)}`];
  for (const e of entries) {
    if (e.type === 1) continue; // AT_IGNORE, as procstat
    lines.push(e.name
      ? `${prefix} ${e.name.padEnd(16)} ${formatAuxvValue(e)}`
      : `${prefix} ${String(e.type).padStart(16)} 0x${e.value.toString(16)}`);
  }
  return lines.join('\n') + '\n';
}
