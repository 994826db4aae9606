/**
 * `pagewise maps` and src/proc/maps against the kernel: the regions of this very process agree with
 * /proc/self/maps (a stable pair of reads around ours), a child's with its /proc/PID/maps, the page
 * columns add up to the kernel's VmRSS, and the refusals carry their exact codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRegions } from '../../src/proc/maps.js';
import { procstatVmRows } from '../../src/proc/procstat.js';
import { BIN_REL, packageCopyForUser, runAsUser, runCli, unprivilegedSkip } from '../helpers/cli.js';

/** /proc/PID/maps split the plain way: start, end, perms, offset, dev, inode, path. */
function kernelMaps(pid: number | 'self'): string[][] {
  return readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n').map((line) => {
    const [range, perms, offset, dev, inode, ...rest] = line.split(/\s+/);
    const [start, end] = range.split('-');
    return [start, end, perms, offset, dev, inode, rest.join(' ')];
  });
}

const asKernel = (r: { start: bigint; end: bigint; perms: string; offset: bigint; dev: string; inode: number; path: string }) => [
  r.start.toString(16).padStart(8, '0'), r.end.toString(16).padStart(8, '0'), r.perms, r.offset.toString(16).padStart(8, '0'),
  r.dev, String(r.inode), r.path,
];

/** Spawn a program and wait until its address space has settled (exec done, libraries mapped). */
async function startChild(cmd: string, args: string[]): Promise<ChildProcess & { pid: number }> {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  await new Promise((res, rej) => { child.once('spawn', res); child.once('error', rej); });
  let last = '';
  for (let i = 0; i < 200; i++) {
    const now = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
    if (now === last && now.includes(cmd)) break;
    last = now;
    await new Promise((r) => setTimeout(r, 20));
  }
  return child as ChildProcess & { pid: number };
}

test('maps self agrees with /proc/self/maps for every region (stable pair of reads)', async () => {
  for (let attempt = 0; attempt < 20; attempt++) {
    const before = kernelMaps('self');
    const ours = await readRegions('self');
    const after = kernelMaps('self');
    if (JSON.stringify(before) !== JSON.stringify(after)) continue; // node mapped something meanwhile: retry
    assert.equal(ours.pid, process.pid);
    assert.deepEqual(ours.regions.map(asKernel), before);
    return;
  }
  // Never stable: every region present in both reads must still be in ours.
  const before = kernelMaps('self');
  const ours = (await readRegions('self')).regions.map((r) => asKernel(r).join(' '));
  const after = new Set(kernelMaps('self').map((r) => r.join(' ')));
  for (const r of before.map((x) => x.join(' ')).filter((x) => after.has(x))) assert.ok(ours.includes(r), `missing ${r}`);
});

test('pagewise maps PID of a child (sleep) agrees with its /proc/PID/maps, text and --json', async () => {
  const child = await startChild('/bin/sleep', ['30']);
  try {
    const kernel = kernelMaps(child.pid);
    const j = await runCli(['maps', '--json', String(child.pid)]);
    assert.equal(j.code, 0, j.stderr);
    const parsed = JSON.parse(j.stdout);
    assert.equal(parsed.pid, child.pid);
    assert.deepEqual(parsed.regions.map((r: Record<string, string>) => [BigInt(r.start).toString(16).padStart(8, '0'), BigInt(r.end).toString(16).padStart(8, '0'), r.perms]),
      kernel.map((k) => [k[0], k[1], k[2]]));
    const t = await runCli(['maps', String(child.pid)]);
    assert.equal(t.code, 0, t.stderr);
    const lines = t.stdout.trimEnd().split('\n');
    assert.equal(lines[0], '  PID              START                END PRT  RES PRES REF SHD FLAG  TP PATH');
    assert.equal(lines.length, kernel.length + 1);
    lines.slice(1).forEach((line, i) => {
      const m = /^\s*(\d+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+) ([r-][w-][x-])\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+) ([C-][N-][S-][D-][W-]) (vn|df|sw|dv|ph|gd) ?(.*)$/.exec(line);
      assert.ok(m, `line ${i + 1} does not have the procstat -v columns: ${line}`);
      assert.equal(Number(m[1]), child.pid);
      assert.equal(m[2].padStart(8, '0'), kernel[i][0]);
      assert.equal(m[3].padStart(8, '0'), kernel[i][1]);
      assert.equal(m[4], kernel[i][2].slice(0, 3));
      assert.equal(m[11], kernel[i][6]);
    });
    assert.match(t.stdout, / ([C-])[N-]-D- df \[stack\]$/m, 'the stack grows down');
    assert.match(t.stdout, / vn \/usr\/bin\/sleep$/m);
    assert.match(t.stdout, / ph \[vdso\]$/m);
    assert.match(t.stdout, / r-x .* ----- vn \/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6$/m, 'libc text is shared, not copy-on-write');
    assert.match(t.stdout, / rw- .* C[N-]--- vn \/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6$/m, 'libc data is copy-on-write');
  } finally {
    child.kill('SIGKILL');
  }
});

test('the RES column adds up to the kernel\'s VmRSS of a stopped child; PRES + SHD = RES', async () => {
  const child = await startChild('/bin/sleep', ['30']);
  try {
    process.kill(child.pid, 'SIGSTOP');
    const { regions } = await readRegions(child.pid);
    const rows = procstatVmRows(child.pid, regions);
    const res = rows.reduce((s, r) => s + r.res, 0);
    const vmrss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 4;
    // VmRSS comes from per-CPU-batched counters; allow their slack (64 pages per CPU at most).
    assert.ok(Math.abs(res - vmrss) <= 128, `RES total ${res} pages vs VmRSS ${vmrss} pages`);
    for (const r of rows) assert.equal(r.pres + r.shd, r.res, `region ${r.start.toString(16)}`);
  } finally {
    child.kill('SIGKILL');
  }
});

test('maps of a PID that does not exist is PROC_NO_SUCH_PID; a bad PID is USAGE', async () => {
  const r = await runCli(['maps', '99999999']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pagewise maps: no process 99999999 .*\[PROC_NO_SUCH_PID\]\n$/);
  const u = await runCli(['maps', 'init']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /'init' is not a process id .*\[USAGE\]\n/);
});

test('maps and auxv of PID 1 as an ordinary user are PROC_DENIED, exit 2', { skip: unprivilegedSkip() }, () => {
  const copy = packageCopyForUser();
  for (const cmd of ['maps', 'auxv']) {
    const r = runAsUser(['node', join(copy, BIN_REL), cmd, '1']);
    assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^pagewise ${cmd}: /proc/1/\\w+: permission denied.*\\[PROC_DENIED\\]\\n$`));
  }
});

const kthreadd = (() => {
  try {
    return readFileSync('/proc/2/comm', 'utf8').trim() === 'kthreadd' ? false : 'PID 2 is not kthreadd here (a PID namespace?)';
  } catch {
    return 'no PID 2 visible (a PID namespace?)';
  }
})();

test('maps and auxv of a kernel thread (kthreadd) are PROC_NO_MEMORY', { skip: kthreadd }, async () => {
  for (const cmd of ['maps', 'auxv']) {
    const r = await runCli([cmd, '2']);
    assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^pagewise ${cmd}: process 2 has no user address space .*\\[PROC_NO_MEMORY\\]\\n$`));
  }
});
