/**
 * parseElf and `pagewise elf` against the binutils peers on real binaries: every program header field
 * agrees with readelf -lW, the "Program Header:" block is byte-identical to objdump -p, sections,
 * NEEDED, build-id and entry agree with readelf, symbols with readelf -s, and a core file made by gcore.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf, readElfFile, assertLoadable, symbolAt, segmentTypeLongName } from '../../src/elf/index.js';
import { renderProgramHeaders } from '../../src/elf/render.js';
import { needs, runCli } from '../helpers/cli.js';
import {
  objdumpProgramHeader, readelfBuildId, readelfEntry, readelfNeeded, readelfProgramHeaders, readelfSections, realBinaries, run,
} from './peers.js';

const noReadelf = needs('readelf', 'binutils');
const noObjdump = needs('objdump', 'binutils');
const flagsOf = (readelf: string) => `${readelf[0] === 'R' ? 'r' : '-'}${readelf[1] === 'W' ? 'w' : '-'}${readelf[2] === 'E' ? 'x' : '-'}`;

test('the real binaries are there to check', () => {
  const bins = realBinaries();
  assert.ok(bins.includes('/bin/ls'), 'missing /bin/ls');
  assert.ok(bins.length >= 5, `only ${bins.length} binaries found`);
});

for (const path of realBinaries()) {
  test(`program headers of ${path} agree with readelf -lW field by field`, { skip: noReadelf }, async () => {
    const elf = await readElfFile(path);
    const { phdrs, interp } = readelfProgramHeaders(path);
    assert.ok(phdrs.length > 0, 'readelf printed no program headers');
    assert.equal(elf.programHeaders.length, phdrs.length);
    elf.programHeaders.forEach((p, i) => {
      const r = phdrs[i];
      const at = `${path} header ${i}`;
      assert.equal(segmentTypeLongName(p.type), r.type, `${at} type`);
      assert.equal(BigInt(p.offset), r.offset, `${at} offset`);
      assert.equal(p.vaddr, r.vaddr, `${at} vaddr`);
      assert.equal(p.paddr, r.paddr, `${at} paddr`);
      assert.equal(BigInt(p.filesz), r.filesz, `${at} filesz`);
      assert.equal(BigInt(p.memsz), r.memsz, `${at} memsz`);
      assert.equal(p.flagsText, flagsOf(r.flags), `${at} flags`);
      assert.equal(BigInt(p.align), r.align, `${at} align`);
    });
    assert.equal(elf.interpreter, interp, 'interpreter');
    assert.equal(elf.header.entry, readelfEntry(path), 'entry');
    assert.deepEqual(elf.needed, readelfNeeded(path), 'NEEDED');
    assert.equal(elf.buildId, readelfBuildId(path), 'build-id');
    const secs = readelfSections(path);
    assert.equal(elf.sections.length, secs.length, 'section count');
    elf.sections.forEach((s, i) => {
      assert.equal(s.name, secs[i].name, `section ${i} name`);
      assert.equal(s.typeName, secs[i].type, `section ${i} type`);
      assert.equal(s.addr, secs[i].addr, `section ${i} addr`);
      assert.equal(BigInt(s.size), secs[i].size, `section ${i} size`);
    });
  });

  test(`the Program Header block for ${path} is exactly objdump -p's`, { skip: noObjdump }, async () => {
    const elf = await readElfFile(path);
    assert.equal(renderProgramHeaders(elf.programHeaders), objdumpProgramHeader(path));
  });
}

test('pagewise elf prints the objdump block, interpreter, NEEDED and build-id of /bin/ls; --json parses', { skip: noObjdump }, async () => {
  const r = await runCli(['elf', '/bin/ls']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.ok(r.stdout.includes(objdumpProgramHeader('/bin/ls')), 'Program Header block differs from objdump -p');
  const { interp } = readelfProgramHeaders('/bin/ls');
  assert.match(r.stdout, new RegExp(`^Interpreter: ${interp}$`, 'm'));
  for (const lib of readelfNeeded('/bin/ls')) assert.match(r.stdout, new RegExp(`^  NEEDED\\s+${lib.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(r.stdout, new RegExp(`^Build ID: ${readelfBuildId('/bin/ls')}$`, 'm'));
  assert.match(r.stdout, /^Sections: \d+, main ones:\n(.|\n)*\.text /m);

  const j = await runCli(['elf', '--json', '/bin/ls']);
  assert.equal(j.code, 0);
  const parsed = JSON.parse(j.stdout);
  const { phdrs } = readelfProgramHeaders('/bin/ls');
  assert.equal(parsed.programHeaders.length, phdrs.length);
  assert.equal(BigInt(parsed.programHeaders[2].vaddr), phdrs[2].vaddr);
  assert.equal(parsed.isPie, true);
  assert.equal(parsed.interpreter, interp);
});

test('PIE, static executable and shared object are told apart', { skip: existsSync('/bin/busybox') ? false : 'busybox-static not installed' }, async () => {
  assert.equal((await readElfFile('/bin/ls')).isPie, true);
  const busybox = await readElfFile('/bin/busybox');
  assert.equal(busybox.header.type, 2);
  assert.equal(busybox.isPie, false);
  const libc = await readElfFile('/usr/lib/x86_64-linux-gnu/libc.so.6');
  assert.equal(libc.header.type, 3);
  assert.equal(libc.isPie, false);
  assert.equal(libc.soname, 'libc.so.6');
});

test('every real x86-64 program passes assertLoadable', async () => {
  for (const path of realBinaries()) assertLoadable(await readElfFile(path));
});

test('symbols() agree with readelf -s for a workload, and symbolAt names main', { skip: noReadelf }, async () => {
  const path = realBinaries().find((p) => p.endsWith('/workloads/seqscan')); // static: readelf prints versioned dynamic names differently
  if (!path) return assert.fail('no workload built (make -C native)');
  const elf = await readElfFile(path);
  const syms = elf.symbols();
  const out = run('readelf', ['-sW', path]);
  const rows = [...out.matchAll(/^\s+\d+: ([0-9a-f]{16})\s+(\d+|0x[0-9a-f]+) (\w+)\s+(\w+)\s+\w+\s+\S+ (\S+)$/gm)];
  const main = rows.find((m) => m[5] === 'main');
  assert.ok(main, 'readelf shows no main');
  const ours = syms.find((s) => s.name === 'main' && s.table === '.symtab');
  assert.ok(ours, 'no main in symbols()');
  assert.equal(ours.value, BigInt(`0x${main[1]}`));
  assert.equal(ours.size, Number(main[2]));
  assert.equal(ours.type, 'FUNC');
  const named = rows.filter((m) => m[5] !== '').length;
  assert.equal(syms.filter((s) => s.name !== '').length, named, 'named symbol count');
  const hit = symbolAt(syms, ours.value + 5n);
  assert.equal(hit?.symbol.name, 'main');
  assert.equal(hit?.offset, 5n);
});

test('a core file made by gcore: ET_CORE, threads and mapped files, headers as readelf', { skip: needs('gcore', 'gdb') || noReadelf }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-core-'));
  const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
  try {
    await new Promise((res) => setTimeout(res, 200));
    const g = spawnSync('gcore', ['-o', join(dir, 'core'), String(child.pid)], { encoding: 'utf8', timeout: 60_000 });
    if (g.status !== 0) return t.skip(`gcore could not attach: ${g.stderr.trim().split('\n').pop()}`);
    const path = join(dir, `core.${child.pid}`);
    const elf = parseElf(readFileSync(path), path);
    assert.equal(elf.header.type, 4);
    assert.ok(elf.core, 'core notes');
    assert.equal(elf.core.prstatusCount, 1, 'sleep has one thread');
    assert.ok(elf.core.files.some((f) => f.path === '/usr/bin/sleep'), 'NT_FILE names /usr/bin/sleep');
    const { phdrs } = readelfProgramHeaders(path);
    assert.equal(elf.programHeaders.length, phdrs.length);
    elf.programHeaders.forEach((p, i) => {
      assert.equal(p.vaddr, phdrs[i].vaddr);
      assert.equal(BigInt(p.memsz), phdrs[i].memsz);
      assert.equal(BigInt(p.filesz), phdrs[i].filesz);
    });
    const r = await runCli(['elf', path]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /CORE \(Core file\)/);
    assert.match(r.stdout, /1 thread\(s\) \(NT_PRSTATUS\)/);
    assert.throws(() => assertLoadable(elf), { code: 'ELF_NOT_PROGRAM' });
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
