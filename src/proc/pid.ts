/**
 * The edge between pagewise and /proc/PID: which process an argument names ('self' or a decimal PID)
 * and reading its files, turning the kernel's refusals into coded errors: a missing process is
 * PROC_NO_SUCH_PID, a ptrace-access refusal (another user's process, or init) is PROC_DENIED, a
 * process without user memory (kernel thread, zombie) is PROC_NO_MEMORY.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PagewiseError } from '../errors.js';

export type PidArg = number | 'self';

/** 'self' or a positive decimal PID; undefined for anything else (it may be a file name). */
export function parsePidArg(s: string): PidArg | undefined {
  if (s === 'self') return 'self';
  if (!/^[1-9]\d{0,9}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 0x3fffffff ? n : undefined;
}

/** The real PID: process.pid for 'self' (the process reading /proc/self is this one). */
export function resolvePid(pid: PidArg): number {
  return pid === 'self' ? process.pid : pid;
}

export function procError(e: unknown, pid: PidArg, file: string): PagewiseError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const path = `/proc/${pid}/${file}`;
  if (code === 'ESRCH' && existsSync(`/proc/${pid}`)) return noMemory(pid);
  if (code === 'ENOENT' || code === 'ESRCH') {
    return new PagewiseError('PROC_NO_SUCH_PID', `no process ${pid} (${path} does not exist)`, { cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new PagewiseError('PROC_DENIED', `${path}: permission denied (process ${pid} belongs to another user or is protected)`, { cause: e });
  }
  return new PagewiseError('PROC_BAD_FORMAT', `${path}: cannot read: ${code ?? String(e)}`, { cause: e });
}

/** PROC_NO_MEMORY: the process exists but has no user address space (kernel thread, zombie). */
export function noMemory(pid: PidArg): PagewiseError {
  return new PagewiseError('PROC_NO_MEMORY', `process ${pid} has no user address space (a kernel thread, or exiting)`);
}

/** The whole of /proc/PID/FILE. */
export async function readProcFile(pid: PidArg, file: string): Promise<Buffer> {
  try {
    return await readFile(`/proc/${pid}/${file}`);
  } catch (e) {
    throw procError(e, pid, file);
  }
}
