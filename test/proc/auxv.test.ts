/**
 * `pagewise auxv` against the kernel and glibc: the values that do not change per process agree with
 * LD_SHOW_AUXV=1 /bin/true, a live child's entries agree with its raw /proc/PID/auxv (read here
 * independently) with AT_EXECFN and AT_PLATFORM read as strings, a dump file gives the same entries,
 * and malformed dumps are AUXV_BAD.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAuxv } from '../../src/proc/auxv.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-auxv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** glibc's own rendering: "AT_NAME:   value" lines. */
function ldShowAuxv(): Map<string, string> {
  const r = spawnSync('/bin/true', { env: { ...process.env, LD_SHOW_AUXV: '1' }, encoding: 'utf8' });
  const m = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const x = /^(AT_[A-Z0-9_]+):\s+(.*)$/.exec(line);
    if (x) m.set(x[1], x[2].trim());
  }
  return m;
}

/** /proc/PID/auxv as (type, value) pairs, read plainly. */
function rawPairs(pid: number | 'self'): [number, bigint][] {
  const b = readFileSync(`/proc/${pid}/auxv`);
  const out: [number, bigint][] = [];
  for (let o = 0; o + 16 <= b.length; o += 16) {
    const t = Number(b.readBigUInt64LE(o));
    if (t === 0) break;
    out.push([t, b.readBigUInt64LE(o + 8)]);
  }
  return out;
}

interface JsonEntry { type: number; name?: string; value: string; string?: string; text: string }

async function auxvJson(arg: string): Promise<{ pid: number | null; comm: string; entries: JsonEntry[] }> {
  const r = await runCli(['auxv', '--json', arg]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('auxv self agrees with LD_SHOW_AUXV=1 /bin/true on the values that do not change per process', async () => {
  const glibc = ldShowAuxv();
  assert.ok(glibc.size > 10, 'LD_SHOW_AUXV printed nothing');
  const ours = new Map((await auxvJson('self')).entries.map((e) => [e.name, e]));
  const num = (s: string) => BigInt(s); // glibc prints these in decimal, or 0x-prefixed hex (AT_FLAGS)
  const checked: string[] = [];
  for (const name of ['AT_PAGESZ', 'AT_CLKTCK', 'AT_UID', 'AT_EUID', 'AT_GID', 'AT_EGID', 'AT_SECURE', 'AT_PHENT', 'AT_MINSIGSTKSZ', 'AT_FLAGS']) {
    if (!glibc.has(name)) continue;
    assert.equal(BigInt(ours.get(name)!.value), num(glibc.get(name)!), name);
    checked.push(name);
  }
  // glibc prints AT_HWCAP as bare hex, AT_HWCAP2 as 0x...
  assert.equal(BigInt(ours.get('AT_HWCAP')!.value), BigInt(`0x${glibc.get('AT_HWCAP')!.replace(/^0x/, '')}`), 'AT_HWCAP');
  if (glibc.has('AT_HWCAP2')) assert.equal(BigInt(ours.get('AT_HWCAP2')!.value), BigInt(glibc.get('AT_HWCAP2')!), 'AT_HWCAP2');
  assert.equal(ours.get('AT_PLATFORM')!.string, glibc.get('AT_PLATFORM'), 'AT_PLATFORM string');
  assert.ok(checked.includes('AT_PAGESZ') && checked.includes('AT_UID'), checked.join(','));
});

test('auxv of a live child agrees with its /proc/PID/auxv, strings read from its memory, procstat -x layout', async () => {
  const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
  await new Promise((res) => child.once('spawn', res));
  try {
    const pid = child.pid!;
    const raw = rawPairs(pid);
    const j = await auxvJson(String(pid));
    assert.equal(j.pid, pid);
    assert.equal(j.comm, 'sleep');
    assert.deepEqual(j.entries.map((e) => [e.type, BigInt(e.value)]), raw);
    const by = new Map(j.entries.map((e) => [e.name, e]));
    assert.equal(by.get('AT_EXECFN')!.string, '/bin/sleep');
    assert.equal(by.get('AT_PLATFORM')!.string, 'x86_64');
    const t = await runCli(['auxv', String(pid)]);
    assert.equal(t.code, 0, t.stderr);
    const lines = t.stdout.trimEnd().split('\n');
    assert.equal(lines[0], '  PID COMM             AUXV             VALUE           ', 'procstat pads VALUE to 16');
    assert.equal(lines.length, raw.length + 1);
    const prefix = `${String(pid).padStart(5)} sleep           `;
    for (const l of lines.slice(1)) assert.ok(l.startsWith(prefix), l);
    assert.ok(lines.includes(`${prefix} AT_PAGESZ        4096`), 'AT_PAGESZ line');
    assert.ok(lines.includes(`${prefix} AT_EXECFN        /bin/sleep (0x${BigInt(by.get('AT_EXECFN')!.value).toString(16)})`), 'AT_EXECFN line');
    const phdr = raw.find(([t]) => t === 3)![1];
    assert.ok(lines.includes(`${prefix} AT_PHDR          0x${phdr.toString(16)}`), 'AT_PHDR line');
  } finally {
    child.kill('SIGKILL');
  }
});

test('a raw auxv dump FILE gives the same entries as the process it came from', async () => {
  const file = join(dir, 'auxv.bin');
  writeFileSync(file, readFileSync('/proc/self/auxv'));
  const j = await auxvJson(file);
  assert.equal(j.pid, null);
  assert.equal(j.comm, 'auxv.bin');
  assert.deepEqual(j.entries.map((e) => [e.type, BigInt(e.value)]), rawPairs('self'));
});

test('malformed dumps are AUXV_BAD, missing files FILE_NOT_FOUND, a dead PID PROC_NO_SUCH_PID', async () => {
  const cases: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /is empty/],
    ['odd', Buffer.alloc(17), /not a whole number of 16-byte/],
    ['hugetype', Buffer.concat([Buffer.from('ffffffffffffffff0000000000000000', 'hex'), Buffer.alloc(16)]), /not an AT_ type/],
  ];
  for (const [name, bytes, msg] of cases) {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    const r = await runCli(['auxv', p]);
    assert.equal(r.code, 2, name);
    assert.match(r.stderr, /^pagewise auxv: .*\[AUXV_BAD\]\n$/, name);
    assert.match(r.stderr, msg, name);
    assert.throws(() => parseAuxv(bytes, name), { code: 'AUXV_BAD' });
  }
  const nf = await runCli(['auxv', join(dir, 'nope')]);
  assert.equal(nf.code, 2);
  assert.match(nf.stderr, /\[FILE_NOT_FOUND\]\n$/);
  const dead = await runCli(['auxv', '99999999']);
  assert.equal(dead.code, 2);
  assert.match(dead.stderr, /^pagewise auxv: no process 99999999 .*\[PROC_NO_SUCH_PID\]\n$/);
});
