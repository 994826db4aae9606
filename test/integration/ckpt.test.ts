/**
 * Checkpoint, kill, restart, against the uninterrupted run: the final output must be the same for the
 * counter workload, a C++ program with STL containers, python3 running a loop and sqlite3 building an
 * in-memory table; three generations; the same image restarted twice; periodic checkpoints; signals
 * arriving during a checkpoint; the whole path as an ordinary user. Uses the real programs throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runBin, runCli, needs, unprivilegedSkip, runAsUser, packageCopyForUser, BIN_REL } from '../helpers/cli.js';
import { verifyImageBuffer } from '../../src/ckpt/image.js';
import { dump, FIX, nativeSkip, startPreloaded, startRestart, tmpDir } from '../ckpt/procs.js';

const PY = '/usr/bin/python3';

function uninterrupted(cmd: string, args: string[], input = ''): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Run preloaded until `ready`, checkpoint (pagewise ckpt dump), SIGKILL, then `pagewise restart`. */
async function checkpointKillRestart(cmd: string, args: string[], ready: RegExp, stdin1?: string, stdin2 = '') {
  const dir = tmpDir();
  const image = join(dir, 'img');
  const p = startPreloaded(cmd, args, dir, { PAGEWISE_CKPT: image }, stdin1);
  await p.waitFor(ready);
  await dump(p.pid);
  await p.kill();
  const r = runBin(['restart', image], { cwd: dir, input: stdin2 });
  return { before: p.out, after: r.stdout, code: r.code, stderr: r.stderr, image };
}

function sameEnding(full: string, after: string, lastLine: RegExp): void {
  assert.ok(after.length > 0, 'the restarted program printed something');
  assert.ok(full.endsWith(after), `the restarted output is the tail of the uninterrupted run:\n--- after restart:\n${after}\n--- uninterrupted:\n${full}`);
  assert.match(after, lastLine);
}

test('counter workload: checkpoint-kill-restart ends like the uninterrupted run', { skip: nativeSkip }, async () => {
  const full = uninterrupted(join(FIX, 'counter'), ['12']);
  const r = await checkpointKillRestart(join(FIX, 'counter'), ['12'], /counter 4\n/);
  assert.equal(r.code, 0, r.stderr);
  sameEnding(full, r.after, /^counter done \d+\n$/m);
  assert.equal(r.after.split('\n').filter(Boolean).at(-1), full.split('\n').filter(Boolean).at(-1));
});

test('ckpt_selfcheck: memory, file offset, handlers, mask, sigaltstack, TLS, FPU, time, rseq, raise survive', { skip: nativeSkip }, async () => {
  const dir = tmpDir();
  const data = join(dir, 'data');
  writeFileSync(data, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff)));
  const image = join(dir, 'img');
  const p = startPreloaded(join(FIX, 'ckpt_selfcheck'), [data], dir, { PAGEWISE_CKPT: image });
  await p.waitFor(/READY \d+\n/);
  await dump(p.pid);
  await p.kill();
  const r = runBin(['restart', image], { cwd: dir });
  assert.equal(r.stdout, 'PASS\n', r.stderr);
  assert.equal(r.code, 0);
});

test('C++ program with STL containers: same final output', { skip: nativeSkip || needs('g++') }, async () => {
  const full = uninterrupted(join(FIX, 'ckpt_stl'), ['16']);
  const r = await checkpointKillRestart(join(FIX, 'ckpt_stl'), ['16'], /step 5\n/);
  assert.equal(r.code, 0, r.stderr);
  sameEnding(full, r.after, /^done map 97 unordered \d+ deque 2000 text \d+ digest [0-9a-f]+ [0-9a-f]+\n$/m);
});

test('python3 running a loop: same final output', { skip: nativeSkip || (existsSync(PY) ? false : 'no /usr/bin/python3') }, async () => {
  const prog = 'import time\ns = 0\nfor i in range(16):\n    s += i * i\n    print(i, s, flush=True)\n    time.sleep(0.05)\nprint("done", s, sorted({str(k): k for k in range(50)})[:3], time.time() > 1e9)\n';
  const full = uninterrupted(PY, ['-c', prog]);
  const r = await checkpointKillRestart(PY, ['-c', prog], /^5 55\n/m);
  assert.equal(r.code, 0, r.stderr);
  sameEnding(full, r.after, /^done 1240 \['0', '1', '10'\] True\n$/m);
});

