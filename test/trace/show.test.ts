import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeTrace } from '../../src/trace/format.js';
import { runBin, runCli, NATIVE } from '../helpers/cli.js';
import { header, sampleRecords } from './sample.js';

const dir = mkdtempSync(join(tmpdir(), 'pagewise-show-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const good = encodeTrace(header, sampleRecords());
const file = join(dir, 'sample.pwt');
writeFileSync(file, good, { mode: 0o600 });

test('show prints the region map in the exact form, then the summary', async () => {
  const r = await runCli(['show', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const regionLines = r.stdout.split('\n').filter((l) => l.startsWith('Region: '));
  assert.deepEqual(regionLines, [
    'Region: 08048000 - 0805a000 (  18 pages): |XXXXXXXXXXXXXXXX..| /opt/sample',
    'Region: 0805a000 - 08060000 (   6 pages): |.X...X| [heap]',
    'Region: 7f0000000000 - 7f0000008000 (   8 pages): |X.....X.| [anon]  [removed at 9.000ms]',
    'Region: 7f0000004000 - 7f0000008000 (   4 pages): |.X..| [anon]  [removed at 6.000ms]',
    'Region: 7ffffffde000 - 800000000000 (  34 pages): |.................................X| [stack]',
  ]);
  assert.match(r.stdout, /^Trace .*sample\.pwt: \.\/sample 7 \(pid 4242\), pagewise trace, version 1\.1, 23 fault records/m);
  assert.match(r.stdout, /^recorded 23 of 42 faults the process took/m);
  assert.match(r.stdout, /^the kernel dropped 3 samples$/m);
  assert.match(r.stdout, /^ {6}4243 {8}3 {7}2 {7}1 {3}13\.0%$/m);
});

test('--at shows the regions as they were then; --thread and --from/--to narrow the faults', async () => {
  const at = await runCli(['show', file, '--at', '4.5ms']);
  assert.equal(at.code, 0);
  assert.match(at.stdout, /^Regions at 4\.500ms:$/m);
  assert.deepEqual(at.stdout.split('\n').filter((l) => l.startsWith('Region: ')).map((l) => l.replace(/ \(.*\)/, '')), [
    'Region: 08048000 - 0805a000: |XXXXXXXXXXXXXXXX..| /opt/sample',
    'Region: 0805a000 - 0805e000: |.X..| [heap]',
    'Region: 7f0000000000 - 7f0000004000: |X...| [anon]',
    'Region: 7f0000004000 - 7f0000008000: |.XX.| [anon]',
    'Region: 7ffffffde000 - 800000000000: |..................................| [stack]',
  ]);
  const th = await runCli(['show', file, '--thread', '4243', '--json']);
  const j = JSON.parse(th.stdout);
  assert.equal(j.summary.faults, 3);
  assert.deepEqual(j.regions.map((x: { map: string }) => x.map), ['...X..............', '......', '......X.', '.X..', '..................................']);
  const win = JSON.parse((await runCli(['show', file, '--from', '7ms', '--to', '8ms', '--json'])).stdout);
  assert.equal(win.summary.faults, 2);
});

test('--json carries the header, the regions with their maps, the summary and no damage', async () => {
  const r = await runCli(['show', file, '--json']);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.stdout);
  assert.equal(j.header.major, 1);
  assert.equal(j.header.startMonoNs, '0x75bcd15');
  assert.equal(j.regions[0].map, 'XXXXXXXXXXXXXXXX..');
  assert.equal(j.regions[0].pages, 18);
  assert.equal(j.summary.kernel.took, 42);
  assert.equal(j.damage, null);
});

test('a truncated trace: the content before the damage is shown, one stderr line says where, exit 1', async () => {
  const cut = join(dir, 'cut.pwt');
  writeFileSync(cut, good.subarray(0, good.length - 100));
  const r = await runCli(['show', 'cut.pwt'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Region: 08048000 - 0805a000 \(  18 pages\): \|XXXXXXXXXXXXXXXX\.\.\| \/opt\/sample$/m);
  assert.match(r.stderr, /^pagewise show: cut\.pwt: stopped at offset \d+: the file ends inside a record \(\d+ bytes of it present\); the trace was cut short \(the collector died or is still writing\); what came before is shown \[TRACE_TRUNCATED\]\n$/);
  const bad = Buffer.from(good);
  bad.writeUInt16LE(3, bad.readUInt32LE(12) + 2);
  writeFileSync(cut, bad);
  const c = await runCli(['show', cut], dir);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /stopped at offset \d+: record length 3 \(type 9\) is not a positive multiple of 8.*\[TRACE_CORRUPT\]\n$/);
  assert.match(c.stdout, /\(no regions\)/);
});

test('bytes after the END record are damage too (read back from the file)', async () => {
  const extra = join(dir, 'extra.pwt');
  writeFileSync(extra, Buffer.concat([good, Buffer.alloc(24)]));
  const r = await runCli(['show', 'extra.pwt'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Region: 0805a000 - 08060000 \(   6 pages\): \|\.X\.\.\.X\| \[heap\]$/m);
  assert.equal(r.stderr, `pagewise show: extra.pwt: stopped at offset ${good.length}: 24 bytes after the END record; the trace is damaged at that offset; what came before is shown [TRACE_CORRUPT]\n`);
});

test('a trace cut inside its header: nothing to show, one line, exit 1', async () => {
  writeFileSync(join(dir, 'head.pwt'), good.subarray(0, 30));
  const r = await runCli(['show', 'head.pwt'], dir);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^pagewise show: \S*head\.pwt: header at offset 0 \(48 bytes\) lies past the end of the file \(30 bytes\); .*\[TRACE_TRUNCATED\]\n$/);
});

test('bad input: not a trace, no such file, a directory, a bad time: one line, exit 2', async () => {
  const notTrace = join(dir, 'not.pwt');
  writeFileSync(notTrace, 'hello, this is not a trace file at all\n');
  const cases: [string[], RegExp][] = [
    [['show', notTrace], /not a pagewise trace \(expected bytes 50 57 54 52 41 43 45 00 'PWTRACE', found 68 65 6c 6c 6f 2c 20 74\); .* \[TRACE_BAD_MAGIC\]\n$/],
    [['show', join(dir, 'nope.pwt')], /nope\.pwt: no such file; check the path \[FILE_NOT_FOUND\]\n$/],
    [['show', dir], /\[NOT_A_FILE\]\n$/],
    [['show', file, '--at', '12'], /--at '12' is not a time with a unit; give a time such as 12\.5ms.* \[TRACE_BAD_TIME\]\n$/],
    [['show', file, '--thread', 'x'], /--thread must be an integer, got 'x'; .*\[USAGE\]\n/],
    [['show'], /give the trace file to show/],
    [['show', file, '--from', '5ms', '--to', '1ms'], /--from 5ms is after --to 1ms/],
    [['show', '-'], /needs --follow/],
  ];
  for (const [argv, re] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stderr, re, argv.join(' '));
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const v2 = join(dir, 'v2.pwt');
  writeFileSync(v2, encodeTrace({ major: 2, minor: 0 }, []));
  const r = await runCli(['show', v2]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /trace format version 2\.0, this pagewise reads version 1\.x only; .*\[TRACE_BAD_VERSION\]\n$/);
});

test('--follow prints faults as the file grows and ends at the END record', async () => {
  const grow = join(dir, 'grow.pwt');
  writeFileSync(grow, good.subarray(0, 300));
  let done = false;
  const p = runCli(['show', '--follow', grow]).then((r) => { done = true; return r; });
  for (let o = 300; o < good.length; o += 256) {
    await sleep(40);
    assert.equal(done, false, 'must not finish before END');
    appendFileSync(grow, good.subarray(o, Math.min(good.length, o + 256)));
  }
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^following .*grow\.pwt \(pid 4242\)/);
  assert.equal(r.stdout.split('\n').filter((l) => /^ +[\d.]+(ns|us|ms|s)  tid \d+  fault [0-9a-f]+  (minor|major) (read|write|exec)/.test(l)).length, 23);
  assert.match(r.stdout, /^ +3\.000ms  \+ region 5 7f0000000000-7f0000008000 rw-p \[anon\]$/m);
  assert.match(r.stdout, /^Region: 08048000 - 0805a000 \(  18 pages\): \|XXXXXXXXXXXXXXXX\.\.\| \/opt\/sample$/m);
});

test('--follow started before the trace exists waits for the collector to create it', { skip: !existsSync(join(NATIVE, 'pagewise-tracer')) }, async () => {
  const later = join(dir, 'later.pwt');
  const p = runCli(['show', '--follow', '--top', '0', later]);
  await sleep(300);
  const t = spawnSync(join(NATIVE, 'pagewise-tracer'), ['-o', later, '--', join(NATIVE, 'workloads', 'seqscan'), '20'], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^following .*later\.pwt/);
  assert.equal(r.stderr, `pagewise show: waiting for ${later} to appear (up to 30 s)\n`);
  assert.match(r.stdout, /^Region: /m);
});

test('--follow - reads a trace from a pipe', () => {
  const r = runBin(['show', '--follow', '-'], { input: good });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^following stdin/);
  assert.match(r.stdout, /^Region: 0805a000 - 08060000 \(   6 pages\): \|\.X\.\.\.X\| \[heap\]$/m);
});

const tracer = join(NATIVE, 'pagewise-tracer');
const seqscan = join(NATIVE, 'workloads', 'seqscan');
const noTracer = !existsSync(tracer) ? `the collector is not built yet (${tracer})` : !existsSync(seqscan) ? `${seqscan} not built` : false;

test('a real trace of seqscan (pagewise-tracer) shows the 64 scanned pages, named by function', { skip: noTracer }, async () => {
  const out = join(dir, 'seq.pwt');
  const t = spawnSync(tracer, ['-o', out, '--', seqscan, '64'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(t.status, 0, t.stderr);
  const r = runBin(['show', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.damage, null);
  // the scanned array is the region with the most faults; its first 64 pages all faulted
  const hot = [...j.regions].sort((a: { faults: number }, b: { faults: number }) => b.faults - a.faults)[0];
  assert.ok(hot.touched >= 64, `touched ${hot.touched}`);
  assert.equal(hot.map[0], 'X');
  // the instruction that faults most is in main (the scan loop), named from seqscan's .symtab
  assert.match(j.summary.topIps[0].symbol, /^main\+0x[0-9a-f]+$/);
  assert.equal(j.summary.topIps[0].region, seqscan);
  // the kernel counted at least what was recorded
  assert.ok(j.summary.kernel && j.summary.kernel.took >= j.summary.recorded);
  const text = runBin(['show', out]);
  assert.match(text.stdout, /^Region: 00400000 - 00401000 \(   1 pages\): \|X\| .*seqscan$/m);
  assert.match(text.stdout, /^Region: [0-9a-f]{8,} - [0-9a-f]{8,} \( *\d+ pages\): \|[X.]+\| \[stack\]$/m);
});

test('pagewise-tracer -o - piped into show --follow - prints faults live and the map at the end', { skip: noTracer }, () => {
  const bin = join(NATIVE, '..', '..', 'dist', 'src', 'cli', 'bin.js');
  const r = spawnSync('sh', ['-c', `"${tracer}" -o - -- "${seqscan}" 64 2>/dev/null | "${process.execPath}" "${bin}" show --follow -`], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^following stdin/);
  assert.ok(r.stdout.split('\n').filter((l) => /  tid \d+  fault [0-9a-f]+  /.test(l)).length >= 64);
  assert.match(r.stdout, /^Region: [0-9a-f]{8,} - [0-9a-f]{8,} \( *\d+ pages\): \|[X.]+\| /m);
});

const threads = join(NATIVE, 'workloads', 'threads');
test('a real trace of the threads workload: faults per thread add up, --thread picks one', { skip: noTracer || (existsSync(threads) ? false : `${threads} not built`) }, () => {
  const out = join(dir, 'thr.pwt');
  const t = spawnSync(tracer, ['-o', out, '--', threads, '4', '64'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(t.status, 0, t.stderr);
  const j = JSON.parse(runBin(['show', out, '--json']).stdout);
  const per = j.summary.threads as { tid: number; faults: number }[];
  assert.ok(per.length >= 5, `main + 4 workers, got ${per.length}`);
  // each worker writes 64 pages of its slice of a bss array; worker 0's first page shares a page with
  // data the main thread touched already, so it may take 63
  assert.ok(per.filter((x) => x.faults >= 63).length >= 4, JSON.stringify(per));
  assert.ok(per.filter((x) => x.faults >= 64).length >= 3, JSON.stringify(per));
  assert.equal(per.reduce((s, x) => s + x.faults, 0), j.summary.faults);
  const one = JSON.parse(runBin(['show', out, '--json', '--thread', String(per[0].tid)]).stdout);
  assert.equal(one.summary.faults, per[0].faults);
  assert.deepEqual(one.summary.threads.map((x: { tid: number }) => x.tid), [per[0].tid]);
  assert.equal(one.regions.reduce((s: number, r: { faults: number }) => s + r.faults, 0) + one.summary.outside, per[0].faults);
});
