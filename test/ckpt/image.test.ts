/**
 * The image reader and every refusal, on real images written by libckpt.so: the parsed regions agree
 * with the process's /proc/PID/maps and a library's text pages with the file; each kind of bad input
 * is refused with its exact code by the TypeScript side (ckpt verify, restart) and by myrestart (exit 2,
 * one line, nothing run); a fuzz of mutations and truncations only ever raises PagewiseError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync, unlinkSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { isPagewiseError } from '../../src/errors.js';
import { parseImageMeta, verifyImageBuffer, regionDataRange } from '../../src/ckpt/image.js';
import { crc32c } from '../../src/ckpt/crc32c.js';
import * as P from '../../src/native/protocol.js';
import { nativeSkip, sampleImage, selfcheckImage, threadedImage, tmpDir, restartSync } from './procs.js';

const skip = nativeSkip;

test('crc32c: the standard check value and incremental use', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.from('56789'), crc32c(Buffer.from('1234'))), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('an image lists the regions of /proc/PID/maps, with the kernel specials recorded without data', { skip }, async () => {
  const { image, maps, pid } = await sampleImage();
  const img = verifyImageBuffer(readFileSync(image), image);
  assert.equal(img.header.pid, pid);
  assert.equal(img.header.generation, 1);
  assert.equal(img.header.comm, 'counter');
  const lines = maps.trim().split('\n').filter((l) => !l.endsWith('[vsyscall]'));
  assert.equal(img.regions.length, lines.length);
  lines.forEach((l, i) => {
    const [range, perms] = l.split(/\s+/);
    const [s, e] = range.split('-').map((x) => BigInt(`0x${x}`));
    const r = img.regions[i];
    assert.equal(r.start, s, l);
    assert.equal(r.end, e, l);
    assert.equal(r.prot, (perms[0] === 'r' ? 1 : 0) | (perms[1] === 'w' ? 2 : 0) | (perms[2] === 'x' ? 4 : 0), l);
    const name = l.split(/\s+/).slice(5).join(' ');
    assert.equal(r.name, name, l);
    if (/^\[(vdso|vvar|vvar_vclock)\]$/.test(name)) assert.equal(r.hasData, false, `${name} carries no data`);
  });
  const stack = img.regions.find((r) => r.name === '[stack]')!;
  assert.ok(stack.flags & P.PW_CKPT_R_GROWSDOWN);
  assert.ok(stack.start <= img.header.gregs.rsp && img.header.gregs.rsp < stack.end, 'saved rsp lies in [stack]');
  assert.ok(img.header.fpstateSize >= 512);
  assert.ok(img.regions.some((r) => r.hasData && r.storedPages < r.pages), 'some all-zero pages were skipped');
});

test('the stored pages of libc text equal the file at its offset', { skip }, async () => {
  const { image } = await sampleImage();
  const buf = readFileSync(image);
  const img = parseImageMeta(buf, buf.length, image);
  const text = img.regions.find((r) => /libc\.so\.6$/.test(r.name) && r.prot === 5)!;
  assert.ok(text, 'libc text region');
  const { off } = regionDataRange(text);
  const bitmap = buf.subarray(text.bitmapOff, text.bitmapOff + Math.ceil(text.pages / 64) * 8);
  const fd = openSync(text.name, 'r');
  try {
    let stored = 0;
    for (let p = 0; p < text.pages; p++) {
      const file = Buffer.alloc(4096);
      const n = readSync(fd, file, 0, 4096, Number(text.fileOffset) + p * 4096);
      if ((bitmap[p >> 3] >> (p & 7)) & 1) {
        assert.deepEqual(buf.subarray(off + stored * 4096, off + stored * 4096 + n), file.subarray(0, n), `page ${p}`);
        stored++;
      } else {
        assert.ok(file.subarray(0, n).every((b) => b === 0), `page ${p} skipped but not zero in the file`);
      }
    }
    assert.equal(stored, text.storedPages);
  } finally {
    closeSync(fd);
  }
});

test('ckpt verify and inspect on a sound image', { skip }, async () => {
  const { image, pid } = await sampleImage();
  const v = await runCli(['ckpt', 'verify', image]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /: ok: header and \d+ region checksums match/);
  const i = await runCli(['ckpt', 'inspect', image]);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, new RegExp(`^\\s*${pid}\\s+0x[0-9a-f]+\\s+0x[0-9a-f]+ rw-\\s+\\d+\\s+\\d+\\s+\\d+ PD-  df \\[stack\\]$`, 'm'));
  assert.match(i.stdout, /SIGUSR2\s+handler 0x/);
  assert.match(i.stdout, /rseq: 0x[0-9a-f]+ length 32 signature 0x53053053/);
  const j = await runCli(['ckpt', 'inspect', '--json', image]);
  const o = JSON.parse(j.stdout);
  assert.equal(o.header.pid, pid);
  assert.equal(o.totals.mappedPages, o.totals.storedPages + o.totals.zeroPagesSkipped + o.regions.filter((r: { hasData: boolean; pages: number }) => !r.hasData).reduce((s: number, r: { pages: number }) => s + r.pages, 0));
});

/** Write a modified copy of the sample image; returns its path. */
function variant(src: Buffer, name: string, edit: (b: Buffer) => Buffer | void): string {
  const b = Buffer.from(src);
  const out = edit(b) ?? b;
  const path = join(tmpDir(), name);
  writeFileSync(path, out);
  return path;
}

