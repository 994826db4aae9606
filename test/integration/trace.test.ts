/**
 * `pagewise trace` against the kernel's own counters and the direct run, on real programs: every fault
 * the perf counter counted is a FAULT record (and, where kernel-mode faults are visible, as root here,
 * the process's resource usage agrees but for the few faults between fork and exec); the program's
 * output and exit status are unchanged; threads, children (-f), exec, a crash, streaming to stdout,
 * attaching to a running process, and the region records replaying to the program's own final
 * /proc/self/maps. The unprivileged path is in trace-user.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTrace, faultAccessName, FAULT_IN_KERNEL, FAULT_KIND_MASK, F_ACCESS, F_FOLLOW, F_KERNEL, PROT_EXEC, protString, type Trace } from '../../src/trace/format.js';
import { readTrace } from '../../src/trace/read.js';
import { replayRegions } from '../../src/trace/regions.js';
import { viewTrace } from '../../src/trace/view.js';
import { BIN, FIXTURES, NATIVE, needs, ROOT, runBin, runCli } from '../helpers/cli.js';

const W = (name: string) => join(NATIVE, 'workloads', name);
const TRACER = join(NATIVE, 'pagewise-tracer');
const tmp = mkdtempSync(join(tmpdir(), 'pw-trace-'));
let n = 0;
const out = () => join(tmp, `t${n++}.pwt`);
const isRoot = process.getuid?.() === 0;
const noTracer = existsSync(TRACER) ? false : `${TRACER} not built (make -C native)`;

/** Faults from perf (kind minor or major), as opposed to the fatal ones seen through ptrace (kind 0). */
function perfFaults(t: Trace): number {
  let k = 0;
  for (let i = 0; i < t.faults.count; i++) if ((t.faults.flags[i] & FAULT_KIND_MASK) !== 0) k++;
  return k;
}

/** Checks every complete trace must pass; returns the main COUNTS record. */
function complete(t: Trace) {
  assert.equal(t.damage, null, `damage: ${JSON.stringify(t.damage)}`);
  assert.ok(t.end, 'an END record');
  assert.equal(t.end.faults, t.faults.count, 'END counts the FAULT records');
  assert.equal(t.end.lost, 0, 'no lost samples');
  assert.equal(t.lost.length, 0);
  assert.equal(t.counts.length, 1);
  const c = t.counts[0];
  assert.notEqual(c.counted, null, 'the perf counter was read');
  assert.equal(perfFaults(t), c.counted, 'every fault the kernel counted is in the trace');
  assert.deepEqual(replayRegions(t.regions).anomalies, [], 'the region records replay cleanly');
  return c;
}

function direct(argv: string[]) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return { stdout: r.stdout, code: r.signal === 'SIGSEGV' ? 139 : r.status };
}

test('seqscan: the trace holds every fault the kernel counted; output and status as the direct run', { skip: noTracer }, () => {
  const o = out();
  const argv = [W('seqscan'), '3000'];
  const r = runBin(['trace', '-o', o, '--', ...argv]);
  const d = direct(argv);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, d.stdout);
  assert.match(r.stderr, /^pagewise trace: \d+ faults recorded \(kernel counted \d+\), 0 lost/m);
  assert.equal(statSync(o).mode & 0o777, 0o600, 'the trace is private');
  const t = readTrace(o);
  const c = complete(t);
  assert.deepEqual(t.header.info.argv, argv);
  assert.equal(t.header.info.mode, 'command');
  assert.equal(t.tasks[0].kind, 1, 'TASK start first');
  assert.equal(t.tasks.at(-1)?.kind, 5, 'TASK exit last');
  // 3000 pages written then read: one fault per page of the array, all in one region
  const big = replayRegions(t.regions).live.find((x) => x.end - x.start >= 1 << 30);
  assert.ok(big, 'the 1 GiB bss region');
  const pages = new Set<number>();
  for (let i = 0; i < t.faults.count; i++) if (t.faults.region[i] === big.id) pages.add(Math.floor(t.faults.addr[i] / 4096));
  assert.ok(pages.size >= 3000 && pages.size <= 3010, `pages of the array that faulted: ${pages.size}`);
  if (isRoot) {
    assert.ok(t.header.flags & F_KERNEL, 'root sees kernel-mode faults');
    const total = c.minor + c.major;
    assert.ok(total >= c.counted! && total - c.counted! <= 64, `rusage ${total} vs counted ${c.counted}: only the faults before exec differ`);
  }
});

