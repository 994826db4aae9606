/**
 * Fuzzing the parsers with a fixed seed: thousands of mutations (bytes, header fields set to edge
 * values) and truncations of real binaries (/bin/ls, busybox, a workload) and of the Mach-O fixture.
 * parseElf / parseMachO may only return or throw PagewiseError; on success every lazy accessor
 * (symbols, symbolAt), assertLoadable and the renderers must do the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPagewiseError } from '../../src/errors.js';
import { assertLoadable, parseElf, symbolAt } from '../../src/elf/index.js';
import { parseMachO } from '../../src/elf/macho.js';
import { renderElf, renderMachO } from '../../src/elf/render.js';
import { buildMachO } from './macho-fixture.js';
import { WORKLOADS } from './peers.js';
import { rng } from '../helpers/rng.js'; // seeded, so a failure can be replayed

const EDGE = [0n, 1n, 0x7fn, 0xffn, 0xffffn, 0xffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn, 1n << 53n, 0x1000n];

/** Exercise everything a caller could touch on a parse result. */
function touchElf(buf: Buffer): void {
  const elf = parseElf(buf, 'fuzz');
  const syms = elf.symbols();
  if (syms.length) symbolAt(syms, syms[syms.length >> 1].value);
  renderElf(elf);
  JSON.stringify(elf, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  try {
    assertLoadable(elf);
  } catch (e) {
    if (!isPagewiseError(e)) throw e;
  }
}

function touchMachO(buf: Buffer): void {
  renderMachO(parseMachO(buf, 'fuzz'));
}

/** Hot offsets: the header, the program and section header tables (where a bad value matters most). */
function hotRanges(buf: Buffer): [number, number][] {
  const ranges: [number, number][] = [[0, 64]];
  if (buf.length >= 64 && buf.readUInt32BE(0) === 0x7f454c46) {
    const phoff = Number(buf.readBigUInt64LE(32));
    const shoff = Number(buf.readBigUInt64LE(40));
    ranges.push([phoff, buf.readUInt16LE(56) * 56], [shoff, buf.readUInt16LE(60) * 64]);
  } else {
    ranges.push([32, Math.min(buf.length - 32, buf.readUInt32LE(20))]);
  }
  return ranges.filter(([o, n]) => n > 0 && o + n <= buf.length);
}

interface Tally { ok: number; coded: number; codes: Set<string> }

function fuzz(base: Buffer, iterations: number, seed: number, touch: (b: Buffer) => void): Tally {
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const hot = hotRanges(base);
  const tally: Tally = { ok: 0, coded: 0, codes: new Set() };
  const work = Buffer.from(base);
  for (let i = 0; i < iterations; i++) {
    const saved: [number, number][] = [];
    const poke = (off: number, byte: number) => { saved.push([off, work[off]]); work[off] = byte; };
    let input: Buffer = work;
    const kind = int(4);
    if (kind === 0) {
      input = work.subarray(0, int(base.length));
    } else {
      const edits = 1 + int(kind === 3 ? 1 : 8);
      for (let e = 0; e < edits; e++) {
        const [start, len] = rand() < 0.8 ? hot[int(hot.length)] : [0, base.length];
        const off = start + int(len);
        if (kind === 3 && off + 8 <= base.length) {
          // an aligned field set to an edge value
          const v = EDGE[int(EDGE.length)];
          const at = off & ~7;
          for (let k = 0; k < 8; k++) poke(at + k, Number((v >> BigInt(8 * k)) & 0xffn));
        } else {
          poke(off, kind === 1 ? work[off] ^ (1 << int(8)) : int(256));
        }
      }
      if (rand() < 0.1) input = work.subarray(0, int(base.length));
    }
    try {
      touch(input);
      tally.ok++;
    } catch (e) {
      if (!isPagewiseError(e)) {
        throw new Error(`seed ${seed} iteration ${i}: threw ${(e as Error)?.stack ?? String(e)}`);
      }
      tally.coded++;
      tally.codes.add(e.code);
    }
    for (let k = saved.length - 1; k >= 0; k--) work[saved[k][0]] = saved[k][1];
  }
  return tally;
}

const targets = ['/bin/ls', '/bin/busybox', join(WORKLOADS, 'seqscan')];

for (const [n, path] of targets.entries()) {
  test(`fuzz parseElf on ${path}: 1500 mutations and truncations, only PagewiseError`, { skip: existsSync(path) ? false : `${path} missing` }, () => {
    const t = fuzz(readFileSync(path), 1500, 0x5eed + n, touchElf);
    assert.equal(t.ok + t.coded, 1500);
    assert.ok(t.coded > 100, `only ${t.coded} mutations were refused: the fuzzer is not reaching the checks`);
    assert.ok(t.ok > 50, `only ${t.ok} mutations parsed: the fuzzer is not reaching the lazy accessors`);
    assert.ok(t.codes.has('ELF_TRUNCATED') && t.codes.has('ELF_BAD_HEADER'), [...t.codes].join(','));
  });
}

test('fuzz parseMachO on the Mach-O fixture: 2000 mutations and truncations, only PagewiseError', () => {
  const t = fuzz(buildMachO().bytes, 2000, 0xface, touchMachO);
  assert.ok(t.coded > 100 && t.ok > 50, `ok ${t.ok} refused ${t.coded}`);
  assert.deepEqual([...t.codes], ['MACHO_BAD']);
});
