/**
 * The C predictors (native/common/predict.h, run by pagewise-predict-replay) and the TypeScript ones
 * make identical decisions: same pages proposed for every fault of a mixed sequence (sequential,
 * strided, random, repeated-pattern phases), for every predictor and several windows; and the C replay
 * simulation gives the same counts as src/predict/replay.ts. Also: predict.h's numbers = kinds.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE, ROOT } from '../helpers/cli.js';
import { createPredictor } from '../../src/predict/predictor.js';
import { replay } from '../../src/predict/replay.js';
import * as K from '../../src/predict/kinds.js';
import { rng } from '../helpers/rng.js';

const BIN = join(NATIVE, 'pagewise-predict-replay');

function mixedSequence(n: number, seed: number): number[] {
  const r = rng(seed);
  const seq: number[] = [];
  for (let i = 0; i < n; i++) {
    const phase = Math.floor(i / 1500) % 5;
    if (phase === 0) seq.push(5000 + i);
    else if (phase === 1) seq.push(90_000 + (i % 1500) * 3);
    else if (phase === 2) seq.push(Math.floor(r() * 100_000));
    else if (phase === 3) seq.push(200_000 + Math.floor(i / 3) * 10 + (i % 3));
    else seq.push(400_000 - (i % 1500) * 2); // backwards
  }
  seq.push(0, 1, 2 ** 52 - 2, 2 ** 52 - 1, 3); // the edges of the page range
  return seq;
}

function writePages(dir: string, seq: number[]): string {
  const buf = Buffer.alloc(seq.length * 8);
  seq.forEach((p, i) => buf.writeBigUInt64LE(BigInt(p), i * 8));
  const f = join(dir, 'pages.bin');
  writeFileSync(f, buf);
  return f;
}

test('C and TypeScript predictors propose the same pages for every fault', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-pred-'));
  try {
    const seq = mixedSequence(15_000, 11);
    const file = writePages(dir, seq);
    const out = new Float64Array(K.PREDICT_MAX_OUT);
    for (const name of K.PREDICTOR_NAMES) {
      for (const pages of [1, 2, 3, 5, 16, 64]) {
        const c = spawnSync(BIN, ['decide', name, String(pages), file], { encoding: 'utf8', maxBuffer: 1 << 28 });
        assert.equal(c.status, 0, c.stderr);
        const p = createPredictor(name, pages);
        const lines: string[] = [];
        for (const f of seq) {
          const k = p.predict(f, out, K.PREDICT_MAX_OUT);
          lines.push(Array.from(out.subarray(0, k)).join(' '));
        }
        const cl = c.stdout.split('\n');
        cl.pop();
        assert.equal(cl.length, seq.length);
        const first = cl.findIndex((l, i) => l !== lines[i]);
        assert.equal(first, -1, `${name} P=${pages}: first difference at fault ${first} (page ${seq[first]}): C '${cl[first]}' TS '${lines[first]}'`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('C replay simulation gives the same counts as the TypeScript one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-pred-'));
  try {
    const seq = mixedSequence(30_000, 12).filter((p) => p < 1e6); // the C replay wants a compact range
    const file = writePages(dir, seq);
    for (const name of K.PREDICTOR_NAMES) {
      for (const pages of [2, 3, 8]) {
        const c = spawnSync(BIN, ['replay', name, String(pages), file], { encoding: 'utf8' });
        assert.equal(c.status, 0, c.stderr);
        const cj = JSON.parse(c.stdout);
        const t = replay(seq, createPredictor(name, pages));
        assert.deepEqual(
          [cj.demandFaults, cj.faults, cj.prefetched, cj.useful],
          [t.demandFaults, t.faults, t.prefetched, t.useful],
          `${name} P=${pages}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('predict.h and src/predict/kinds.ts hold the same numbers', () => {
  const h = readFileSync(join(ROOT, 'native', 'common', 'predict.h'), 'utf8');
  const defs = new Map<string, string>();
  for (const m of h.matchAll(/^#define (PW_PREDICT_\w+) (.+)$/gm)) defs.set(m[1], m[2].trim());
  assert.equal(Number(defs.get('PW_PREDICT_NEXT')), K.PREDICTOR_KINDS.next);
  assert.equal(Number(defs.get('PW_PREDICT_STRIDE')), K.PREDICTOR_KINDS.stride);
  assert.equal(Number(defs.get('PW_PREDICT_HISTORY')), K.PREDICTOR_KINDS.history);
  assert.equal(Number(defs.get('PW_PREDICT_ADAPTIVE')), K.PREDICTOR_KINDS.adaptive);
  assert.equal(Number(defs.get('PW_PREDICT_PAGES_MAX')), K.PAGES_MAX);
  assert.equal(Number(defs.get('PW_PREDICT_MAX_OUT')), K.PREDICT_MAX_OUT);
  assert.equal(Number(defs.get('PW_PREDICT_HISTORY_BITS')), K.HISTORY_BITS);
  assert.equal(Number(defs.get('PW_PREDICT_ADAPTIVE_STREAMS')), K.ADAPTIVE_STREAMS);
  assert.equal(Number(defs.get('PW_PREDICT_ADAPTIVE_CONFIRM')), K.ADAPTIVE_CONFIRM);
  assert.equal(defs.get('PW_PREDICT_PAGE_LIMIT'), '(1LL << 52)');
  assert.equal(K.PAGE_LIMIT, 2 ** 52);
});

test('the replay program refuses bad usage with exit 2', () => {
  for (const args of [[], ['decide', 'lru', '2', '-'], ['decide', 'next', '65', '-'], ['frob', 'next', '2', '-']]) {
    const r = spawnSync(BIN, args, { encoding: 'utf8', input: '' });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /^usage: pagewise-predict-replay/);
  }
});
