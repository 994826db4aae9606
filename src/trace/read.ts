/**
 * Reading traces from the file system (the effectful edge of src/trace).
 *
 * readTrace(path): the whole file, decoded (damage reported in the result, not thrown).
 * followTrace(path, onUpdate): a trace that is still being written (or a pipe, or '-' for stdin): reads
 * what is there, calls onUpdate(decoder) after each chunk, polls a regular file for growth every
 * pollMs until the END record (or damage, or the abort signal) and resolves with the Trace.
 * Unreadable paths become coded errors (FILE_NOT_FOUND, FILE_UNREADABLE, NOT_A_FILE).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fsError, PagewiseError } from '../errors.js';
import { TraceDecoder, type Trace } from './format.js';

/** Open path for reading, as a coded error when it cannot be; returns the fd and what it is. */
function openForReading(path: string): { fd: number; isFile: boolean; isDirectory: boolean; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fsError(e, path);
  }
  try {
    const st = fstatSync(fd);
    return { fd, isFile: st.isFile(), isDirectory: st.isDirectory(), size: st.size };
  } catch (e) {
    closeSync(fd);
    throw fsError(e, path);
  }
}

export function readTrace(path: string): Trace {
  const { fd, isFile, isDirectory, size } = openForReading(path);
  try {
    if (!isFile) throw new PagewiseError('NOT_A_FILE', `${path}: ${isDirectory ? 'is a directory' : 'not a regular file; use --follow to read a pipe'}`);
    // Read in chunks through the streaming decoder: the file is never held whole (a 10-million-fault
    // trace is 400 MB), and the fault columns are sized from the file size up front.
    const dec = new TraceDecoder(path, size);
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 64)));
    for (let pos = 0; !dec.damage; ) { // after END, one more read shows whether anything follows it
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      pos += n;
      dec.push(chunk.subarray(0, n));
    }
    return dec.finish();
  } catch (e) {
    if (e instanceof PagewiseError) throw e;
    throw fsError(e, path);
  } finally {
    closeSync(fd);
  }
}

const CHUNK = 16 << 20;

export interface FollowOptions {
  pollMs?: number;
  /**
   * How long to wait for a file that does not exist yet (ms, default 30000): a follower started beside
   * `pagewise trace` may come first (the collector creates OUT only when tracing begins). Then the
   * usual FILE_NOT_FOUND.
   */
  appearMs?: number;
  /** Called once if the file does not exist yet and followTrace starts waiting for it. */
  onWait?: () => void;
  signal?: AbortSignal;
  /** Where '-' reads from (process.stdin by default). */
  stdin?: NodeJS.ReadableStream;
}

export async function followTrace(path: string, onUpdate: (d: TraceDecoder) => void, opts: FollowOptions = {}): Promise<Trace> {
  const dec = new TraceDecoder(path === '-' ? 'stdin' : path);
  if (path === '-') return followStream(opts.stdin ?? process.stdin, dec, onUpdate, opts.signal);
  for (const until = Date.now() + (opts.appearMs ?? 30000); !existsSync(path) && Date.now() < until && !opts.signal?.aborted; ) {
    if (opts.onWait) { opts.onWait(); opts.onWait = undefined; }
    await sleep(opts.pollMs ?? 100, undefined, { signal: opts.signal }).catch(() => undefined);
  }
  const { fd, isFile } = openForReading(path);
  try {
    if (!isFile) {
      closeSync(fd);
      const { createReadStream } = await import('node:fs');
      return followStream(createReadStream(path), dec, onUpdate, opts.signal);
    }
    const chunk = Buffer.alloc(1 << 20);
    let pos = 0;
    while (!dec.done && !opts.signal?.aborted) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n > 0) {
        pos += n;
        dec.push(chunk.subarray(0, n));
        onUpdate(dec);
        continue;
      }
      await sleep(opts.pollMs ?? 100, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  } finally {
    try { closeSync(fd); } catch { /* closed already */ }
  }
  return dec.finish();
}

async function followStream(stream: NodeJS.ReadableStream, dec: TraceDecoder, onUpdate: (d: TraceDecoder) => void, signal?: AbortSignal): Promise<Trace> {
  for await (const c of stream) {
    dec.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
    onUpdate(dec);
    if (dec.done || signal?.aborted) break;
  }
  return dec.finish();
}
