/**
 * Fuzzing the trace decoder and everything downstream of it (replay, attribution, summary, text and
 * HTML rendering):
 * truncations at every offset, random byte mutations, random record lengths, random bytes after a valid
 * header, random chunking. The only acceptable outcomes are a PagewiseError or a result (with a damage
 * report when the input was damaged). Seeded, so a failure can be replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PagewiseError } from '../../src/errors.js';
import { decodeTrace, encodeTrace, TraceDecoder, type Trace } from '../../src/trace/format.js';
import { renderRegionMap, renderSummary } from '../../src/trace/render.js';
import { viewTrace } from '../../src/trace/view.js';
import { buildReportData } from '../../src/report/data.js';
import { renderReportHtml } from '../../src/report/html.js';
import { header, sampleRecords } from './sample.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decode and render; returns the trace, or the PagewiseError; any other exception fails the test. */
async function attempt(buf: Buffer, what: string, html = true): Promise<Trace | PagewiseError> {
  try {
    const tr = decodeTrace(buf, 'fuzz');
    const v = await viewTrace(tr, { symbols: false });
    renderRegionMap(v.attribution, 't');
    renderSummary(v.summary);
    if (html) renderReportHtml(buildReportData(v, 'fuzz', []), { uplotJs: '', uplotCss: '' }, tr.header.pageSize || 4096);
    const mid = tr.end?.t ?? 0;
    await viewTrace(tr, { symbols: false, at: mid / 2, tid: tr.faults.count ? tr.faults.tid[0] : 1 });
    return tr;
  } catch (e) {
    if (e instanceof PagewiseError) return e;
    assert.fail(`${what}: not a PagewiseError: ${(e as Error)?.stack ?? e}`);
  }
}

const good = encodeTrace(header, sampleRecords());

test('truncation at every offset: a header error, or a partial trace that says where it stopped', async () => {
  const hl = good.readUInt32LE(12);
  for (let n = 0; n < good.length; n++) {
    const r = await attempt(good.subarray(0, n), `cut at ${n}`, n % 5 === 0);
    if (n < hl) {
      assert.ok(r instanceof PagewiseError && r.code === 'TRACE_TRUNCATED', `cut at ${n}: ${r instanceof PagewiseError ? r.code : 'decoded'}`);
    } else {
      assert.ok(!(r instanceof PagewiseError), `cut at ${n} inside the records is not thrown`);
      assert.equal(r.damage?.code, 'TRACE_TRUNCATED', `cut at ${n}`);
      assert.ok(r.damage!.offset <= n && r.damage!.offset >= hl);
    }
  }
  const whole = await attempt(good, 'whole');
  assert.ok(!(whole instanceof PagewiseError) && whole.damage === null);
});

test('random byte mutations never escape as anything but PagewiseError or a damage report', async () => {
  const rand = rng(0x5eed);
  let damaged = 0;
  for (let i = 0; i < 1500; i++) {
    const b = Buffer.from(good);
    const flips = 1 + Math.floor(rand() * 6);
    for (let k = 0; k < flips; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    const r = await attempt(b, `mutation ${i}`, i % 5 === 0);
    if (r instanceof PagewiseError || r.damage) damaged++;
  }
  assert.ok(damaged > 0, 'some mutations must be noticed');
});

test('random record lengths and types after a valid header', async () => {
  const rand = rng(42);
  const hl = good.readUInt32LE(12);
  for (let i = 0; i < 1000; i++) {
    const b = Buffer.from(good);
    const o = hl + 8 * Math.floor(rand() * ((b.length - hl) / 8));
    if (rand() < 0.5) b.writeUInt16LE(Math.floor(rand() * 65536), o + 2);
    else b.writeUInt16LE(Math.floor(rand() * 20), o);
    await attempt(b, `record at ${o}`, i % 5 === 0);
  }
});

test('random bytes, with and without a valid header', async () => {
  const rand = rng(7);
  const hl = good.readUInt32LE(12);
  for (let i = 0; i < 500; i++) {
    const junk = Buffer.from(Array.from({ length: Math.floor(rand() * 400) }, () => Math.floor(rand() * 256)));
    const r1 = await attempt(junk, `junk ${i}`, false);
    assert.ok(r1 instanceof PagewiseError && r1.code === 'TRACE_BAD_MAGIC' || junk.length < 8, `junk ${i}`);
    await attempt(Buffer.concat([good.subarray(0, hl), junk]), `header + junk ${i}`);
  }
});

test('random chunking of a mutated trace gives the same result as decoding it whole', () => {
  const rand = rng(99);
  for (let i = 0; i < 200; i++) {
    const b = Buffer.from(good);
    b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
    let whole: Trace | string;
    try { whole = decodeTrace(b); } catch (e) { assert.ok(e instanceof PagewiseError); whole = e.code; }
    const d = new TraceDecoder();
    let chunked: Trace | string;
    try {
      for (let o = 0; o < b.length;) { const n = 1 + Math.floor(rand() * 64); d.push(b.subarray(o, o + n)); o += n; }
      chunked = d.finish();
    } catch (e) { assert.ok(e instanceof PagewiseError); chunked = e.code; }
    if (typeof whole === 'string' || typeof chunked === 'string') { assert.equal(chunked, whole, `mutation ${i}`); continue; }
    assert.deepEqual(chunked.damage, whole.damage, `mutation ${i}`);
    assert.equal(chunked.faults.count, whole.faults.count);
    assert.deepEqual(chunked.regions, whole.regions);
  }
});
