/**
 * Bench results on disk (docs/formats/bench.md): a first line `PWBENCH <major>.<minor> <header_len>`
 * (the magic, the format version, the length of that line in bytes), then the BenchRun as JSON.
 * encodeBenchRun is pure; readBenchRun refuses another magic or major version with a coded error.
 */
import { readFileSync } from 'node:fs';
import { PagewiseError, fsError } from '../errors.js';
import type { BenchRun } from './types.js';

export const BENCH_MAGIC = 'PWBENCH';
export const BENCH_MAJOR = 1;
export const BENCH_MINOR = 0;

export function encodeBenchRun(run: BenchRun): string {
  const head = `${BENCH_MAGIC} ${BENCH_MAJOR}.${BENCH_MINOR} `;
  // header_len counts the whole first line including its digits and newline
  let len = head.length + 3;
  while (`${head}${len}\n`.length !== len) len = `${head}${len}\n`.length;
  return `${head}${len}\n${JSON.stringify(run)}\n`;
}

export function decodeBenchRun(text: string, name: string): BenchRun {
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const m = /^PWBENCH (\d+)\.(\d+) (\d+)$/.exec(first);
  if (!m) throw new PagewiseError('BENCH_BAD_FILE', `${name}: not a pagewise bench file (it does not start with 'PWBENCH')`);
  if (Number(m[1]) !== BENCH_MAJOR) {
    throw new PagewiseError('BENCH_BAD_FILE', `${name}: bench format version ${m[1]}.${m[2]}, this pagewise reads ${BENCH_MAJOR}.x`);
  }
  try {
    const run = JSON.parse(text.slice(Number(m[3]))) as BenchRun;
    if (!Array.isArray(run.results)) throw new Error('no results array');
    return run;
  } catch (e) {
    throw new PagewiseError('BENCH_BAD_FILE', `${name}: damaged bench file: ${(e as Error).message}`, { cause: e });
  }
}

export function readBenchRun(path: string): BenchRun {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw fsError(e, path);
  }
  return decodeBenchRun(text, path);
}