function refixHeaderCrc(b: Buffer): void {
  const meta = Number(b.readBigUInt64LE(72));
  b.writeUInt32LE(0, P.PW_CKPT_OFF_HEADER_CRC);
  b.writeUInt32LE(crc32c(b.subarray(0, meta)), P.PW_CKPT_OFF_HEADER_CRC);
}

async function refusedEverywhere(path: string, code: string, message: RegExp, nativeMessage: RegExp): Promise<void> {
  for (const argv of [['ckpt', 'verify', path], ['restart', path]]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`\\[${code}\\]\\n$`), argv.join(' '));
    assert.match(r.stderr, message, argv.join(' '));
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
    assert.equal(r.stdout, '');
  }
  const n = restartSync(path);
  assert.equal(n.code, 2, `myrestart: ${n.stderr}`);
  assert.equal(n.stdout, '');
  assert.match(n.stderr, nativeMessage);
  assert.equal(n.stderr.split('\n').length, 2, 'myrestart: one line');
}

test('bad input is refused before anything runs, by TS and by myrestart, with exact codes', { skip }, async () => {
  const { image } = await sampleImage();
  const src = readFileSync(image);
  const img = parseImageMeta(src, src.length, image);
  await refusedEverywhere(variant(src, 'text', () => Buffer.from('hello, not an image\n'.repeat(300))), 'CKPT_NOT_IMAGE', /not a checkpoint image \(magic /, /: not a checkpoint image: bad magic number$/m);
  await refusedEverywhere(variant(src, 'tiny', () => Buffer.from('PW')), 'CKPT_NOT_IMAGE', /shorter than the magic number/, /not a checkpoint image/);
  for (const cut of [100, 4095, 4096 + 300, img.header.metaSize - 1, img.header.metaSize + 4096, Math.floor(src.length / 2), src.length - 1]) {
    await refusedEverywhere(variant(src, `cut${cut}`, (b) => b.subarray(0, cut)), 'CKPT_TRUNCATED', /cut short|the file has \d+ bytes, its header says/, /: truncated: /);
  }
  const data = img.regions.find((r) => r.hasData && r.storedPages > 0 && r.name === '[heap]') ?? img.regions.find((r) => r.storedPages > 0)!;
  await refusedEverywhere(
    variant(src, 'flip', (b) => { b[data.dataOff + 123] ^= 0x40; }),
    'CKPT_BAD_CHECKSUM', new RegExp(`checksum mismatch in the data of region ${data.index} \\(0x${data.start.toString(16)}-`),
    new RegExp(`checksum mismatch in the data of: region ${data.index} \\(0x${data.start.toString(16)}-`),
  );
  await refusedEverywhere(variant(src, 'hdrflip', (b) => { b[P.PW_CKPT_OFF_PID] ^= 1; }), 'CKPT_BAD_CHECKSUM', /checksum mismatch in the header and tables/, /checksum mismatch in the header and tables/);
  await refusedEverywhere(variant(src, 'v2', (b) => { b.writeUInt16LE(2, 8); }), 'CKPT_BAD_VERSION', /image format version 2\.0, this pagewise reads 1\.x/, /unsupported image format version: 2$/m);
  await refusedEverywhere(variant(src, 'arm', (b) => { b.writeUInt32LE(183, 16); }), 'CKPT_BAD_ARCH', /machine 183/, /another architecture: e_machine: 183$/m);
  const r0 = img.regions[0];
  await refusedEverywhere(
    variant(src, 'collide', (b) => {
      const o = img.header.regionTableOff;
      b.writeBigUInt64LE(BigInt(P.PW_CKPT_RESTARTER_START), o);
      b.writeBigUInt64LE(BigInt(P.PW_CKPT_RESTARTER_START) + (r0.end - r0.start), o + 8);
      refixHeaderCrc(b);
    }),
    'CKPT_COLLIDES', /region 0 \(0x5000000-0x[0-9a-f]+.*collides with the restarter's own range 0x5000000-0x5400000/,
    /collides with the restarter's own range 0x5000000-0x5400000: region 0 \(0x5000000-/,
  );
});

test('an image whose open file is gone is refused (restart and myrestart), and restarts once it is back', { skip }, async () => {
  const { image, data } = await selfcheckImage();
  const saved = readFileSync(data);
  unlinkSync(data);
  const r = await runCli(['restart', image]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`the program had ${data} open on fd 3, and it is gone; .* \\[CKPT_FILE_GONE\\]\\n$`));
  const n = restartSync(image);
  assert.equal(n.code, 2);
  assert.match(n.stderr, new RegExp(`: a file the program had open is gone: ${data}\\n$`));
  writeFileSync(data, saved);
  const ok = restartSync(image);
  assert.equal(ok.stdout, 'PASS\n', ok.stderr);
  assert.equal(ok.code, 0);
});

test('fuzz: mutated and truncated images only raise PagewiseError', { skip }, async () => {
  const { image } = await sampleImage();
  const src = readFileSync(image);
  const meta = Number(src.readBigUInt64LE(72));
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  let refused = 0;
  for (let i = 0; i < 400; i++) {
    const b = Buffer.from(src.subarray(0, i % 4 === 0 ? src.length : meta + 4096 * rand(4)));
    const k = 1 + rand(4);
    for (let j = 0; j < k; j++) b[i % 2 ? rand(Math.min(b.length, 4096 + 256 * 4)) : rand(b.length)] ^= 1 << rand(8);
    if (i % 3 === 0) refixHeaderCrc(b); // reach the structure checks behind the crc
    try {
      verifyImageBuffer(b, 'fuzz');
    } catch (e) {
      if (!isPagewiseError(e)) throw new Error(`mutation ${i} raised a non-PagewiseError: ${(e as Error).stack}`);
      assert.match(e.code, /^CKPT_/);
      refused++;
    }
  }
  for (let cut = 0; cut < src.length; cut += 1 + rand(60000)) {
    assert.throws(() => verifyImageBuffer(src.subarray(0, cut), 'cut'), (e: unknown) => isPagewiseError(e) && /^CKPT_(TRUNCATED|NOT_IMAGE)$/.test(e.code));
  }
  assert.ok(refused > 300, `${refused} of 400 mutations refused`);
});

test('whatever the TypeScript reader refuses, myrestart refuses too: exit 2, one line, nothing run', { skip }, async () => {
  const { image } = await sampleImage();
  const src = readFileSync(image);
  const meta = Number(src.readBigUInt64LE(72));
  let seed = 777;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  let tried = 0;
  for (let i = 0; tried < 25 && i < 200; i++) {
    const b = Buffer.from(src);
    for (let j = 0; j < 1 + rand(3); j++) b[rand(i % 2 ? meta : b.length)] ^= 1 << rand(8);
    if (i % 2) refixHeaderCrc(b);
    try {
      verifyImageBuffer(b, 'm');
      continue; // a harmless mutation (padding): not this test's business
    } catch (e) {
      assert.ok(isPagewiseError(e));
    }
    tried++;
    const path = variant(b, `m${i}`, () => undefined);
    const n = restartSync(path);
    assert.equal(n.code, 2, `mutation ${i}: myrestart exit ${n.code}: ${n.stderr}`);
    assert.equal(n.stdout, '');
    assert.match(n.stderr, /^myrestart: .+\n$/);
  }
  assert.equal(tried, 25);
});

test('a multithreaded image: its thread table parses, and its mutations only raise PagewiseError', { skip }, async () => {
  const image = await threadedImage();
  const src = readFileSync(image);
  const img = verifyImageBuffer(src, image);
  assert.equal(img.threads.length, 3);
  for (const t of img.threads) {
    assert.ok(t.tid > 0 && t.fsBase > 0n && t.resume.rip > 0n, 'tid, TLS and resume point recorded');
    assert.equal(t.comm, 'ckpt_mt');
    assert.ok(img.regions.some((r) => r.start <= t.resume.rsp && t.resume.rsp < r.end && r.hasData), 'its stack is in the image');
  }
  const tt = img.header.threadTableOff;
  let seed = 99;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  for (let i = 0; i < 150; i++) {
    const b = Buffer.from(src.subarray(0, img.header.metaSize));
    b[i % 3 === 0 ? P.PW_CKPT_OFF_THREADS + rand(32) : tt + rand(3 * P.PW_CKPT_THREAD_SIZE)] ^= 1 << rand(8);
    refixHeaderCrc(b);
    try {
      parseImageMeta(b, src.length, 'mt');
    } catch (e) {
      if (!isPagewiseError(e)) throw new Error(`mutation ${i}: ${(e as Error).stack}`);
    }
  }
});

test('copying an image keeps it restartable-valid (sanity of the variant helper)', { skip }, async () => {
  const { image } = await sampleImage();
  const copy = join(tmpDir(), 'copy.img');
  copyFileSync(image, copy);
  const r = await runCli(['ckpt', 'verify', copy]);
  assert.equal(r.code, 0, r.stderr);
});
