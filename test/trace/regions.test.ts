import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTrace, encodeTrace, FaultTable } from '../../src/trace/format.js';
import { attributeFaults, overLifetime, replayRegions, type Region } from '../../src/trace/regions.js';
import { renderRegionLine, regionCells } from '../../src/trace/render.js';
import { header, HEAP, MMAP, MS, PAGE, sampleRecords, STACK, TEXT } from './sample.js';

const trace = () => decodeTrace(encodeTrace(header, sampleRecords()));
const extents = (rs: Region[]) => rs.map((r) => [r.id, r.start, r.end, r.prot]);

test('the layout at each instant follows add, split, prot, merge, resize and remove in file order', () => {
  const ev = trace().regions;
  assert.deepEqual(extents(replayRegions(ev, 0).live), [[1, TEXT, TEXT + 18 * PAGE, 5], [2, HEAP, HEAP + 4 * PAGE, 3], [3, STACK, STACK + 34 * PAGE, 3]]);
  assert.deepEqual(extents(replayRegions(ev, 3 * MS).live).map((e) => e[0]), [1, 2, 5, 3]);
  assert.deepEqual(extents(replayRegions(ev, 4.5 * MS).live), [
    [1, TEXT, TEXT + 18 * PAGE, 5], [2, HEAP, HEAP + 4 * PAGE, 3], [5, MMAP, MMAP + 4 * PAGE, 3], [6, MMAP + 4 * PAGE, MMAP + 8 * PAGE, 1], [3, STACK, STACK + 34 * PAGE, 3],
  ]);
  const at6 = replayRegions(ev, 6 * MS);
  assert.deepEqual(extents(at6.live).find((e) => e[0] === 5), [5, MMAP, MMAP + 8 * PAGE, 3], 'merged back');
  assert.equal(at6.live.some((r) => r.id === 6), false);
  assert.deepEqual(extents(replayRegions(ev, 7 * MS).live).find((e) => e[0] === 2), [2, HEAP, HEAP + 6 * PAGE, 3], 'heap grew');
  const end = replayRegions(ev);
  assert.deepEqual(end.live.map((r) => r.id), [1, 2, 3]);
  assert.deepEqual(end.all.map((r) => [r.id, r.removed]), [[1, null], [2, null], [5, 9 * MS], [6, 6 * MS], [3, null]]);
  assert.deepEqual(end.anomalies, []);
});

test('a split copies name and prot and moves the file offset; ids are never reused', () => {
  const ev = decodeTrace(encodeTrace({}, [
    { type: 'regionAdd', id: 1, t: 0, start: 0x10000, end: 0x20000, offset: 0x3000, inode: 5, prot: 5, cause: 1, name: '/lib/x.so' },
    { type: 'regionSplit', id: 1, t: 1, at: 0x14000, newId: 2 },
    { type: 'regionSplit', id: 1, t: 2, at: 0x30000, newId: 3 },
    { type: 'regionAdd', id: 2, t: 3, start: 0, end: 0x1000, offset: 0, inode: 0, prot: 0, cause: 1, name: '' },
    { type: 'regionRemove', id: 42, t: 4 },
    { type: 'end', t: 5, faults: 0, lost: 0 },
  ])).regions;
  const r = replayRegions(ev);
  assert.deepEqual(r.live.map((x) => [x.id, x.start, x.end, x.offset, x.name, x.prot, x.inode]), [
    [1, 0x10000, 0x14000, 0x3000, '/lib/x.so', 5, 5], [2, 0x14000, 0x20000, 0x7000, '/lib/x.so', 5, 5],
  ]);
  assert.equal(r.anomalies.length, 3);
  assert.match(r.anomalies[0], /REGION_SPLIT of 1 at 0x30000 into 3 is impossible/);
  assert.match(r.anomalies[1], /REGION_ADD reuses id 2/);
  assert.match(r.anomalies[2], /regionRemove of unknown or removed region 42/);
});

test('the region line has exactly the documented form', () => {
  const tr = trace();
  const a = attributeFaults(tr.faults, replayRegions(tr.regions).live, 4096);
  assert.equal(renderRegionLine(a.regions[0]), 'Region: 08048000 - 0805a000 (  18 pages): |XXXXXXXXXXXXXXXX..| /opt/sample');
  assert.equal(renderRegionLine(a.regions[1]), 'Region: 0805a000 - 08060000 (   6 pages): |.X...X| [heap]');
  assert.equal(renderRegionLine(a.regions[2]), 'Region: 7ffffffde000 - 800000000000 (  34 pages): |.................................X| [stack]');
});

