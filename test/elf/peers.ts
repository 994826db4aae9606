/**
 * Test-side readers of the binutils peers' output (readelf -lW / -SW / -dW / -h / -n, objdump -p),
 * written independently of src/elf so the comparisons mean something. Also the list of real
 * binaries the ELF tests run on.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE } from '../helpers/cli.js';

export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export interface ReadelfPhdr {
  type: string;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  flags: string;
  align: bigint;
}

/** Program headers from `readelf -lW`, plus the interpreter it reports. */
export function readelfProgramHeaders(path: string): { phdrs: ReadelfPhdr[]; interp?: string } {
  const out = run('readelf', ['-lW', path]);
  const phdrs: ReadelfPhdr[] = [];
  let interp: string | undefined;
  const re = /^\s+(\S+)\s+(0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) ([R ][W ][E ]) (0x[0-9a-f]+)$/;
  for (const line of out.split('\n')) {
    const m = re.exec(line);
    if (m) {
      phdrs.push({ type: m[1], offset: BigInt(m[2]), vaddr: BigInt(m[3]), paddr: BigInt(m[4]), filesz: BigInt(m[5]), memsz: BigInt(m[6]), flags: m[7], align: BigInt(m[8]) });
    }
    const i = /\[Requesting program interpreter: (.*)\]$/.exec(line);
    if (i) interp = i[1];
  }
  return { phdrs, interp };
}

export function readelfSections(path: string): { name: string; type: string; addr: bigint; offset: bigint; size: bigint }[] {
  const out = run('readelf', ['-SW', path]);
  const re = /^\s+\[\s*(\d+)\] (\S*)\s+(\S+)\s+([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+) /;
  const res = [];
  for (const line of out.split('\n')) {
    const m = re.exec(line);
    if (m) res.push({ name: m[2].trim(), type: m[3], addr: BigInt(`0x${m[4]}`), offset: BigInt(`0x${m[5]}`), size: BigInt(`0x${m[6]}`) });
  }
  return res;
}

export function readelfNeeded(path: string): string[] {
  const out = run('readelf', ['-dW', path]);
  return [...out.matchAll(/\(NEEDED\)\s+Shared library: \[(.*)\]/g)].map((m) => m[1]);
}

export function readelfBuildId(path: string): string | undefined {
  return /Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', path]))?.[1];
}

export function readelfEntry(path: string): bigint {
  return BigInt(/Entry point address:\s+(0x[0-9a-f]+)/.exec(run('readelf', ['-h', path]))![1]);
}

/** The "Program Header:" block of `objdump -p`, blank lines dropped. */
export function objdumpProgramHeader(path: string): string {
  const out = run('objdump', ['-p', path]);
  const start = out.indexOf('Program Header:');
  const rest = out.slice(start);
  const end = rest.indexOf('\n\n');
  return rest.slice(0, end < 0 ? undefined : end + 1);
}

export const WORKLOADS = join(NATIVE, 'workloads');

/** The real binaries the checks run on: a PIE, python, a static busybox, libc, and every workload built. */
export function realBinaries(): string[] {
  const fixed = ['/bin/ls', '/usr/bin/python3.11', '/bin/busybox', '/usr/lib/x86_64-linux-gnu/libc.so.6'].filter((p) => existsSync(p));
  const wl = existsSync(WORKLOADS) ? readdirSync(WORKLOADS).sort().map((n) => join(WORKLOADS, n)).filter(isElf) : [];
  return [...fixed, ...wl];
}

/** Whether the file starts with the ELF magic (the workloads folder may hold other files). */
function isElf(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    closeSync(fd);
    return n === 4 && b.toString('latin1') === '\x7fELF';
  } catch {
    return false;
  }
}