test('a read() into a fresh buffer: as root the faults inside the system call are recorded, flagged kernel-mode', {
  skip: noTracer || (isRoot ? false : 'needs root (or perf_event_paranoid <= 1)') || needs('dd', 'coreutils'),
}, () => {
  const o = out();
  const r = runBin(['trace', '-q', '-o', o, '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=4M', 'count=1']);
  assert.equal(r.code, 0, r.stderr);
  const t = readTrace(o);
  const c = complete(t);
  let kernel = 0;
  for (let i = 0; i < t.faults.count; i++) if (t.faults.flags[i] & FAULT_IN_KERNEL) kernel++;
  assert.ok(kernel >= 1000, `faults inside read(): ${kernel} (4 MiB = 1024 pages)`);
  assert.ok(c.minor + c.major - c.counted! <= 64);
});

test('python3, busybox sort and sqlite3: trace count == the kernel counter (and rusage but for the start-up)', { skip: noTracer }, (t) => {
  const progs: [string, string[], string | false][] = [
    ['python3', ['/usr/bin/python3', '-c', 'import json; print(len(json.dumps(list(range(100000)))))'], existsSync('/usr/bin/python3') ? false : 'no /usr/bin/python3'],
    ['busybox sort', ['/bin/busybox', 'sort', '/etc/services'], existsSync('/bin/busybox') && existsSync('/etc/services') ? false : 'no busybox or /etc/services'],
    ['sqlite3', ['sqlite3', ':memory:', 'create table t(x); insert into t select value from generate_series(1,20000); select sum(x) from t;'], needs('sqlite3')],
  ];
  for (const [name, argv, skip] of progs) {
    if (skip) { t.diagnostic(`${name}: skipped: ${skip}`); continue; }
    const o = out();
    const r = runBin(['trace', '-q', '-o', o, '--', ...argv]);
    assert.equal(r.code, direct(argv).code, `${name}: ${r.stderr}`);
    const c = complete(readTrace(o));
    if (isRoot) assert.ok(c.minor + c.major - c.counted! <= 64 && c.minor + c.major >= c.counted!, `${name}: rusage ${c.minor + c.major}, counted ${c.counted}`);
  }
});

test('threads: a TASK clone record per thread, faults from every thread, none lost', { skip: noTracer }, () => {
  const o = out();
  const r = runBin(['trace', '-q', '-o', o, '--', W('threads'), '4', '1000']);
  assert.equal(r.code, 0, r.stderr);
  const t = readTrace(o);
  complete(t);
  const clones = t.tasks.filter((x) => x.kind === 3);
  assert.equal(clones.length, 4);
  const main = t.tasks[0].pid;
  for (const c of clones) assert.equal(c.pid, main, 'a thread of the main process');
  const tids = new Set<number>();
  for (let i = 0; i < t.faults.count; i++) tids.add(t.faults.tid[i]);
  for (const c of clones) assert.ok(tids.has(c.tid), `faults of thread ${c.tid}`);
  assert.equal(t.tasks.filter((x) => x.kind === 5).length, 5, 'five exits');
});

