/**
 * `pagewise trace` as an ordinary user (pagewise-test, via runuser when the tests run as root) at the
 * machine's perf_event_paranoid: what the kernel lets a user see. At paranoid 2 faults taken inside
 * system calls are hidden: the trace says so (no F_KERNEL flag) and its COUNTS record still carries the
 * process's total from its resource usage, so a reader can tell how many faults it could not record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FAULT_IN_KERNEL, FAULT_KIND_MASK, F_ACCESS, F_KERNEL, type Trace } from '../../src/trace/format.js';
import { readTrace } from '../../src/trace/read.js';
import { BIN_REL, NATIVE, needs, packageCopyForUser, runAsUser, unprivilegedSkip } from '../helpers/cli.js';

const paranoid = Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8'));
const skip = unprivilegedSkip() || (existsSync(join(NATIVE, 'pagewise-tracer')) ? false : 'pagewise-tracer not built') ||
  (paranoid > 2 ? `kernel.perf_event_paranoid is ${paranoid}: ordinary users may not use perf events (lower it to 2)` : false);

let n = 0;
function setup() {
  const root = packageCopyForUser();
  return { root, bin: join(root, BIN_REL), w: (name: string) => join(root, 'native', 'build', 'workloads', name), out: () => join(root, `user${n++}.pwt`) };
}

function perfFaults(t: Trace): number {
  let k = 0;
  for (let i = 0; i < t.faults.count; i++) if ((t.faults.flags[i] & FAULT_KIND_MASK) !== 0) k++;
  return k;
}

test('as an ordinary user: every user-mode fault is recorded, the trace says kernel-mode faults were not visible', { skip }, () => {
  const { bin, w, out } = setup();
  const o = out();
  const r = runAsUser(['node', bin, 'trace', '-o', o, '--', w('seqscan'), '2000']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^seqscan: 2000 pages/);
  const st = statSync(o);
  assert.equal(st.mode & 0o777, 0o600);
  assert.notEqual(st.uid, 0, 'written by the user');
  const t = readTrace(o);
  assert.equal(t.damage, null);
  assert.equal(t.end?.lost, 0);
  assert.equal(perfFaults(t), t.counts[0].counted, 'the trace holds every fault the counter saw');
  if (paranoid >= 2) {
    assert.equal(t.header.flags & F_KERNEL, 0, 'no F_KERNEL at paranoid 2');
    assert.equal(t.header.info.kernel_faults, false);
    assert.match(r.stderr, /user-mode faults only/);
  }
  assert.ok(t.counts[0].minor >= t.counts[0].counted!, 'rusage counts at least what was recorded');
});

test('as an ordinary user: faults inside read() are invisible, and COUNTS shows how many', { skip: skip || needs('dd', 'coreutils') || (paranoid < 2 ? 'paranoid < 2 shows them' : false) }, () => {
  const { bin, out } = setup();
  const o = out();
  const r = runAsUser(['node', bin, 'trace', '-q', '-o', o, '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=4M', 'count=1']);
  assert.equal(r.code, 0, r.stderr);
  const t = readTrace(o);
  for (let i = 0; i < t.faults.count; i++) assert.equal(t.faults.flags[i] & FAULT_IN_KERNEL, 0);
  const c = t.counts[0];
  assert.equal(perfFaults(t), c.counted);
  assert.ok(c.minor + c.major - c.counted! >= 1000, `took ${c.minor + c.major}, recorded ${c.counted}: the 1024 pages read() filled are missing`);
});

test('as an ordinary user: -p of a process of another user is refused with the reason', { skip }, () => {
  const { bin, out } = setup();
  const r = runAsUser(['node', bin, 'trace', '-o', out(), '-p', '1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pagewise trace: cannot trace process 1 \(PTRACE_SEIZE: EPERM\): it is not your process \(it runs as uid 0; you are uid \d+\); trace only processes you own, or run pagewise as root \(or as that user\) \[TRACE_PTRACE_DENIED\]\n$/);
});

test('as an ordinary user: -p of one\'s own set-user-ID program is refused as such; tracepgfault says the same', { skip }, () => {
  const { root, bin, w, out } = setup();
  const suid = join(root, 'suid-sleep');
  copyFileSync('/bin/sleep', suid);
  chownSync(suid, 0, 0);
  chmodSync(suid, 0o4755);
  const script = `${suid} 3 & S=$!; sleep 0.2; node ${bin} trace -o ${out()} -p $S; echo "rc=$?"; ${join(root, 'bin', 'tracepgfault')} ${out()} ${w('exitnow')}; echo "rc=$?"; kill $S`;
  const r = runAsUser(['sh', '-c', script]);
  assert.match(r.stderr, /^pagewise trace: cannot trace process \d+ \(PTRACE_SEIZE: EPERM\): it is not your process \(it runs as uid \d+, effective uid 0: a set-user-ID program; you are uid \d+\); trace only processes you own/m);
  assert.match(r.stdout, /rc=2\nrc=0\n/, 'refused with 2; tracepgfault of an ordinary program works as the user');
  assert.match(r.stderr, /^tracepgfault: \d+ faults recorded .* user-mode faults only/m);
});

test('as an ordinary user: -p of one\'s own running process, stopped by SIGINT', { skip }, () => {
  const { bin, w, out } = setup();
  const o = out();
  const script = `${w('counter')} 50 >/dev/null & C=$!; sleep 0.2; node ${bin} trace -q -o ${o} -p $C & T=$!; sleep 0.8; kill -INT $T; wait $T; echo "rc=$?"; kill $C`;
  const r = runAsUser(['sh', '-c', script]);
  assert.match(r.stdout, /rc=0/, r.stderr);
  const t = readTrace(o);
  assert.equal(t.damage, null);
  assert.equal(t.header.info.mode, 'attach');
  assert.equal(perfFaults(t), t.counts[0].counted);
});

test('as an ordinary user: --access is not available; a warning says so and the trace is still written', { skip }, () => {
  const { bin, w, out } = setup();
  const o = out();
  const r = runAsUser(['node', bin, 'trace', '-q', '--access', '-o', o, '--', w('seqscan'), '50']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^pagewise trace: --access: the exceptions:page_fault_\* tracepoints are not available/m);
  const t = readTrace(o);
  assert.equal(t.header.flags & F_ACCESS, 0);
  assert.equal(perfFaults(t), t.counts[0].counted);
});
