/**
 * parseMachO and `pagewise elf` on a Mach-O file built byte by byte (test/elf/macho-fixture.ts): every
 * value written comes back, and malformed variants are MACHO_BAD.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMachO } from '../../src/elf/macho.js';
import { runCli } from '../helpers/cli.js';
import { buildMachO } from './macho-fixture.js';

test('parseMachO returns every load command and segment field written', () => {
  const fx = buildMachO();
  const m = parseMachO(fx.bytes, 'a.out');
  assert.equal(m.header.cpuName, 'x86_64');
  assert.equal(m.header.filetypeName, 'MH_EXECUTE');
  assert.equal(m.loadCommands.length, fx.ncmds);
  const segs = m.loadCommands.filter((c) => c.name === 'LC_SEGMENT_64').map((c) => c.segment!);
  assert.equal(segs.length, fx.segments.length);
  segs.forEach((s, i) => {
    const w = fx.segments[i];
    assert.equal(s.segname, w.segname);
    assert.equal(s.vmaddr, w.vmaddr);
    assert.equal(s.vmsize, w.vmsize);
    assert.equal(s.fileoff, w.fileoff);
    assert.equal(s.filesize, w.filesize);
    assert.equal(s.maxprot, w.maxprot);
    assert.equal(s.initprot, w.initprot);
    assert.equal(s.nsects, w.sections.length);
    assert.deepEqual(s.sections.map((x) => x.sectname), w.sections);
  });
  assert.equal(m.loadCommands.find((c) => c.name === 'LC_LOAD_DYLINKER')?.path, fx.dylinker);
  assert.equal(m.loadCommands.find((c) => c.name === 'LC_LOAD_DYLIB')?.path, fx.dylib);
  assert.equal(m.loadCommands.find((c) => c.name === 'LC_MAIN')?.entryoff, fx.entryoff);
  for (const c of m.loadCommands) assert.equal(c.cmdsize % 8, 0);
});

test('pagewise elf prints the Mach-O load commands as otool -l does, and --json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-macho-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hello');
  const fx = buildMachO();
  writeFileSync(file, fx.bytes);
  const r = await runCli(['elf', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Load command 1\n      cmd LC_SEGMENT_64\n  cmdsize 232\n  segname __TEXT\n   vmaddr 0x0000000100000000\n   vmsize 0x0000000000004000\n  fileoff 0\n filesize 16384\n  maxprot 0x00000005\n initprot 0x00000005\n   nsects 2\n    flags 0x0$/m);
  assert.match(r.stdout, /^     name \/usr\/lib\/dyld$/m);
  const j = JSON.parse((await runCli(['elf', '--json', file])).stdout);
  assert.equal(j.kind, 'macho');
  assert.equal(j.loadCommands[1].segment.vmaddr, '0x100000000');
});

test('malformed Mach-O files are MACHO_BAD', () => {
  const fx = buildMachO();
  const cases: [string, (b: Buffer) => Buffer][] = [
    ['truncated header', (b) => b.subarray(0, 20)],
    ['sizeofcmds past the end', (b) => { b.writeUInt32LE(0x100000, 20); return b; }],
    ['cmdsize not a multiple of 8', (b) => { b.writeUInt32LE(73, 32 + 4); return b; }],
    ['cmdsize zero', (b) => { b.writeUInt32LE(0, 32 + 4); return b; }],
    ['more commands than sizeofcmds holds', (b) => { b.writeUInt32LE(50, 16); return b; }],
    ['segment file range past the end', (b) => { b.writeBigUInt64LE(0x100000n, 32 + 72 + 232 + 48); return b; }],
    ['32-bit magic', (b) => { b.writeUInt32LE(0xfeedface, 0); return b; }],
    ['big-endian magic', (b) => { b.writeUInt32BE(0xfeedfacf, 0); return b; }],
  ];
  for (const [what, mutate] of cases) {
    assert.throws(() => parseMachO(mutate(Buffer.from(fx.bytes)), 'x'), { code: 'MACHO_BAD' }, what);
  }
});