test('nullderef: exit 139 like the direct run; the fatal fault at address 0 is recorded (kind unknown)', { skip: noTracer }, () => {
  const o = out();
  const r = runBin(['trace', '-q', '-o', o, '--', W('nullderef')]);
  assert.equal(r.code, 139);
  assert.equal(r.code, direct([W('nullderef')]).code);
  const t = readTrace(o);
  complete(t);
  const fatal = [...Array(t.faults.count).keys()].filter((i) => (t.faults.flags[i] & FAULT_KIND_MASK) === 0);
  assert.equal(fatal.length, 1);
  assert.equal(t.faults.addr[fatal[0]], 0);
  assert.equal(t.faults.region[fatal[0]], 0, 'no region holds address 0');
  const exit = t.tasks.at(-1)!;
  assert.equal(exit.kind, 5);
  assert.equal(exit.status & 0x7f, 11, 'killed by SIGSEGV');
});

test("-f: sh -c 'ls; ls' records both children (fork, exec, exit) and their faults; without -f only sh's", { skip: noTracer || needs('ls') }, () => {
  const o = out();
  const r = runBin(['trace', '-q', '-f', '-o', o, '--', 'sh', '-c', 'ls / >/dev/null; ls / >/dev/null']);
  assert.equal(r.code, 0, r.stderr);
  const t = readTrace(o);
  complete(t);
  assert.ok(t.header.flags & F_FOLLOW);
  const forks = t.tasks.filter((x) => x.kind === 2);
  assert.equal(forks.length, 2, 'two children');
  for (const f of forks) {
    assert.ok(t.tasks.some((x) => x.kind === 4 && x.tid === f.tid), `child ${f.tid} exec'd`);
    assert.ok(t.tasks.some((x) => x.kind === 5 && x.tid === f.tid), `child ${f.tid} exited`);
    let k = 0;
    for (let i = 0; i < t.faults.count; i++) if (t.faults.tid[i] === f.tid) k++;
    assert.ok(k > 20, `faults of ls (${f.tid}): ${k}`);
  }
  const o2 = out();
  assert.equal(runBin(['trace', '-q', '-o', o2, '--', 'sh', '-c', 'ls / >/dev/null; ls / >/dev/null']).code, 0);
  const t2 = readTrace(o2);
  complete(t2);
  assert.equal(t2.tasks.filter((x) => x.kind === 2).length, 0);
  const sh = t2.tasks[0].pid;
  for (let i = 0; i < t2.faults.count; i++) assert.equal(t2.faults.tid[i], sh);
});

test('-f: each process has its own regions (SPACE records): a child\'s copy at fork, its exec, its exit; faults land in their own process\'s regions', { skip: noTracer }, async () => {
  const o = out();
  const r = runBin(['trace', '-q', '-f', '-o', o, '--', 'sh', '-c', `${W('seqscan')} 300 >/dev/null; true`]);
  assert.equal(r.code, 0, r.stderr);
  const t = readTrace(o);
  complete(t);
  assert.equal(t.header.minor, 1);
  const sh = t.tasks[0].pid;
  const child = t.tasks.find((x) => x.kind === 2)!.tid;
  const all = replayRegions(t.regions).all;
  const mine = (pid: number) => all.filter((x) => x.pid === pid);
  assert.ok(mine(sh).some((x) => /\/(da)?sh$/.test(x.name)), 'the shell\'s own regions');
  const copied = mine(child).filter((x) => x.cause === 7);
  assert.ok(copied.some((x) => /\/(da)?sh$/.test(x.name)), 'at fork the child gets a copy of the shell\'s layout');
  const exec = t.tasks.find((x) => x.kind === 4 && x.tid === child)!;
  for (const x of copied) assert.equal(x.removed, exec.t, 'the copy ends at the exec');
  const exited = t.tasks.find((x) => x.kind === 5 && x.tid === child)!;
  const scan = mine(child).filter((x) => x.cause === 5);
  assert.ok(scan.some((x) => x.name === W('seqscan')), 'the exec maps seqscan in the child\'s space');
  for (const x of scan) assert.equal(x.removed, exited.t, 'the child\'s regions end when it exits');
  // seqscan's 300 pages of bss are faults of the child, in the child's bss region
  const v = (await viewTrace(t, { symbols: false })).attribution; // the whole-trace view, as show computes it
  const bss = v.regions.find((rf) => rf.region.pid === child && rf.region.name === '' && rf.faults >= 300);
  assert.ok(bss, 'the scanned bss region of the child holds its 300 faults');
  assert.ok(!v.regions.some((rf) => rf.region.pid === sh && rf.faults > 0 && rf.region.name === W('seqscan')), 'no fault of the child lands in the shell\'s regions');
  assert.ok(v.outside <= 10, `${v.outside} faults outside every region (the exec's own, before the new layout)`);
  const shown = runBin(['show', o, '--top', '0']);
  assert.match(shown.stdout, new RegExp(`^Process ${sh} \\(traced\\):$[^]*^Process ${child}:$`, 'm'));
  const html = join(tmp, 'f-report.html');
  assert.equal(runBin(['report', o, '-o', html]).code, 0);
  assert.ok(readFileSync(html, 'utf8').includes(`[pid ${child}] ${W('seqscan')}`), 'the report labels each region with its process');
});