test('faults are attributed by region identity, then by address, at any instant', () => {
  const tr = trace();
  const at45 = attributeFaults(tr.faults, replayRegions(tr.regions, 4.5 * MS).live, 4096, { to: 4.5 * MS });
  const maps = at45.regions.map((rf) => regionCells(rf).map);
  assert.deepEqual(maps, ['XXXXXXXXXXXXXXXX..', '.X..', 'X...', '.XX.', '..................................']);
  assert.equal(at45.total, 21);
  assert.equal(at45.outside, 0);
  // after the merge the merged region holds the faults of both halves
  const at6 = attributeFaults(tr.faults, replayRegions(tr.regions, 6 * MS).live, 4096, { to: 6 * MS });
  assert.equal(regionCells(at6.regions[2]).map, 'X....XX.');
  // thread filter
  const t2 = attributeFaults(tr.faults, replayRegions(tr.regions, 6 * MS).live, 4096, { tid: 4243 });
  assert.deepEqual(t2.regions.map((rf) => rf.faults), [1, 0, 2, 0]);
  assert.equal(t2.regions[0].major, 1);
  // a window that starts after the text faults
  const late = attributeFaults(tr.faults, replayRegions(tr.regions).live, 4096, { from: 7 * MS });
  assert.deepEqual(late.regions.map((rf) => rf.faults), [0, 1, 1]);
});

test('faults of a removed mapping do not show in a later region at the same address; region 0 goes by address', () => {
  const tr = decodeTrace(encodeTrace({}, [
    { type: 'regionAdd', id: 1, t: 0, start: 0x10000, end: 0x12000, offset: 0, inode: 0, prot: 3, cause: 1, name: '' },
    { type: 'fault', tid: 1, t: 1, addr: 0x10000, ip: 0, flags: 1, region: 1 },
    { type: 'regionRemove', id: 1, t: 2 },
    { type: 'regionAdd', id: 2, t: 3, start: 0x10000, end: 0x12000, offset: 0, inode: 0, prot: 3, cause: 1, name: '' },
    { type: 'fault', tid: 1, t: 4, addr: 0x11000, ip: 0, flags: 1, region: 0 },
    { type: 'fault', tid: 1, t: 5, addr: 0x99000, ip: 0, flags: 1, region: 2 },
    { type: 'end', t: 6, faults: 3, lost: 0 },
  ]));
  const a = attributeFaults(tr.faults, replayRegions(tr.regions, 10).live, 4096);
  assert.equal(regionCells(a.regions[0]).map, '.X');
  assert.equal(a.outside, 2);
});

test('big regions are scaled to at most 64 cells, X when any page of a cell faulted', () => {
  const f = new FaultTable();
  const region: Region = { id: 1, pid: 0, start: 0x40000000, end: 0x40000000 + 1000 * PAGE, offset: 0, inode: 0, prot: 3, cause: 1, name: 'big', added: 0, removed: null, lineage: [1], spanStart: 0, spanEnd: 0 };
  const touch = [0, 15, 16, 999];
  f.reserve(touch.length);
  touch.forEach((p, i) => { f.addr[i] = region.start + p * PAGE; f.region[i] = 1; f.flags[i] = 1; });
  f.count = touch.length;
  const rf = attributeFaults(f, [region], PAGE).regions[0];
  const { map, perCell } = regionCells(rf);
  assert.equal(perCell, 16);
  assert.equal(map.length, 63);
  assert.equal(map, 'XX' + '.'.repeat(60) + 'X');
  assert.equal(renderRegionLine(rf), `Region: 40000000 - 403e8000 (1000 pages): |${map}| big  [1 cell = 16 pages]`);
  // a huge reservation is counted sparsely and still maps
  const huge: Region = { ...region, end: region.start + 2 ** 40 };
  const rh = attributeFaults(f, [huge], PAGE).regions[0];
  assert.ok(rh.counts instanceof Map);
  assert.equal(rh.touched, 4);
  assert.equal(regionCells(rh).map[0], 'X');
});

test('over the whole trace a region is shown over the span it covered: faults in a part later unmapped still show', () => {
  const tr = decodeTrace(encodeTrace({}, [
    { type: 'regionAdd', id: 1, t: 0, start: 0x20000, end: 0x22000, offset: 0, inode: 0, prot: 3, cause: 1, name: '' },
    { type: 'regionResize', id: 1, t: 1, start: 0x1e000, end: 0x22000 }, // grew down (an adjacent mmap merged in)
    { type: 'fault', tid: 1, t: 2, addr: 0x1e000, ip: 0, flags: 1, region: 1 },
    { type: 'fault', tid: 1, t: 2, addr: 0x21000, ip: 0, flags: 1, region: 1 },
    { type: 'regionResize', id: 1, t: 3, start: 0x20000, end: 0x22000 }, // the lower part unmapped again
    { type: 'regionSplit', id: 1, t: 4, at: 0x21000, newId: 2 },
    { type: 'regionRemove', id: 1, t: 5 },
    { type: 'end', t: 6, faults: 2, lost: 0 },
  ]));
  const rp = replayRegions(tr.regions);
  const shown = overLifetime(rp.all);
  assert.deepEqual(shown.map((r) => [r.id, r.start, r.end]), [[1, 0x1e000, 0x21000], [2, 0x21000, 0x22000]]);
  const a = attributeFaults(tr.faults, shown, 4096);
  assert.deepEqual(a.regions.map((rf) => regionCells(rf).map), ['X..', 'X']);
  assert.equal(a.outside, 0);
  // at t=4.5 only the live extents count, and the fault in the unmapped part is outside them
  const at = attributeFaults(tr.faults, replayRegions(tr.regions, 4.5).live, 4096, { to: 4.5 });
  assert.deepEqual(at.regions.map((rf) => regionCells(rf).map), ['.', 'X']);
  assert.equal(at.outside, 1);
});
