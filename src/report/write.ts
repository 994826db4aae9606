/**
 * writePrivateFile(path, text): write a file pagewise produces from process data (it holds addresses),
 * mode 0600, through a temporary file in the same directory renamed over the target, so a reader never
 * sees half a file. Any failure is WRITE_FAILED naming the path and the errno.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PagewiseError } from '../errors.js';

export function writePrivateFile(path: string, data: string | Buffer): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try { unlinkSync(tmp); } catch { /* not created */ }
    const code = (e as NodeJS.ErrnoException)?.code ?? String(e);
    throw new PagewiseError('WRITE_FAILED', `${path}: cannot write: ${code}`, { cause: e });
  }
}
