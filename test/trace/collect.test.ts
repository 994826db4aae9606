/**
 * The pure parts of the collector's TypeScript side: permission diagnosis from /proc facts, the
 * collector's report lines, command resolution, and the argument splitting of `pagewise trace` and
 * `tracepgfault`. No process is traced here (test/integration/trace*.test.ts does that).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectorError, diagnosePerf, diagnosePtrace, parseReport, resolveCommand, type PtraceFacts } from '../../src/trace/collect.js';
import { splitCommand, tracepgfaultArgv } from '../../src/cli/commands/trace.js';

const facts = (f: Partial<PtraceFacts>): PtraceFacts => ({
  pid: 42, ourUid: 1000, targetUids: [1000, 1000, 1000, 1000], tracerPid: 0, yamaScope: null, errno: 'EPERM', ...f,
});

test('diagnosePtrace: already traced, another user, a set-user-ID program, Yama scopes, not dumpable, root', () => {
  assert.match(diagnosePtrace(facts({ tracerPid: 77 })).message, /already traced by process 77/);
  const other = diagnosePtrace(facts({ targetUids: [0, 0, 0, 0] }));
  assert.match(other.message, /not your process \(it runs as uid 0; you are uid 1000\)/);
  assert.match(other.hint, /processes you own/);
  assert.match(diagnosePtrace(facts({ targetUids: [1000, 0, 0, 0] })).message, /effective uid 0: a set-user-ID program/);
  const yama1 = diagnosePtrace(facts({ yamaScope: 1 }));
  assert.match(yama1.message, /ptrace_scope is 1 \(only a parent may trace its descendants\)/);
  assert.match(yama1.hint, /sysctl -w kernel.yama.ptrace_scope=0/);
  assert.match(diagnosePtrace(facts({ yamaScope: 3 })).hint, /cannot be lowered until reboot/);
  assert.match(diagnosePtrace(facts({})).message, /not dumpable/);
  assert.match(diagnosePtrace(facts({ ourUid: 0, targetUids: [5, 5, 5, 5] })).hint, /security module/);
});

test('diagnosePerf: paranoid above 2 says how to lower it; at 2 or below it points elsewhere', () => {
  const d = diagnosePerf(3, 1000, 'EACCES');
  assert.match(d.message, /perf_event_paranoid is 3/);
  assert.match(d.hint, /^lower kernel.perf_event_paranoid to 2 \(sysctl -w kernel.perf_event_paranoid=2\)/);
  assert.match(diagnosePerf(2, 1000, 'EACCES').hint, /seccomp profile/);
  assert.match(diagnosePerf(null, 0, 'ENOENT').message, /perf_event_open: ENOENT/);
});

test('parseReport keeps the JSON event lines in order and ignores the rest', () => {
  const r = parseReport('{"event":"started","pid":5}\nnoise\n{"x":1}\n{"event":"done","status":0,"exit":0,"faults":3,"lost":0,"counted":3}\n');
  assert.deepEqual(r.map((l) => l.event), ['started', 'done']);
  assert.equal(r[1].faults, 3);
});

test('collectorError maps the collector codes, unknown codes to TRACE_START_FAILED', () => {
  assert.equal(collectorError({ event: 'error', code: 'TRACE_COMMAND_NOT_FOUND', errno: 'ENOENT', message: 'cannot run x' }, undefined).code, 'TRACE_COMMAND_NOT_FOUND');
  const e = collectorError({ event: 'error', code: 'NO_SUCH_THING', message: 'odd' }, undefined);
  assert.equal(e.code, 'TRACE_START_FAILED');
  assert.equal(e.message, 'odd');
  assert.equal(collectorError({ event: 'error', code: 'TRACE_PERF_DENIED', errno: 'EACCES' }, undefined).code, 'TRACE_PERF_DENIED');
});

test('resolveCommand finds names on PATH and paths relative to cwd, as execvp would', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-resolve-'));
  writeFileSync(join(dir, 'prog'), '#!/bin/sh\n');
  chmodSync(join(dir, 'prog'), 0o755);
  assert.equal(resolveCommand('prog', `/nonexistent:${dir}`, '/'), join(dir, 'prog'));
  assert.equal(resolveCommand('prog', '/nonexistent', '/'), undefined);
  assert.equal(resolveCommand('./prog', '', dir), './prog');
  assert.equal(resolveCommand('./nope', '', dir), undefined);
});

test('splitCommand: options before the command, at -- or at the first word; the command keeps its options', () => {
  assert.deepEqual(splitCommand(['-o', 'x', '--', 'ls', '-l']), { options: ['-o', 'x'], command: ['ls', '-l'] });
  assert.deepEqual(splitCommand(['-f', '-o', 'x', 'ls', '-l', '--', 'y']), { options: ['-f', '-o', 'x'], command: ['ls', '-l', '--', 'y'] });
  assert.deepEqual(splitCommand(['-o', 'x', '-p', '12']), { options: ['-o', 'x', '-p', '12'], command: [] });
  assert.deepEqual(tracepgfaultArgv(['out.pwt', 'ls', '-l']), ['trace', '-o', 'out.pwt', '--', 'ls', '-l']);
  assert.equal(tracepgfaultArgv(['out.pwt']), null);
  assert.equal(tracepgfaultArgv(['--help']), null);
});

test('fuzz: parseReport never throws on mutated and truncated report text; splitCommand always partitions argv', () => {
  const good = '{"event":"started","pid":5,"kernel_faults":false}\n{"event":"done","status":0,"exit":0,"faults":3,"lost":0,"counted":3}\n';
  let seed = 12345;
  const rnd = (m: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % m);
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(good);
    for (let k = rnd(6); k >= 0; k--) b[rnd(b.length)] = rnd(256);
    const text = b.subarray(0, rnd(b.length + 1)).toString('utf8');
    const lines = parseReport(text);
    for (const l of lines) assert.equal(typeof l.event, 'string');
  }
  const words = ['-o', '-p', '-f', '--', 'ls', '-l', '--ring-pages', '8', 'x', '-', '--json'];
  for (let i = 0; i < 2000; i++) {
    const argv = Array.from({ length: rnd(8) }, () => words[rnd(words.length)]);
    const { options, command } = splitCommand(argv);
    const rejoined = argv.includes('--') && options.length + command.length === argv.length - 1 ? [...options, '--', ...command] : [...options, ...command];
    assert.deepEqual(rejoined, argv, JSON.stringify(argv));
  }
});