test('sqlite3 building an in-memory table: same final output', { skip: nativeSkip || needs('sqlite3') }, async () => {
  const first = "create table t(x integer, s text);\nwith recursive c(i) as (select 1 union all select i+1 from c where i<5000) insert into t select i, printf('row%d', i) from c;\nselect 'MARK1', count(*) from t;\n";
  const second = "insert into t select x+5000, s||'b' from t;\ncreate index ix on t(s);\nselect count(*), sum(x), max(s), (select x from t where s='row77b') from t;\n";
  const full = uninterrupted('sqlite3', [':memory:'], first + second);
  // The first half arrives on a pipe that stays open: sqlite3 waits in read() when checkpointed; the
  // restarted sqlite3 reads the second half from the new process's stdin.
  const r = await checkpointKillRestart('sqlite3', [':memory:'], /^MARK1\|5000\n/m, first, second);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.after, full.slice(full.indexOf('MARK1|5000\n') + 'MARK1|5000\n'.length));
  assert.match(r.after, /^10000\|50005000\|row9b\|5077$/m);
});

test('a multithreaded program (mutex, condition variable, TLS, join): same final output over three generations', { skip: nativeSkip }, async () => {
  const prog = join(FIX, 'ckpt_mt');
  const full = uninterrupted(prog, ['24']);
  const dir = tmpDir();
  const image = join(dir, 'img');
  let p = startPreloaded(prog, ['24'], dir, { PAGEWISE_CKPT: image });
  await p.waitFor(/tick 2\n/);
  for (const next of [6, 10]) {
    await dump(p.pid, image);
    assert.equal(verifyImageBuffer(readFileSync(image), image).threads.length, 3);
    await p.kill();
    p = startRestart(image, dir);
    await p.waitFor(new RegExp(`tick ${next}\\n`));
    assert.equal(readdirSync(`/proc/${p.pid}/task`).length, 4, 'four threads again');
  }
  await dump(p.pid, image);
  await p.kill();
  const shown = await runCli(['ckpt', 'inspect', image]);
  assert.match(shown.stdout, /^threads: 4 \(the one that wrote the image, and:\)$/m);
  assert.equal(shown.stdout.match(/^  tid \d+ \(ckpt_mt\) fs_base 0x[0-9a-f]+ waits at rip/gm)?.length, 3);
  const r = runBin(['restart', image], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  sameEnding(full, r.stdout, /^done total 6000 rounds 1000 1000 1000 joined 3000$/m);
});

test('three generations, and the same image restarted twice, give the uninterrupted output', { skip: nativeSkip }, async () => {
  const full = uninterrupted(join(FIX, 'counter'), ['14']);
  const dir = tmpDir();
  const image = join(dir, 'img');
  let p = startPreloaded(join(FIX, 'counter'), ['14'], dir, { PAGEWISE_CKPT: image });
  await p.waitFor(/counter 2\n/);
  const gens: number[] = [];
  for (const next of [5, 8]) {
    if (gens.length === 1) {
      const r = await runCli(['ckpt', 'dump', String(p.pid)]);
      assert.equal(r.code, 2, 'a restarted process needs --image');
      assert.match(r.stderr, /was brought back by myrestart: its environment is gone.*give --image PATH.*\[USAGE\]\n/);
    }
    await dump(p.pid, gens.length ? image : undefined);
    gens.push(verifyImageBuffer(readFileSync(image), image).header.generation);
    await p.kill();
    p = startRestart(image, dir);
    await p.waitFor(new RegExp(`counter ${next}\\n`));
    // the restored process's file mappings carry their names again
    const maps = readFileSync(`/proc/${p.pid}/maps`, 'utf8');
    assert.match(maps, /\/libckpt\.so$/m);
    assert.match(maps, /\/ckpt-fixtures\/counter$/m);
    assert.match(maps, /\[vdso\]$/m);
  }
  await dump(p.pid, image); // a restarted process has no environment to read: the path is given
  gens.push(verifyImageBuffer(readFileSync(image), image).header.generation);
  await p.kill();
  assert.deepEqual(gens, [1, 2, 3]);
  const last = full.split('\n').filter(Boolean).at(-1)!;
  for (let i = 0; i < 2; i++) {
    const r = runBin(['restart', image], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    sameEnding(full, r.stdout, new RegExp(`^${last}$`, 'm'));
  }
});

test('PAGEWISE_CKPT_INTERVAL=1 writes images periodically; the latest restarts', { skip: nativeSkip }, async () => {
  const full = uninterrupted(join(FIX, 'counter'), ['30']);
  const dir = tmpDir();
  const image = join(dir, 'img');
  const p = startPreloaded(join(FIX, 'counter'), ['30'], dir, { PAGEWISE_CKPT: image, PAGEWISE_CKPT_INTERVAL: '1' });
  await p.waitFor(/counter 11\n/);
  const t1 = statSync(image).mtimeMs;
  await p.waitFor(/counter 23\n/);
  const t2 = statSync(image).mtimeMs;
  await p.kill();
  assert.ok(t2 > t1, 'a later image replaced the earlier one');
  verifyImageBuffer(readFileSync(image), image);
  // The restarted process takes periodic checkpoints too: the timer is re-created after the restart.
  const again = startRestart(image, dir);
  const t3 = statSync(image).mtimeMs;
  const at = Number(/counter (\d+)\n$/.exec(p.out)![1]);
  await again.waitFor(new RegExp(`counter ${Math.min(at + 13, 30)}\n`));
  await again.kill();
  assert.ok(statSync(image).mtimeMs > t3, 'the restarted process wrote a new image');
  assert.equal(verifyImageBuffer(readFileSync(image), image).header.generation, 2);
  const r = runBin(['restart', image], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  sameEnding(full, r.stdout, /^counter done \d+$/m);
});

test('a process killed while writing its image leaves the previous image whole', { skip: nativeSkip }, async () => {
  const dir = tmpDir();
  const image = join(dir, 'img');
  const p = startPreloaded(join(FIX, 'ckpt_heap'), ['256'], dir, { PAGEWISE_CKPT: image });
  await p.waitFor(/READY \d+\n/);
  await dump(p.pid);
  const before = readFileSync(image);
  process.kill(p.pid, 'SIGUSR2');
  // wait until the writer has started (its temporary file exists), then kill it mid-write
  const tmp = `${image}.tmp.${p.pid}`;
  for (let i = 0; i < 2000 && !existsSync(tmp); i++) await new Promise((r) => setTimeout(r, 1));
  await p.kill();
  assert.ok(existsSync(tmp), 'the temporary image was being written');
  assert.ok(statSync(tmp).size < before.length, 'killed before the temporary image was complete');
  assert.ok(readFileSync(image).equals(before), 'the previous image is untouched');
  verifyImageBuffer(before, image);
  const r = startRestart(image, dir);
  await r.waitFor(/back\n/);
  const end = await r.done;
  assert.equal(end.code, 0, r.out + r.err);
});

test('signals arriving during a checkpoint do not corrupt the image', { skip: nativeSkip || (existsSync(PY) ? false : 'no /usr/bin/python3') }, async () => {
  const prog = 'import signal, time\nsignal.signal(signal.SIGUSR1, lambda *a: None)\nbig = bytearray(range(256)) * 200000\nfor i in range(20):\n    print(i, flush=True)\n    time.sleep(0.05)\nprint("done", sum(big[::4096]))\n';
  const full = uninterrupted(PY, ['-c', prog]);
  const dir = tmpDir();
  const image = join(dir, 'img');
  const p = startPreloaded(PY, ['-c', prog], dir, { PAGEWISE_CKPT: image });
  await p.waitFor(/^3\n/m);
  process.kill(p.pid, 'SIGUSR2');
  for (let i = 0; i < 30; i++) {
    process.kill(p.pid, i % 2 ? 'SIGUSR1' : 'SIGWINCH');
    if (i === 15) process.kill(p.pid, 'SIGUSR2');
  }
  await dump(p.pid);
  await p.kill();
  verifyImageBuffer(readFileSync(image), image);
  const r = runBin(['restart', image], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  sameEnding(full, r.stdout, /^done \d+$/m);
});

test('as an ordinary user: ckpt run, ckpt dump, ckpt verify, restart', { skip: nativeSkip || unprivilegedSkip() }, () => {
  const root = packageCopyForUser();
  const dir = tmpDir();
  const bin = join(root, BIN_REL);
  const counter = join(root, 'native', 'build', 'ckpt-fixtures', 'counter');
  const script = [
    `cd ${dir}`,
    `node ${bin} ckpt run -- ${counter} 10 > out1 2> err1 &`,
    // wait (up to 20 s on a loaded machine) until the program runs and has printed its first line
    'for i in $(seq 200); do pid=$(pgrep -n -x -u "$(id -u)" counter) && [ -s out1 ] && break; sleep 0.1; done',
    `node ${bin} ckpt dump "$pid" || exit 11`,
    'kill -9 "$pid"',
    `node ${bin} ckpt verify myckpt || exit 12`,
    'stat -c %a myckpt',
    `node ${bin} restart myckpt`,
  ].join('\n');
  const r = runAsUser(['sh', '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  const full = uninterrupted(join(FIX, 'counter'), ['10']);
  const [dumpLine, verifyLine, mode, ...rest] = r.stdout.split('\n');
  assert.match(dumpLine, new RegExp(`^${dir}/myckpt \\d+ bytes$`));
  assert.match(verifyLine, /^myckpt: ok: /);
  assert.equal(mode, '600');
  sameEnding(full, rest.join('\n'), /^counter done \d+$/m);
});
