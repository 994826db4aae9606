/**
 * readProcessAuxv(pid): the auxiliary vector of a live process from /proc/PID/auxv, with AT_EXECFN,
 * AT_PLATFORM and AT_BASE_PLATFORM resolved to the strings they point to by reading /proc/PID/mem
 * (same ptrace-read permission as auxv itself); readAuxvFile(path): a raw dump, addresses only.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { readRegularFile } from '../elf/index.js';
import { auxvName, parseAuxv, STRING_TYPES, type AuxvEntry } from './auxv.js';
import { noMemory, readProcFile, resolvePid, type PidArg } from './pid.js';

export interface AuxvResult {
  /** undefined for a dump file. */
  readonly pid?: number;
  /** The command name (/proc/PID/comm), or the dump's file name. */
  readonly comm: string;
  readonly entries: readonly AuxvEntry[];
}

/** A NUL-terminated string at addr in the process's memory; undefined if it cannot be read. */
export async function readProcessString(pid: PidArg, addr: bigint, max = 4096): Promise<string | undefined> {
  if (addr === 0n || addr >= 1n << 53n) return undefined;
  let fh;
  try {
    fh = await open(`/proc/${pid}/mem`, 'r');
    const parts: Buffer[] = [];
    let pos = Number(addr);
    let total = 0;
    while (total < max) {
      // Read at most to the end of the page, so an unmapped next page cannot fail the whole read.
      const len = Math.min(max - total, 4096 - (pos % 4096));
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      if (bytesRead === 0) return undefined;
      const nul = buf.subarray(0, bytesRead).indexOf(0);
      if (nul >= 0) {
        parts.push(buf.subarray(0, nul));
        return Buffer.concat(parts).toString('utf8');
      }
      parts.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      pos += bytesRead;
    }
    return undefined;
  } catch {
    return undefined; // unmapped address, or the process went away: show the address only
  } finally {
    await fh?.close();
  }
}

export async function readProcessAuxv(pid: PidArg): Promise<AuxvResult> {
  const raw = await readProcFile(pid, 'auxv');
  if (raw.length === 0) throw noMemory(pid);
  const comm = (await readProcFile(pid, 'comm')).toString('utf8').trim();
  const pairs = parseAuxv(raw, `/proc/${pid}/auxv`);
  const entries: AuxvEntry[] = [];
  for (const p of pairs) {
    const string = STRING_TYPES.has(p.type) ? await readProcessString(pid, p.value) : undefined;
    entries.push({ ...p, name: auxvName(p.type), ...(string !== undefined ? { string } : {}) });
  }
  return { pid: resolvePid(pid), comm, entries };
}

export async function readAuxvFile(path: string, shown = path): Promise<AuxvResult> {
  const pairs = parseAuxv(await readRegularFile(path, shown), shown);
  return { comm: basename(shown), entries: pairs.map((p) => ({ ...p, name: auxvName(p.type) })) };
}