test('exec: the main process exec\'ing replaces the layout (cause exec) and is a TASK exec record', { skip: noTracer }, () => {
  const o = out();
  const r = runBin(['trace', '-q', '-o', o, '--', 'sh', '-c', `true; exec ${W('seqscan')} 10`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^seqscan: 10 pages/);
  const t = readTrace(o);
  complete(t);
  assert.equal(t.tasks.filter((x) => x.kind === 4).length, 1);
  const adds = t.regions.filter((e) => e.type === 'regionAdd' && e.cause === 5);
  assert.ok(adds.some((e) => e.type === 'regionAdd' && e.name === W('seqscan')), 'the new program mapped by exec');
  const live = replayRegions(t.regions).live;
  assert.ok(!live.some((x) => x.name.endsWith('/sh') || x.name.endsWith('/dash')), 'nothing of sh survives the exec');
});

test('region records replay to exactly the final /proc/self/maps (split, merge, prot, mremap, brk, files)', { skip: noTracer || needs('gcc') }, () => {
  const exe = join(tmp, 'trace-regions');
  const cc = spawnSync('gcc', ['-O2', '-static', '-o', exe, join(FIXTURES, 'programs', 'trace-regions.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const o = out();
  const r = runBin(['trace', '-q', '-o', o, '--', exe]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const t = readTrace(o);
  complete(t);
  const kinds = new Set(t.regions.map((e) => e.type));
  for (const k of ['regionAdd', 'regionResize', 'regionSplit', 'regionMerge', 'regionProt']) assert.ok(kinds.has(k as never), `a ${k} record`);
  const hex = (v: number) => v.toString(16).padStart(8, '0');
  const got = replayRegions(t.regions).live.map((x) => `${hex(x.start)}-${hex(x.end)} ${protString(x.prot)} ${x.name}`);
  const want = r.stdout.trim().split('\n').map((l) => {
    const f = l.split(/\s+/);
    return `${f[0]} ${f[1]} ${f.slice(5).join(' ')}`;
  });
  assert.deepEqual(got, want);
});

test('-o - streams the trace to stdout (the program\'s output goes to stderr); it decodes complete', { skip: noTracer }, () => {
  const r = spawnSync(process.execPath, [BIN, 'trace', '-q', '-o', '-', '--', W('seqscan'), '500'], { maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, String(r.stderr));
  assert.match(String(r.stderr), /^seqscan: 500 pages/m);
  const t = decodeTrace(r.stdout as Buffer);
  complete(t);
  assert.ok(t.faults.count >= 500);
});

test('-p PID: attaches to a running process, Ctrl-C detaches and finishes the trace; the process runs on', { skip: noTracer }, async () => {
  const target = spawn(W('counter'), ['50'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let printed = '';
  target.stdout.on('data', (b: Buffer) => (printed += b));
  await new Promise((res) => setTimeout(res, 200));
  const o = out();
  const tr = spawn(process.execPath, [BIN, 'trace', '-q', '-o', o, '-p', String(target.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  tr.stderr.on('data', (b: Buffer) => (err += b));
  await new Promise((res) => setTimeout(res, 700));
  tr.kill('SIGINT');
  const code = await new Promise<number | null>((res) => tr.on('close', (c) => res(c)));
  assert.equal(code, 0, err);
  const status = readFileSync(`/proc/${target.pid}/status`, 'utf8');
  assert.match(status, /^TracerPid:\s+0$/m, 'detached');
  const before = printed.length;
  await new Promise((res) => setTimeout(res, 250));
  assert.ok(printed.length > before, 'still printing after the detach');
  target.kill('SIGKILL');
  const t = readTrace(o);
  assert.equal(t.damage, null);
  assert.ok(t.end);
  assert.equal(t.header.info.mode, 'attach');
  assert.equal(t.header.info.pid, target.pid);
  assert.deepEqual(t.header.info.argv, [W('counter'), '50'], 'argv from /proc/PID/cmdline');
  assert.equal(t.tasks[0].kind, 1);
  assert.equal(t.tasks[0].parent, process.pid, 'TASK start names the real parent');
  assert.ok(replayRegions(t.regions).live.some((x) => x.name === W('counter')), 'the initial layout');
  assert.equal(perfFaults(t), t.counts[0].counted);
});

const TRACEPGFAULT = join(ROOT, 'bin', 'tracepgfault');

test('tracepgfault OUTFILE CMD ARGS: the collector alone, the same trace and summary as pagewise trace', { skip: noTracer }, async () => {
  const o = out();
  const r = spawnSync(TRACEPGFAULT, [o, W('seqscan'), '20'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^seqscan: 20 pages/);
  const t = readTrace(o);
  complete(t);
  assert.equal(statSync(o).mode & 0o777, 0o600);
  assert.deepEqual(t.header.info.argv, [W('seqscan'), '20']);
  const summary = new RegExp(`^tracepgfault: ${t.end!.faults} faults recorded \\(kernel counted ${t.counts[0].counted}\\), 0 lost, .*; trace in ${o}; exit 0\n$`);
  assert.match(r.stderr, summary);
  const viaNode = await runCli(['trace', '-o', out(), '--', W('seqscan'), '20']);
  assert.match(viaNode.stderr, /^pagewise trace: \d+ faults recorded \(kernel counted \d+\), 0 lost, .*; exit 0\n$/);
  // the program's status and death by signal pass through
  assert.equal(spawnSync(TRACEPGFAULT, [out(), 'sh', '-c', 'exit 7']).status, 7);
  assert.equal(spawnSync(TRACEPGFAULT, [out(), W('nullderef')]).status, 128 + 11);
  const help = spawnSync(TRACEPGFAULT, ['--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: tracepgfault OUTFILE CMD \[ARGS\.\.\.\]\n[^]*example: tracepgfault /);
});

test('tracepgfault bad input: one coded line, exit 2, an existing trace file left as it was', { skip: noTracer }, () => {
  const o = out();
  assert.equal(spawnSync(TRACEPGFAULT, [o, W('seqscan'), '5']).status, 0);
  const before = readFileSync(o);
  const cases: [string[], RegExp][] = [
    [[o], /^tracepgfault: give the output file and the command to trace; usage: tracepgfault OUTFILE CMD \[ARGS\.\.\.\] \[USAGE\]\n$/],
    [[], /\[USAGE\]\n$/],
    [[o, 'no-such-command-pw'], /^tracepgfault: command not found: no-such-command-pw \[TRACE_COMMAND_NOT_FOUND\]\n$/],
    [[o, '/etc/passwd'], /^tracepgfault: cannot run \/etc\/passwd: EACCES \[TRACE_EXEC_FAILED\]\n$/],
    [[join(tmp, 'no-such-dir', 'x.pwt'), 'true'], /^tracepgfault: cannot create .*no-such-dir\/x\.pwt: ENOENT \[WRITE_FAILED\]\n$/],
  ];
  for (const [args, re] of cases) {
    const r = spawnSync(TRACEPGFAULT, args, { encoding: 'utf8' });
    assert.equal(r.status, 2 - (re.source.includes('WRITE_FAILED') ? 1 : 0), `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.deepEqual(readFileSync(o), before, 'a failed start never replaces a good trace');
  assert.deepEqual(readdirSync(tmp).filter((f) => f.includes('.pagewise-')), [], 'no temporary file left behind');
});

test('-p of a process that is already traced names the tracer (native/tracer/diagnose.c)', { skip: noTracer }, async () => {
  const target = spawn('sleep', ['5'], { stdio: 'ignore' });
  const first = spawn(TRACER, ['-o', out(), '-p', String(target.pid)], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50 && !/TracerPid:\s+[1-9]/.test(readFileSync(`/proc/${target.pid}/status`, 'utf8')); i++) await sleep(20);
    const r = await runCli(["trace", "-o", out(), "-p", String(target.pid)]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `pagewise trace: cannot trace process ${target.pid} (PTRACE_SEIZE: EPERM): it is already traced by process ${first.pid}; ` +
      'a process has one tracer at a time: stop the other tracer (strace, gdb, perf trace ...) first [TRACE_PTRACE_DENIED]\n');
    const classic = spawnSync(TRACER, ['-o', out(), '-p', String(target.pid)], { encoding: 'utf8' });
    assert.match(classic.stderr, /^pagewise-tracer: cannot trace process \d+ \(PTRACE_SEIZE: EPERM\): it is already traced by process \d+; a process has one tracer/);
  } finally {
    first.kill('SIGINT');
    target.kill('SIGKILL');
  }
});

test('bad input: one line naming the problem, exit 2, exact codes; no trace file left behind', { skip: noTracer }, () => {
  const cases: [string[], number, RegExp][] = [
    [['trace', '-o', out(), '--', 'no-such-command-pw'], 2, /^pagewise trace: command not found: no-such-command-pw; .* \[TRACE_COMMAND_NOT_FOUND\]\n$/],
    [['trace', '-o', out(), '--', '/etc/passwd'], 2, /^pagewise trace: cannot run \/etc\/passwd: EACCES; .* \[TRACE_EXEC_FAILED\]\n$/],
    [['trace', '-o', out(), '-p', '0'], 2, /^pagewise trace: --pid must be between 1 and 1073741823, got 0; .* \[USAGE\]\n/],
    [['trace', '-o', out(), '-p', '4000000'], 2, /^pagewise trace: no process 4000000; .* \[TRACE_NO_SUCH_PID\]\n$/],
    [['trace', '-o', join(tmp, 'no', 'such', 'dir.pwt'), '--', 'true'], 1, /^pagewise trace: cannot create .*dir\.pwt: ENOENT; .* \[WRITE_FAILED\]\n$/],
    [['trace', '-o', out()], 2, /give the command to trace after --, or -p PID; .* \[USAGE\]\n/],
    [['trace', '-o', out(), '-p', '1', '--', 'true'], 2, /give either -p PID or a command, not both; .* \[USAGE\]\n/],
    [['trace', '--ring-pages', '100', '--', 'true'], 2, /--ring-pages must be a power of two, got 100; .* \[USAGE\]\n/],
  ];
  for (const [argv, code, re] of cases) {
    const r = runBin(argv);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, argv.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const o = argv[argv.indexOf('-o') + 1];
    if (argv.includes('-o')) assert.ok(!existsSync(o), `${o} not left behind`);
  }
});

test('the collector alone: usage errors and a refused exec name themselves', { skip: noTracer }, () => {
  const r = spawnSync(TRACER, ['-o', out()], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^pagewise-tracer: no command given; usage: pagewise-tracer /);
  const e = spawnSync(TRACER, ['-o', out(), '--', '/etc/passwd'], { encoding: 'utf8' });
  assert.equal(e.status, 2);
  assert.equal(e.stderr, 'pagewise-tracer: cannot run /etc/passwd: EACCES [TRACE_EXEC_FAILED]\n');
});

test('samples the kernel drops are LOST records: recorded + lost == counted (a stopped collector, a small ring)', { skip: noTracer }, async () => {
  let lost = 0;
  for (let attempt = 0; attempt < 3 && lost === 0; attempt++) {
    const o = out();
    const tr = spawn(TRACER, ['--ring-pages', '8', '-o', o, '--', W('seqscan'), '262144'], { stdio: 'ignore' });
    // wait until faults are being written (the scan runs, no system call of it needs the collector), then stop it
    for (let i = 0; i < 200 && (!existsSync(o) || statSync(o).size < 64 * 1024); i++) await sleep(10);
    tr.kill('SIGSTOP');
    await sleep(300);
    tr.kill('SIGCONT');
    assert.equal(await new Promise((res) => tr.on('close', res)), 0);
    const t = readTrace(o);
    assert.equal(t.damage, null);
    const sum = t.lost.reduce((a, l) => a + l.count, 0);
    assert.equal(t.end?.lost, sum, 'END totals the LOST records');
    assert.equal(perfFaults(t) + sum, t.counts[0].counted, 'recorded + lost == the kernel counter');
    lost = sum;
  }
  assert.ok(lost > 0, 'the kernel dropped samples while the collector was stopped');
  // The scan ends while the collector is stopped: the kernel reports its drops only before a later record,
  // if any comes; otherwise the collector records the difference to the counter as a final LOST (tid 0).
  const o = out();
  const tr = spawn(TRACER, ['--ring-pages', '8', '-o', o, '--', W('seqscan'), '20000'], { stdio: 'ignore' });
  for (let i = 0; i < 1000 && (!existsSync(o) || statSync(o).size < 16384); i++) await sleep(1);
  tr.kill('SIGSTOP');
  await sleep(600);
  tr.kill('SIGCONT');
  assert.equal(await new Promise((res) => tr.on('close', res)), 0);
  const t = readTrace(o);
  const sum = t.lost.reduce((a, l) => a + l.count, 0);
  assert.ok(sum > 0, `LOST records: ${JSON.stringify(t.lost)}`);
  assert.equal(perfFaults(t) + sum, t.counts[0].counted);
  assert.equal(t.end?.lost, sum);
});

test('in-process (the CLI with collecting streams): the program\'s output reaches the command\'s stdout', { skip: noTracer }, async () => {
  const o = out();
  const r = await runCli(['trace', '-o', o, '--', W('seqscan'), '10']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^seqscan: 10 pages, checksum [0-9a-f]{16}\n$/);
  assert.match(r.stderr, /^pagewise trace: \d+ faults recorded/);
  complete(readTrace(o));
});

test('--access (root): every fault gets its access kind from the page-fault tracepoints', {
  skip: noTracer || (isRoot ? false : 'needs root (or CAP_PERFMON)') ||
    (existsSync('/sys/kernel/tracing/events/exceptions/page_fault_user') || existsSync('/sys/kernel/debug/tracing/events/exceptions/page_fault_user') ? false : 'tracefs is not mounted'),
}, () => {
  const o = out();
  const r = runBin(['trace', '-q', '--access', '-o', o, '--', W('seqscan'), '2000']);
  assert.equal(r.code, 0, r.stderr);
  const t = readTrace(o);
  complete(t);
  assert.ok(t.header.flags & F_ACCESS);
  const regions = replayRegions(t.regions).all;
  const big = regions.find((x) => x.end - x.start >= 1 << 30)!;
  let writes = 0;
  for (let i = 0; i < t.faults.count; i++) {
    const kind = faultAccessName(t.faults.flags[i]);
    assert.notEqual(kind, '?', `fault ${i} at 0x${t.faults.addr[i].toString(16)} has an access kind`);
    if (t.faults.region[i] === big.id && kind === 'write') writes++;
    const reg = regions.find((x) => x.id === t.faults.region[i]);
    if (kind === 'exec') assert.ok(reg && reg.prot & PROT_EXEC, 'instruction fetches are in executable regions');
  }
  assert.ok(writes >= 2000, `the scan's first touches are writes: ${writes}`);
});
