/**
 * The pure parts of the collector's TypeScript side: the collector's report lines, its errors, and the
 * argument splitting of `pagewise trace`. No process is traced here (test/integration/trace*.test.ts
 * does that, the permission diagnoses of native/tracer/diagnose.c included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectorError, parseReport } from '../../src/trace/collect.js';
import { splitCommand } from '../../src/cli/commands/trace.js';

test('parseReport keeps the JSON event lines in order and ignores the rest', () => {
  const r = parseReport('{"event":"started","pid":5}\nnoise\n{"x":1}\n{"event":"done","status":0,"exit":0,"faults":3,"lost":0,"counted":3}\n');
  assert.deepEqual(r.map((l) => l.event), ['started', 'done']);
  assert.equal(r[1].faults, 3);
});

test('collectorError keeps the collector\'s message and hint; unknown codes become TRACE_START_FAILED', () => {
  const denied = collectorError({ event: 'error', code: 'TRACE_PTRACE_DENIED', errno: 'EPERM', message: 'cannot trace process 1', hint: 'trace only processes you own' });
  assert.equal(denied.code, 'TRACE_PTRACE_DENIED');
  assert.equal(denied.message, 'cannot trace process 1');
  assert.equal(denied.hint, 'trace only processes you own');
  const e = collectorError({ event: 'error', code: 'NO_SUCH_THING', message: 'odd' });
  assert.equal(e.code, 'TRACE_START_FAILED');
  assert.equal(e.message, 'odd');
  assert.equal(collectorError({ event: 'error', code: 'TRACE_PERF_DENIED', errno: 'EACCES' }).message, 'the collector failed');
});

test('splitCommand: options before the command, at -- or at the first word; the command keeps its options', () => {
  assert.deepEqual(splitCommand(['-o', 'x', '--', 'ls', '-l']), { options: ['-o', 'x'], command: ['ls', '-l'] });
  assert.deepEqual(splitCommand(['-f', '-o', 'x', 'ls', '-l', '--', 'y']), { options: ['-f', '-o', 'x'], command: ['ls', '-l', '--', 'y'] });
  assert.deepEqual(splitCommand(['-o', 'x', '-p', '12']), { options: ['-o', 'x', '-p', '12'], command: [] });
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
