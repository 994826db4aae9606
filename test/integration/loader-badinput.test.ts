/**
 * Bad input to `pagewise run`: one line on stderr with the exact code, exit 2, and nothing of the
 * program run (each crafted file is a copy of a program that would print if it ran). The native
 * loader's own check (pagewise-loader --check) refuses the same files, so a file that slips past the
 * TypeScript check is still stopped before the first mapping; a fuzz run of mutated headers through
 * it must only ever exit 0 or 2.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE, runBin, which } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pagewise-loader-bad-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const LOADER = join(NATIVE, 'pagewise-loader');
const SEQ = join(NATIVE, 'workloads', 'seqscan'); // static; prints a line when it runs

/** A copy of `src` with `edit` applied to its bytes, executable. */
function crafted(name: string, src: string, edit: (b: Buffer) => void, mode = 0o755): string {
  const b = readFileSync(src);
  edit(b);
  const p = join(dir, name);
  writeFileSync(p, b);
  chmodSync(p, mode);
  return p;
}
const phoff = (b: Buffer) => Number(b.readBigUInt64LE(32));
/** Offset of the n-th PT_LOAD program header. */
function loadPh(b: Buffer, n: number): number {
  const num = b.readUInt16LE(56);
  let k = 0;
  for (let i = 0; i < num; i++) {
    const o = phoff(b) + 56 * i;
    if (b.readUInt32LE(o) === 1 && k++ === n) return o;
  }
  throw new Error('no such PT_LOAD');
}

function refused(file: string, code: string, argv: string[] = []) {
  const r = runBin(['run', '--mode', 'demand', '--', file, ...argv]);
  assert.equal(r.code, 2, `${file}: exit ${r.code}, stderr ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing of the program ran');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], new RegExp(`^pagewise run: .*\\[${code}\\]$`));
  return lines[0];
}
function nativeRefuses(file: string, pattern: RegExp) {
  const r = spawnSync(LOADER, ['--check', '--exec', file, '--', file], { encoding: 'utf8' });
  assert.equal(r.status, 2, `${file}: loader exit ${r.status}, ${r.stderr}`);
  assert.match(r.stderr, pattern);
}

test('missing file', () => { refused(join(dir, 'nope'), 'FILE_NOT_FOUND'); });
test('program not on PATH', () => { refused('pagewise-no-such-program-xyz', 'FILE_NOT_FOUND'); });
test('not executable', () => {
  const p = crafted('noexec', SEQ, () => {}, 0o644);
  refused(p, 'LOADER_NOT_EXECUTABLE');
  nativeRefuses(p, /is not executable/);
});
test('not ELF', () => {
  const p = join(dir, 'text');
  writeFileSync(p, 'just some text\n');
  chmodSync(p, 0o755);
  refused(p, 'ELF_NOT_ELF');
  nativeRefuses(p, /is not an ELF file/);
});
test('wrong architecture', () => {
  const p = crafted('i386', SEQ, (b) => b.writeUInt16LE(3, 18));
  refused(p, 'ELF_BAD_MACHINE');
  nativeRefuses(p, /not x86-64/);
});
test('overlapping segments', () => {
  const p = crafted('overlap', SEQ, (b) => b.writeBigUInt64LE(b.readBigUInt64LE(loadPh(b, 0) + 16), loadPh(b, 1) + 16));
  refused(p, 'ELF_BAD_HEADER');
  nativeRefuses(p, /overlaps or precedes/);
});
test('memsz < filesz', () => {
  const p = crafted('memsz', SEQ, (b) => b.writeBigUInt64LE(1n, loadPh(b, 1) + 40));
  refused(p, 'ELF_BAD_HEADER');
  nativeRefuses(p, /filesz \d+ > memsz 1/);
});
test('huge sizes', () => {
  const p = crafted('huge', SEQ, (b) => b.writeBigUInt64LE(1n << 46n, loadPh(b, 3) + 40));
  refused(p, 'ELF_BAD_HEADER');
  nativeRefuses(p, /larger than 1 TiB|past the user address space/);
});
test('offsets past the end of the file', () => {
  const p = crafted('offset', SEQ, (b) => b.writeBigUInt64LE(BigInt(b.length), loadPh(b, 1) + 8));
  const line = refused(p, 'ELF_(BAD_HEADER|TRUNCATED)');
  assert.match(line, /segment|offset/);
  nativeRefuses(p, /lie past the end of the file|differ modulo/);
});
test('bogus interpreter path', () => {
  const ls = '/bin/ls';
  const p = crafted('badinterp', ls, (b) => {
    const i = b.indexOf('/lib64/ld-linux-x86-64.so.2');
    assert.ok(i > 0);
    b.write('/nonex/ld-linux-x86-64.so.2', i, 'latin1');
  });
  refused(p, 'LOADER_BAD_INTERP');
  nativeRefuses(p, /interpreter \/nonex\//);
});
test('set-user-ID program: refused, it would run without its privileges', () => {
  const p = join(dir, 'suid');
  copyFileSync(SEQ, p);
  chmodSync(p, 0o4755);
  const line = refused(p, 'LOADER_SETUID');
  assert.match(line, /without its privileges/);
  nativeRefuses(p, /set-user-ID/);
});
test('segments that would land on a mapping in use (the stack, no ASLR)', { skip: which('setarch') ? false : 'setarch missing (util-linux)' }, () => {
  // an ET_EXEC moved up so that its image ends just below the top of user space, where the stack is
  const p = crafted('onstack', join(NATIVE, 'workloads', 'exitnow'), (b) => {
    const num = b.readUInt16LE(56);
    let lastEnd = 0n;
    for (let i = 0; i < num; i++) {
      const q = phoff(b) + 56 * i;
      if (b.readUInt32LE(q) === 1) lastEnd = b.readBigUInt64LE(q + 16) + b.readBigUInt64LE(q + 40);
    }
    const delta = 0x7fffffffe000n - ((lastEnd + 0xfffn) & ~0xfffn);
    for (let i = 0; i < num; i++) {
      const q = phoff(b) + 56 * i;
      if (b.readUInt32LE(q) === 1) b.writeBigUInt64LE(b.readBigUInt64LE(q + 16) + delta, q + 16);
    }
    b.writeBigUInt64LE(b.readBigUInt64LE(24) + delta, 24);
  });
  const r = spawnSync('setarch', ['x86_64', '-R', LOADER, '--exec', p, '--', p], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /would land on \[stack\]/);
});

test('fuzz: mutated headers never get past the loader check except as a valid image', () => {
  const base = readFileSync(join(NATIVE, 'workloads', 'exitnow'));
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const hdrEnd = phoff(base) + 56 * base.readUInt16LE(56);
  for (let i = 0; i < 60; i++) {
    const b = Buffer.from(base);
    for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) b[Math.floor(rnd() * hdrEnd)] = Math.floor(rnd() * 256);
    const cut = rnd() < 0.2 ? b.subarray(0, Math.floor(rnd() * hdrEnd)) : b;
    const p = join(dir, `fuzz${i}`);
    writeFileSync(p, cut);
    chmodSync(p, 0o755);
    const r = spawnSync(LOADER, ['--check', '--exec', p, '--', p], { encoding: 'utf8' });
    assert.ok(r.status === 0 || r.status === 2, `fuzz ${i}: exit ${r.status} signal ${r.signal} ${r.stderr}`);
    if (r.status === 2) assert.match(r.stderr, /^pagewise-loader: .+\n$/);
  }
});
