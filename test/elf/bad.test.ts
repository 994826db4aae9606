/**
 * Bad input to `pagewise elf` and to the ELF reader: each case is one line on stderr naming the file,
 * exit status 2, no stack trace, and the exact error code. Also what assertLoadable refuses.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertLoadable, parseElf } from '../../src/elf/index.js';
import { runBin, runCli } from '../helpers/cli.js';
import { WORKLOADS } from './peers.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-elfbad-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ls = readFileSync('/bin/ls');
const write = (name: string, bytes: Buffer | string) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

async function expectBad(argv: string[], code: string, mention?: RegExp) {
  const r = await runCli(argv);
  assert.equal(r.code, 2, `${argv.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^pagewise ${argv[0]}: .*\\[${code}\\]\\n$`), `${argv.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr.split('\n').length, 2, 'one line');
  if (mention) assert.match(r.stderr, mention);
}

/** A copy of /bin/ls with `patch` applied. */
function patched(patch: (b: Buffer) => void): Buffer {
  const b = Buffer.from(ls);
  patch(b);
  return b;
}

test('a file that does not exist is FILE_NOT_FOUND', () => expectBad(['elf', join(dir, 'nope')], 'FILE_NOT_FOUND', /nope: no such file/));
test('a directory is NOT_A_FILE', () => expectBad(['elf', dir], 'NOT_A_FILE', /is a directory/));
test('a text file is ELF_NOT_ELF', () => expectBad(['elf', write('text', 'hello, world\n')], 'ELF_NOT_ELF', /not an ELF file/));
test('an empty file is ELF_NOT_ELF', () => expectBad(['elf', write('empty', '')], 'ELF_NOT_ELF', /empty/));
test('no FILE is USAGE, followed by the synopsis', async () => {
  const r = await runCli(['elf']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'pagewise elf: missing FILE; see --help for the synopsis and an example [USAGE]\nusage: pagewise elf FILE [--json]\n');
});

test('/bin/ls cut at many points is ELF_TRUNCATED', async () => {
  const shoff = Number(ls.readBigUInt64LE(40));
  const cuts = [1, 3, 10, 40, 63, 100, 500, 0x3000, 0x20000, shoff - 1, shoff + 100, ls.length - 1];
  for (const cut of cuts) {
    await expectBad(['elf', write(`ls.${cut}`, ls.subarray(0, cut))], 'ELF_TRUNCATED');
    assert.throws(() => parseElf(ls.subarray(0, cut), 'ls'), { code: 'ELF_TRUNCATED' }, `cut at ${cut}`);
  }
});

test('a 32-bit ELF (crafted header) is ELF_BAD_CLASS naming 32-bit', () =>
  expectBad(['elf', write('ls32', patched((b) => { b[4] = 1; }))], 'ELF_BAD_CLASS', /32-bit/));

test('a 32-bit ELF built by gcc -m32 is ELF_BAD_CLASS', async (t) => {
  const src = write('s32.c', 'void _start(void) { for (;;) ; }\n');
  const out = join(dir, 's32');
  const g = spawnSync('gcc', ['-m32', '-nostdlib', '-static', '-o', out, src], { encoding: 'utf8' });
  if (g.status !== 0) return t.skip(`gcc -m32 cannot link here: ${g.stderr.split('\n')[0]}`);
  await expectBad(['elf', out], 'ELF_BAD_CLASS', /32-bit/);
});

test('a big-endian ELF is ELF_BAD_ENDIAN', () =>
  expectBad(['elf', write('lsbe', patched((b) => { b[5] = 2; }))], 'ELF_BAD_ENDIAN', /big-endian/));

test('a foreign machine (aarch64) is displayed by pagewise elf but refused by assertLoadable', async () => {
  const arm = patched((b) => b.writeUInt16LE(183, 18));
  const p = write('lsarm', arm);
  const r = await runCli(['elf', p]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Machine:\s+AArch64/);
  assert.match(r.stdout, /file format elf64-littleaarch64/);
  assert.throws(() => assertLoadable(parseElf(arm, p)), { code: 'ELF_BAD_MACHINE', message: /AArch64 \(e_machine 183\)/ });
});

