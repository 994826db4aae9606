import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTrace, encodeTrace, TraceWriter } from '../../src/trace/format.js';
import { buildReportData, MAX_POINTS } from '../../src/report/data.js';
import { gantt, heatColor, heatStrip } from '../../src/report/svg.js';
import { viewTrace } from '../../src/trace/view.js';
import { header, HEAP, PAGE, sampleRecords, TEXT } from '../trace/sample.js';

test('heat strips hold the fault count of each page; points are the faults in time order', async () => {
  const view = await viewTrace(decodeTrace(encodeTrace(header, sampleRecords())), { symbols: false });
  const d = buildReportData(view, 't', []);
  const text = d.regions.find((r) => r.start === TEXT)!;
  assert.equal(text.pagesPerCell, 1);
  assert.deepEqual(text.strip, [1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  assert.equal(text.points.t.length, 17);
  assert.deepEqual(text.points.t, [...text.points.t].sort((a, b) => a - b));
  assert.equal(text.points.major.filter((m) => m).length, 1);
  assert.equal(text.points.page[text.points.major.indexOf(1)], 3, 'the major fault was on page 3');
  const heap = d.regions.find((r) => r.start === HEAP)!;
  assert.deepEqual(heap.strip, [0, 1, 0, 0, 0, 1]);
  assert.equal(d.endT, 10e6);
  const svg = heatStrip(text, 180);
  assert.equal((svg.match(/<rect /g) ?? []).length, 19, '18 cells and the frame');
  assert.match(svg, /<title>pages 3-3: 2 faults<\/title>/);
  assert.equal(heatColor(0, 5), '#f4f4f4');
  assert.equal(heatColor(5, 5), 'rgb(128,0,38)');
  const g = gantt(d.regions, d.endT);
  assert.equal((g.match(/<rect /g) ?? []).length, d.regions.length);
  assert.match(g, /\[anon 6\] 7f0000004000-7f0000008000 rw-p: 4\.000ms \.\. 6\.000ms/);
});

test('a region with many faults is sampled to at most MAX_POINTS points, every k-th', async () => {
  const w = new TraceWriter({});
  w.record({ type: 'regionAdd', id: 1, t: 0, start: 0x100000, end: 0x100000 + 1000 * PAGE, offset: 0, inode: 0, prot: 3, cause: 1, name: 'x' });
  for (let i = 0; i < 10_000; i++) w.fault(1, i, 0x100000 + (i % 1000) * PAGE, 0, 1, 1);
  w.record({ type: 'end', t: 10_000, faults: 10_000, lost: 0 });
  const view = await viewTrace(decodeTrace(Buffer.from(w.bytes())), { symbols: false });
  const r = buildReportData(view, 't', []).regions[0];
  assert.equal(r.points.every, Math.ceil(10_000 / MAX_POINTS));
  assert.equal(r.points.t.length, Math.ceil(10_000 / r.points.every));
  assert.ok(r.points.t.length <= MAX_POINTS);
  assert.equal(r.strip.length, 250, '1000 pages in cells of 4 pages');
  assert.ok(r.strip.every((v) => v === 40));
});
