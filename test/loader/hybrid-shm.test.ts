/**
 * The hybrid fields of the loader's shared page (src/loader/shm.ts) and their --stats rendering
 * (src/loader/stats.ts), without processes: pages built here byte by byte at the PW_LOADER_OFF_*
 * offsets. Useful is a number only with the MEASURED flag (or when nothing measurable was prefetched);
 * a damaged or short page only ever throws a coded PagewiseError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PagewiseError } from '../../src/errors.js';
import { parseLoaderPage } from '../../src/loader/shm.js';
import { prefetchOf, renderStats, statsOf } from '../../src/loader/stats.js';
import type { LoadedRun } from '../../src/loader/run.js';
import * as P from '../../src/native/protocol.js';

function page(f: { mode?: number; predictor?: number; window?: number; prefetched?: number; useful?: number; partial?: number; flags?: number }): Buffer {
  const b = Buffer.alloc(P.PW_LOADER_SHM_SIZE);
  b.writeUInt32LE(P.PW_LOADER_SHM_MAGIC, P.PW_LOADER_OFF_MAGIC);
  b.writeUInt32LE(P.PW_LOADER_SHM_VERSION, P.PW_LOADER_OFF_VERSION);
  b.writeUInt32LE(P.PW_LOADER_STATE_RUNNING, P.PW_LOADER_OFF_STATE);
  b.writeUInt32LE(f.mode ?? P.PW_LOADER_MODE_HYBRID, P.PW_LOADER_OFF_MODE);
  b.writeUInt32LE(f.predictor ?? 4, P.PW_LOADER_OFF_PREDICTOR);
  b.writeUInt32LE(f.window ?? 3, P.PW_LOADER_OFF_PREFETCH_WINDOW);
  b.writeBigUInt64LE(BigInt(f.prefetched ?? 0), P.PW_LOADER_OFF_PAGES_PREFETCHED);
  b.writeBigUInt64LE(BigInt(f.useful ?? 0), P.PW_LOADER_OFF_PREFETCH_USEFUL);
  b.writeBigUInt64LE(BigInt(f.partial ?? 0), P.PW_LOADER_OFF_PREFETCH_PARTIAL);
  b.writeUInt32LE(f.flags ?? 0, P.PW_LOADER_OFF_PREFETCH_FLAGS);
  return b;
}

function runOf(buf: Buffer): LoadedRun {
  const rusage = { wallMs: 1, userMs: 0, sysMs: 0, maxRssKiB: 1, minorFaults: 0, majorFaults: 0 };
  return { path: '/x', loader: parseLoaderPage(buf), status: 0, signal: null, rusage } as unknown as LoadedRun;
}

test('hybrid fields parse at their offsets; useful only with MEASURED', () => {
  const m = parseLoaderPage(page({ prefetched: 100, useful: 90, partial: 2, flags: P.PW_LOADER_PREFETCH_MEASURED | P.PW_LOADER_RECORD_ENDED }));
  assert.equal(m.mode, 'hybrid');
  assert.equal(m.predictor, 'adaptive');
  assert.equal(m.prefetchWindow, 3);
  assert.equal(m.pagesPrefetched, 100);
  assert.equal(m.prefetchUseful, 90);
  assert.equal(m.prefetchPartial, 2);
  assert.equal(m.recordEnded, true);
  const u = parseLoaderPage(page({ prefetched: 100, useful: 90, partial: 2, flags: 0 }));
  assert.equal(u.prefetchUseful, null, 'not measured: unknown, whatever the field holds');
  const z = parseLoaderPage(page({ prefetched: 3, partial: 3, flags: 0 }));
  assert.equal(z.prefetchUseful, 0, 'only partial pages prefetched: 0 of 0 is exact');
  const d = parseLoaderPage(page({ mode: P.PW_LOADER_MODE_DEMAND, predictor: 0 }));
  assert.equal(d.mode, 'demand');
  assert.equal(d.predictor, null);
  assert.equal(d.prefetchUseful, null);
});

test('prefetch stats: faults saved = useful, wasted = prefetched - partial - useful; unknown stays unknown', () => {
  const s = statsOf(runOf(page({ prefetched: 100, useful: 90, partial: 2, flags: P.PW_LOADER_PREFETCH_MEASURED })));
  assert.deepEqual(s.prefetch, { predictor: 'adaptive', pages: 3, pagesPrefetched: 100, useful: 90, partial: 2, faultsSaved: 90, wasted: 8 });
  assert.equal(s.via, 'signal');
  const text = renderStats(s);
  assert.match(text, /pages prefetched +100 \(2 partial/);
  assert.match(text, /faults saved +90\n/);
  const k = statsOf(runOf(page({ prefetched: 100, useful: 90, flags: 0 })));
  assert.equal(k.prefetch!.faultsSaved, null);
  assert.equal(k.prefetch!.wasted, null);
  assert.match(renderStats(k), /faults saved +unknown/);
  assert.equal(prefetchOf(parseLoaderPage(page({ mode: P.PW_LOADER_MODE_EAGER }))), null);
});

test('fuzz: truncated and mutated pages only throw PagewiseError', () => {
  const good = page({ prefetched: 7, useful: 5, flags: 1 });
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(good.subarray(0, i % 3 === 0 ? rnd(good.length) : good.length));
    for (let k = 0; k < 8; k++) if (b.length) b[rnd(b.length)] = rnd(256);
    try {
      const p = parseLoaderPage(b);
      if (p.prefetchUseful !== null) assert.ok(Number.isFinite(p.prefetchUseful));
    } catch (e) {
      assert.ok(e instanceof PagewiseError, String(e));
    }
  }
});
