/**
 * The predictors and the replay simulation on small sequences whose counts are derived by hand
 * (the derivations are in the comments), and the goals on generated sequences: adaptive cuts
 * sequential faults by >= 8x and wastes < 10% of what it prefetches on random touches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPredictor } from '../../src/predict/predictor.js';
import { PageRanges, replay } from '../../src/predict/replay.js';
import { parsePagesList, predictorName } from '../../src/predict/kinds.js';
import { rng } from '../helpers/rng.js';

const range = (a: number, b: number, step = 1) => Array.from({ length: Math.ceil((b - a) / step) }, (_, i) => a + i * step);
const counts = (r: ReturnType<typeof replay>) => [r.demandFaults, r.faults, r.saved, r.prefetched, r.useful, r.wasted];

test('next, P=3, pages 10..15: faults at 10 and 13, each maps the two after it', () => {
  // 10 faults -> 11, 12 (touched); 13 faults -> 14, 15 (touched)
  assert.deepEqual(counts(replay(range(10, 16), createPredictor('next', 3))), [6, 2, 4, 4, 4, 0]);
  // P=1: no prediction at all
  assert.deepEqual(counts(replay(range(10, 16), createPredictor('next', 1))), [6, 6, 0, 0, 0, 0]);
});

test('stride, P=3, pages 0,4,...,36: learns 4 and keeps it while faults continue its proposals', () => {
  // 0: nothing known. 4: d=4 -> 8, 12. 16 = 12+4 (continues): d stays -> 20, 24. 28: -> 32, 36. Faults 0,4,16,28.
  assert.deepEqual(counts(replay(range(0, 40, 4), createPredictor('stride', 3))), [10, 4, 6, 6, 6, 0]);
});

test('stride recovers from a wrong guess by measuring from the last fault', () => {
  // 1000, then 505: d = -495 -> 10 (never touched). 509 is not 10-495: d = 509-505 = 4 -> 513 (touched).
  // 517 = 513+4: d stays -> 521. 525 -> 529. Faults 1000,505,509,517,525; prefetched 10,513,521,529.
  assert.deepEqual(counts(replay([1000, 505, 509, 513, 517, 521, 525, 529], createPredictor('stride', 2))), [8, 5, 3, 4, 3, 1]);
});

test('history, P=2, deltas +1,+1,+8 repeated: learns the pattern after one period', () => {
  // 0,1,2: context (1,1) forms. 10: learns (1,1)->8. 11: (1,8)->1. 12: (8,1)->1, predicts 12+8 = 20.
  // 21 faults (d = 21-20 = 1), predicts 22. 30 faults, predicts 31. 32 faults, predicts 40 (never touched).
  const seq = [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32];
  assert.deepEqual(counts(replay(seq, createPredictor('history', 2))), [12, 9, 3, 4, 3, 1]);
});

test('adaptive, P=2, pages 0..99: window opens after 2 hits and doubles to 64', () => {
  // faults 0, 1, 2 (opens at 1: 3), 4 (2: 5,6), 7 (4), 12 (8), 21 (16), 38 (32), 71 (64: 72..135)
  // prefetched 1+2+4+8+16+32+64 = 127, useful 91 (100 pages - 9 faults), wasted 36 (100..135)
  assert.deepEqual(counts(replay(range(0, 100), createPredictor('adaptive', 2))), [100, 9, 91, 127, 91, 36]);
  // the same inside a valid range [0, 100): the 36 pages past the end are not mapped
  const valid = new PageRanges([[0, 100]]);
  assert.deepEqual(counts(replay(range(0, 100), createPredictor('adaptive', 2), { valid })), [100, 9, 91, 91, 91, 0]);
});

test('adaptive halves its window when the program skips pages', () => {
  // 0,1,2 open the window (3); 4 doubles (5,6); 9 lands past expected 7 within the window of 2: halves to 1 (10)
  const r = replay([0, 1, 2, 4, 9, 10, 11], createPredictor('adaptive', 2));
  // at 11 (expected) the window doubles to 2: 12, 13. Faults 0,1,2,4,9,11; prefetched 3,5,6,10,12,13;
  // useful: 10 only
  assert.deepEqual(counts(r), [7, 6, 1, 6, 1, 5]);
});

test('repeated first touches are touches, not faults', () => {
  assert.deepEqual(counts(replay([5, 5, 6, 5, 6], null)), [2, 2, 0, 0, 0, 0]);
});

test('goal: adaptive cuts faults >= 8x on a sequential scan (P=2 and P=3)', () => {
  const seq = range(4096, 4096 + 100_000);
  for (const p of [2, 3]) {
    const r = replay(seq, createPredictor('adaptive', p));
    assert.ok(r.demandFaults / r.faults >= 8, `P=${p}: ${r.demandFaults} / ${r.faults}`);
    assert.ok(r.wastePct < 1);
  }
});

test('goal: adaptive wastes < 10% of its prefetches on random touches (next wastes most of its own)', () => {
  const rnd = rng(4);
  // random touches over 16384 pages, as randtouch does, with a sequential run in the middle so that
  // adaptive does prefetch something and its waste ratio is measured, not 0/0
  const seq = [...range(0, 4096).map(() => 100_000 + Math.floor(rnd() * 16384)), ...range(200_000, 201_000), ...range(0, 4096).map(() => 100_000 + Math.floor(rnd() * 16384))];
  for (const p of [2, 3]) {
    const a = replay(seq, createPredictor('adaptive', p));
    assert.ok(a.prefetched > 900, `P=${p}: prefetched ${a.prefetched}`);
    assert.ok(a.wastePct < 10, `P=${p}: adaptive wastes ${a.wastePct.toFixed(1)}%`);
    const n = replay(seq, createPredictor('next', p));
    assert.ok(n.wastePct > 50, `P=${p}: next wastes ${n.wastePct.toFixed(1)}%`);
  }
});

test('bad predictor names and windows are coded errors', () => {
  assert.throws(() => predictorName('lru'), { code: 'PREDICT_UNKNOWN' });
  for (const bad of ['0', '65', 'x', '2,', '3-2']) assert.throws(() => parsePagesList(bad), { code: 'PREDICT_BAD_PAGES' }, bad);
  assert.deepEqual(parsePagesList('2,3'), [2, 3]);
  assert.deepEqual(parsePagesList('2-4,8'), [2, 3, 4, 8]);
});

test('a sequence spread wider than the flat array (2^40 pages apart) replays the same as its parts', () => {
  const a = range(1000, 1300);
  const b = range(2 ** 40, 2 ** 40 + 300, 2);
  const whole = replay([...a, ...b], createPredictor('next', 4));
  const pa = replay(a, createPredictor('next', 4));
  const pb = replay(b, createPredictor('next', 4));
  assert.deepEqual(counts(whole), counts(pa).map((x, i) => x + counts(pb)[i]));
  assert.deepEqual(counts(pb), [150, 75, 75, 225, 75, 150]); // faults at every other touched page; 2 of 3 proposals wasted
});
