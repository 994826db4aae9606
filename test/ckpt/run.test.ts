/**
 * The orchestration around a process: which image path a process writes, whether it has libckpt.so,
 * static programs refused by ckpt run, and ckpt dump refusing (without signalling) a process that is
 * not preloaded or is multithreaded; the library itself refusing a multithreaded process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { runCli } from '../helpers/cli.js';
import { imagePathFor, isPreloaded, isStaticElf, preloadValue, findProgram } from '../../src/ckpt/run.js';
import { FIX, LIB, nativeSkip, startPreloaded, tmpDir } from './procs.js';

test('imagePathFor: PAGEWISE_CKPT from the environment, relative to the cwd, else myckpt', () => {
  assert.equal(imagePathFor('A=1\0PAGEWISE_CKPT=img/x\0B=2\0', '/home/u'), '/home/u/img/x');
  assert.equal(imagePathFor('PAGEWISE_CKPT=/abs/y\0', '/home/u'), '/abs/y');
  assert.equal(imagePathFor('PAGEWISE_CKPT_INTERVAL=3\0', '/w'), '/w/myckpt');
  assert.equal(imagePathFor('', '/w'), '/w/myckpt');
});

test('isPreloaded: libckpt.so in the maps, or a process myrestart brought back', () => {
  assert.equal(isPreloaded('7f00-7f01 r-xp 00001000 fe:00 5 /opt/pw/native/build/libckpt.so\n', '/usr/bin/x'), true);
  assert.equal(isPreloaded('7f00-7f01 r-xp 00001000 fe:00 5 /usr/lib/libc.so.6\n', '/usr/bin/x'), false);
  assert.equal(isPreloaded('', '/opt/pw/native/build/myrestart'), true);
  assert.equal(isPreloaded('', '/opt/pw/native/build/myrestart (deleted)'), true);
  assert.equal(preloadValue('/l/libckpt.so', undefined), '/l/libckpt.so');
  assert.equal(preloadValue('/l/libckpt.so', '/other.so'), '/l/libckpt.so:/other.so');
});

test('isStaticElf tells a static program (no PT_INTERP) from a dynamic one', { skip: existsSync('/bin/busybox') ? false : 'busybox-static not installed' }, () => {
  assert.equal(isStaticElf(readFileSync('/bin/busybox')), true);
  assert.equal(isStaticElf(readFileSync(findProgram('ls')!)), false);
  assert.equal(isStaticElf(Buffer.from('#!/bin/sh\n')), false);
});

test('ckpt run refuses a statically linked program (CKPT_NOT_DYNAMIC)', { skip: existsSync('/bin/busybox') ? nativeSkip : 'busybox-static not installed' }, async () => {
  const r = await runCli(['ckpt', 'run', '--', '/bin/busybox', 'true']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pagewise ckpt: \/bin\/busybox is statically linked: LD_PRELOAD cannot load libckpt.so into it; .*\[CKPT_NOT_DYNAMIC\]\n$/);
});

test('ckpt run preloads the library, says where it is, passes stdio and the exit status', { skip: nativeSkip }, async () => {
  const r = await runCli(['ckpt', 'run', '--', 'sh', '-c', 'grep -c libckpt.so /proc/self/maps; exit 7']);
  assert.equal(r.code, 7);
  assert.equal(r.stderr, `pagewise ckpt: LD_PRELOAD=${LIB}\n`);
  assert.ok(Number(r.stdout.trim()) >= 1, r.stdout);
});

test('ckpt dump refuses a process without libckpt.so, and does not signal it', { skip: nativeSkip }, async () => {
  const child = spawn('sleep', ['30']);
  try {
    await new Promise((r) => setTimeout(r, 100));
    const r = await runCli(['ckpt', 'dump', String(child.pid)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^pagewise ckpt: process ${child.pid} does not have libckpt.so loaded; SIGUSR2 would not checkpoint it, so nothing was sent; .*\\[CKPT_NOT_PRELOADED\\]\\n$`));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(child.exitCode, null, 'still running');
    assert.equal(child.signalCode, null, 'not killed by SIGUSR2');
  } finally {
    child.kill('SIGKILL');
  }
  const gone = await runCli(['ckpt', 'dump', '999999999']);
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /\[PROC_NO_SUCH_PID\]\n$/);
  const bad = await runCli(['ckpt', 'dump', 'abc']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /\[USAGE\]\n/);
});

test('a thread that blocks SIGUSR2: the library says it could not stop it and writes nothing', { skip: nativeSkip }, async () => {
  const dir = tmpDir();
  const p = startPreloaded(join(FIX, 'ckpt_threads'), [], dir);
  try {
    await p.waitFor(/READY/);
    process.kill(p.pid, 'SIGUSR2');
    for (let i = 0; i < 800 && !p.err.includes('\n'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(p.err, 'libckpt: 1 thread(s) did not stop within 5 s (SIGUSR2 blocked?); no image written\n');
    assert.equal(existsSync(join(dir, 'myckpt')), false);
    assert.equal(p.child.exitCode, null, 'and the program carries on');
  } finally {
    await p.kill();
  }
});

test('an image path in a missing directory: dump refuses before signalling; the library says why it wrote nothing', { skip: nativeSkip }, async () => {
  const dir = tmpDir();
  const bad = join(dir, 'no-such-dir', 'img');
  const p = startPreloaded(join(FIX, 'counter'), ['100'], dir, { PAGEWISE_CKPT: bad });
  try {
    await p.waitFor(/counter 1\n/);
    const r = await runCli(['ckpt', 'dump', String(p.pid)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^pagewise ckpt: process ${p.pid} writes its image to ${bad}, whose directory does not exist; nothing was sent; .*\\[CKPT_NO_IMAGE_DIR\\]\\n$`));
    process.kill(p.pid, 'SIGUSR2');
    for (let i = 0; i < 300 && !p.err.includes('\n'); i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(p.err, `libckpt: cannot write the checkpoint image ${bad}: ENOENT\n`);
    await p.waitFor(/counter 3\n/); // and it carries on
  } finally {
    await p.kill();
  }
});

test('usage errors of ckpt and restart', async () => {
  for (const argv of [['ckpt'], ['ckpt', 'frob'], ['ckpt', 'inspect'], ['ckpt', 'run'], ['restart'], ['restart', 'a', 'b']]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stderr, /\[USAGE\]\n/, argv.join(' '));
  }
  const nf = await runCli(['ckpt', 'inspect', '/nonexistent/img']);
  assert.equal(nf.code, 2);
  assert.match(nf.stderr, /\[FILE_NOT_FOUND\]\n$/);
});