test('offsets past the end are ELF_TRUNCATED (e_phoff, e_shoff, a segment, a section)', async () => {
  await expectBad(['elf', write('phoff', patched((b) => b.writeBigUInt64LE(BigInt(ls.length + 100), 32)))], 'ELF_TRUNCATED', /program headers/);
  await expectBad(['elf', write('phoffhuge', patched((b) => b.writeBigUInt64LE(0xffffffffffff0000n, 32)))], 'ELF_TRUNCATED', /e_phoff/);
  await expectBad(['elf', write('shoff', patched((b) => b.writeBigUInt64LE(BigInt(ls.length - 10), 40)))], 'ELF_TRUNCATED', /section header/);
  // program header 2 of /bin/ls is the first PT_LOAD: move its bytes past the end
  await expectBad(['elf', write('segoff', patched((b) => b.writeBigUInt64LE(BigInt(ls.length), 64 + 2 * 56 + 8)))], 'ELF_TRUNCATED', /segment 2 \(LOAD/);
  const shoff = Number(ls.readBigUInt64LE(40));
  await expectBad(['elf', write('secoff', patched((b) => b.writeBigUInt64LE(BigInt(ls.length), shoff + 64 + 24)))], 'ELF_TRUNCATED', /section 1 /);
});

test('malformed header fields are ELF_BAD_HEADER', async () => {
  await expectBad(['elf', write('phent', patched((b) => b.writeUInt16LE(32, 54)))], 'ELF_BAD_HEADER', /e_phentsize is 32/);
  await expectBad(['elf', write('shstrndx', patched((b) => b.writeUInt16LE(200, 62)))], 'ELF_BAD_HEADER', /e_shstrndx 200/);
});

test('the built executable reports bad input on one line, exit 2, no stack trace', () => {
  const r = runBin(['elf', write('text2', 'not elf')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pagewise elf: .*not an ELF file.*\[ELF_NOT_ELF\]\n$/);
});

test('assertLoadable refuses what the loader cannot map', () => {
  const load = (patch: (b: Buffer) => void) => () => assertLoadable(parseElf(patched(patch), 'ls'));
  const ph = (i: number, field: number) => 64 + i * 56 + field;
  // /bin/ls: headers 2..5 are PT_LOADs
  assert.throws(load((b) => b.writeBigUInt64LE(0x10n, ph(5, 40))), { code: 'ELF_BAD_HEADER', message: /p_memsz 0x10 is smaller than p_filesz/ });
  assert.throws(load((b) => b.writeBigUInt64LE(1n, ph(2, 8))), { code: 'ELF_BAD_HEADER', message: /not congruent/ });
  assert.throws(load((b) => b.writeBigUInt64LE(0x3000n, ph(2, 48))), { code: 'ELF_BAD_HEADER', message: /not a power of two/ });
  assert.throws(load((b) => b.writeBigUInt64LE(0n, ph(3, 16))), { code: 'ELF_BAD_HEADER', message: /overlaps/ });
  assert.throws(load((b) => b.writeBigUInt64LE(0x7ffffffff2b0n, ph(5, 16))), { code: 'ELF_BAD_HEADER', message: /beyond the user address space/ });
  assert.throws(load((b) => b.writeBigUInt64LE(0x10000000000n + 0x232b0n, ph(5, 16))), { code: 'ELF_BAD_HEADER', message: /more than 1 TiB/ });
  assert.throws(load((b) => b.writeUInt16LE(1, 16)), { code: 'ELF_NOT_PROGRAM' });
  // PT_INTERP (header 1) is at 0x318, 0x1c bytes: make its last byte non-NUL
  assert.throws(load((b) => { b[0x318 + 0x1c - 1] = 0x41; }), { code: 'ELF_BAD_HEADER', message: /NUL-terminated/ });
  assert.ok(assertLoadable(parseElf(readFileSync(join(WORKLOADS, 'seqscan')), 'seqscan')).length >= 2);
});
