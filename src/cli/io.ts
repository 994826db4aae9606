/**
 * Io: where a command writes. The real CLI passes process.stdout/stderr; tests pass collectors.
 * Commands never touch process.stdout directly, so main(argv) can be called and checked in-process.
 */
import { Writable } from 'node:stream';

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Whether stdout is a terminal (colour, progress bars). */
  readonly isTTY: boolean;
  /** Working directory for relative paths. */
  readonly cwd: string;
}

export const processIo: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: Boolean(process.stdout.isTTY),
  cwd: process.cwd(),
};

/** An Io that collects what is written, for tests. */
export function collectingIo(cwd = process.cwd()): Io & { out(): string; err(): string } {
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  const sink = (arr: Buffer[]) =>
    new Writable({
      write(chunk, _enc, cb) {
        arr.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
        cb();
      },
    });
  return {
    stdout: sink(o),
    stderr: sink(e),
    isTTY: false,
    cwd,
    out: () => Buffer.concat(o).toString('utf8'),
    err: () => Buffer.concat(e).toString('utf8'),
  };
}

export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text);
}
