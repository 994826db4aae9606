import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTrace, encodeTrace, TraceDecoder, TraceWriter, type Trace, type TraceRecord } from '../../src/trace/format.js';
import { PagewiseError } from '../../src/errors.js';
import { header, sampleRecords } from './sample.js';

const buf = () => encodeTrace(header, sampleRecords());

/** The records of a decoded trace as the writer's input shape, in kind groups. */
function groups(tr: Trace) {
  const faults = Array.from({ length: tr.faults.count }, (_, i) => tr.faults.get(i));
  return { faults, regions: tr.regions, lost: tr.lost, tasks: tr.tasks, counts: tr.counts, end: tr.end };
}
function expectedGroups(recs: TraceRecord[]) {
  const of = <T extends TraceRecord['type']>(...types: T[]) => recs.filter((r) => (types as string[]).includes(r.type));
  return {
    faults: of('fault'),
    // the decoder says whose address space each region is in: before any SPACE record, the trace's pid
    regions: of('regionAdd', 'regionRemove', 'regionResize', 'regionSplit', 'regionMerge', 'regionProt').map((r) => (r.type === 'regionAdd' ? { ...r, pid: r.pid ?? 4242 } : r)),
    lost: of('lost'), tasks: of('task'), counts: of('counts'), end: of('end')[0],
  };
}

test('encode then decode gives back every record of every kind, and the header', () => {
  const tr = decodeTrace(buf());
  assert.equal(tr.damage, null);
  assert.deepEqual(groups(tr), expectedGroups(sampleRecords()));
  assert.equal(tr.skipped, 1, 'the unknown record type 77 is skipped by its len');
  assert.equal(tr.header.major, 1);
  assert.equal(tr.header.minor, 1);
  assert.equal(tr.header.pageSize, 4096);
  assert.equal(tr.header.startMonoNs, 123456789n);
  assert.equal(tr.header.startRealNs, 1700000000000000000n);
  assert.deepEqual(tr.header.info, header.info);
  assert.equal(tr.header.headerLen % 8, 0);
  assert.equal(tr.bytes, buf().length);
});

test('SPACE records (format 1.1): a region of another process is preceded by one; regions keep their pid', () => {
  const add = (id: number, pid: number | undefined) => ({ type: 'regionAdd' as const, id, t: id, start: id * 4096, end: id * 4096 + 4096, offset: 0, inode: 0, prot: 3, cause: 7, name: '', pid });
  const b = encodeTrace({ info: { pid: 10 } }, [add(1, 10), add(2, 11), add(3, 11), add(4, undefined), add(5, 10)]);
  const spaces: number[] = [];
  for (let o = new DataView(b.buffer, b.byteOffset).getUint32(12, true); o < b.length; o += b.readUInt16LE(o + 2)) {
    if (b.readUInt16LE(o) === 11) spaces.push(b.readUInt32LE(o + 4));
  }
  assert.deepEqual(spaces, [11, 10], 'one SPACE before the first region of 11, one when 10 comes back');
  const tr = decodeTrace(b);
  assert.deepEqual(tr.regions.map((r) => (r.type === 'regionAdd' ? r.pid : -1)), [10, 11, 11, 11, 10], 'a region without pid stays in the current space');
  assert.equal(tr.skipped, 0);
  // a reader of format 1.0 would skip the SPACE records by their len: the rest decodes the same
  assert.equal(decodeTrace(encodeTrace({ info: {} }, [add(1, undefined)])).regions[0].type === 'regionAdd' && (decodeTrace(encodeTrace({ info: {} }, [add(1, undefined)])).regions[0] as { pid?: number }).pid, 0, 'no info.pid: pid 0');
});

test('the bytes are laid out as docs/formats/trace.md says', () => {
  const w = new TraceWriter({ info: {} });
  w.record({ type: 'fault', tid: 7, t: 2 ** 40 + 5, addr: 0x7fff12345678, ip: 0x401000, flags: 0x15, region: 3 });
  w.record({ type: 'regionAdd', id: 9, t: 1, start: 0x1000, end: 0x3000, offset: 0x2000, inode: 99, prot: 5, cause: 1, name: 'abc' });
  const b = w.bytes();
  assert.equal(b.subarray(0, 8).toString('latin1'), 'PWTRACE\0');
  assert.equal(b.readUInt32LE(12), 56); // 48 + "{}" padded to 8
  let o = 56;
  assert.equal(b.readUInt16LE(o), 1);
  assert.equal(b.readUInt16LE(o + 2), 40);
  assert.equal(b.readUInt32LE(o + 4), 7);
  assert.equal(b.readBigUInt64LE(o + 8), 2n ** 40n + 5n);
  assert.equal(b.readBigUInt64LE(o + 16), 0x7fff12345678n);
  assert.equal(b.readBigUInt64LE(o + 24), 0x401000n);
  assert.equal(b.readUInt32LE(o + 32), 0x15);
  assert.equal(b.readUInt32LE(o + 36), 3);
  o += 40;
  assert.equal(b.readUInt16LE(o), 2);
  assert.equal(b.readUInt16LE(o + 2), 64, 'REGION_ADD: 60 + name_len 3, rounded up to 8');
  assert.equal(b.readBigUInt64LE(o + 16), 0x1000n);
  assert.equal(b.readBigUInt64LE(o + 24), 0x3000n);
  assert.equal(b.readUInt32LE(o + 48), 5);
  assert.equal(b.readUInt32LE(o + 52), 1);
  assert.equal(b.readUInt16LE(o + 56), 3);
  assert.equal(b.subarray(o + 60, o + 63).toString(), 'abc');
  assert.equal(b.length, o + 64);
});

test('COUNTS with ~0 counted decodes as null; big page-aligned addresses stay exact', () => {
  const b = encodeTrace({}, [
    { type: 'counts', pid: 1, t: 0, minor: 5, major: 0, counted: null },
    { type: 'regionAdd', id: 1, t: 0, start: 0xffffffffff600000, end: 0xffffffffff601000, offset: 0, inode: 0, prot: 5, cause: 0, name: '[vsyscall]' },
    { type: 'end', t: 1, faults: 0, lost: 0 },
  ]);
  const tr = decodeTrace(b);
  assert.equal(tr.counts[0].counted, null);
  const r = tr.regions[0];
  assert.equal(r.type === 'regionAdd' && r.start.toString(16), 'ffffffffff600000');
});

test('a file that is not a trace is TRACE_BAD_MAGIC naming the bytes found', () => {
  assert.throws(() => decodeTrace(Buffer.from('\x7fELF\x02\x01\x01\x00 and more bytes than a header', 'latin1'), 'x.pwt'), (e: unknown) => {
    assert.ok(e instanceof PagewiseError);
    assert.equal(e.code, 'TRACE_BAD_MAGIC');
    assert.match(e.message, /^x\.pwt: not a pagewise trace .*found 7f 45 4c 46 02 01 01 00\)$/);
    return true;
  });
  assert.throws(() => decodeTrace(Buffer.from('PWX')), { code: 'TRACE_BAD_MAGIC' });
});

test('another major version is TRACE_BAD_VERSION naming it; a higher minor is read', () => {
  assert.throws(() => decodeTrace(encodeTrace({ major: 2, minor: 3 }, [])), (e: unknown) => {
    assert.ok(e instanceof PagewiseError);
    assert.equal(e.code, 'TRACE_BAD_VERSION');
    assert.match(e.message, /trace format version 2\.3, this pagewise reads version 1\.x only/);
    return true;
  });
  const tr = decodeTrace(encodeTrace({ minor: 9 }, sampleRecords()));
  assert.equal(tr.header.minor, 9);
  assert.equal(tr.damage, null);
});

test('a header cut short is thrown as TRACE_TRUNCATED (there is nothing to show)', () => {
  const b = buf();
  for (const n of [0, 5, 8, 20, 47, b.readUInt32LE(12) - 1]) {
    assert.throws(() => decodeTrace(b.subarray(0, n)), { code: 'TRACE_TRUNCATED' }, `cut at ${n}`);
  }
});

test('a record cut short: everything before it is kept, damage names the record offset', () => {
  const b = buf();
  const hl = b.readUInt32LE(12);
  // records: TASK (32) then REGION_ADD x3; cut 10 bytes into the third record
  const third = hl + 32 + b.readUInt16LE(hl + 34);
  const tr = decodeTrace(b.subarray(0, third + 10));
  assert.deepEqual(tr.damage, { code: 'TRACE_TRUNCATED', offset: third, reason: 'the file ends inside a record (10 bytes of it present)' });
  assert.equal(tr.tasks.length, 1);
  assert.equal(tr.regions.length, 1);
  assert.equal(tr.bytes, third);
});

test('no END record: TRACE_TRUNCATED at the end, all records kept', () => {
  const recs = sampleRecords().filter((r) => r.type !== 'end');
  const tr = decodeTrace(encodeTrace(header, recs));
  assert.equal(tr.damage?.code, 'TRACE_TRUNCATED');
  assert.match(tr.damage!.reason, /without an END record/);
  assert.equal(tr.faults.count, 23);
});

test('a bad record length is TRACE_CORRUPT at that offset; records before it are kept', () => {
  const b = Buffer.from(buf());
  const hl = b.readUInt32LE(12);
  const at = hl + 32; // the first REGION_ADD
  for (const [len, why] of [[0, /record length 0 \(type 2\) is not a positive multiple of 8/], [13, /record length 13/], [16, /REGION_ADD record of 16 bytes, expected at least 64/]] as const) {
    const c = Buffer.from(b);
    c.writeUInt16LE(len, at + 2);
    const tr = decodeTrace(c);
    assert.equal(tr.damage?.code, 'TRACE_CORRUPT');
    assert.equal(tr.damage?.offset, at);
    assert.match(tr.damage!.reason, why);
    assert.equal(tr.tasks.length, 1);
    assert.equal(tr.regions.length, 0);
  }
});

test('bytes after END are reported as damage', () => {
  const b = Buffer.concat([buf(), Buffer.alloc(16)]);
  const tr = decodeTrace(b);
  assert.equal(tr.damage?.code, 'TRACE_CORRUPT');
  assert.equal(tr.damage?.offset, buf().length);
  assert.ok(tr.end);
});

test('the streaming decoder gives the same result for any chunking', () => {
  const b = buf();
  const whole = decodeTrace(b);
  for (const size of [1, 3, 7, 8, 41, 100, 4096]) {
    const d = new TraceDecoder();
    for (let o = 0; o < b.length; o += size) d.push(b.subarray(o, o + size));
    const tr = d.finish();
    assert.deepEqual(groups(tr), groups(whole), `chunks of ${size}`);
    assert.equal(tr.damage, null);
    assert.equal(tr.skipped, 1);
  }
});

test('the streaming decoder reports progress before the end and is done after END', () => {
  const b = buf();
  const d = new TraceDecoder();
  d.push(b.subarray(0, Math.floor(b.length / 2)));
  assert.ok(d.header);
  assert.ok(d.faults.count > 0 && d.faults.count < 23);
  assert.equal(d.done, false);
  d.push(b.subarray(Math.floor(b.length / 2)));
  assert.equal(d.done, true);
  assert.equal(d.finish().damage, null);
});

test('big chunks that split records decode the same as the whole file (the no-copy path)', () => {
  const w = new TraceWriter(header);
  for (const r of sampleRecords().slice(0, 4)) w.record(r);
  for (let i = 0; i < 20000; i++) {
    if (i % 997 === 0) w.record({ type: 'regionAdd', id: 100 + i, t: i, start: 0x10000000 + i * 0x10000, end: 0x10001000 + i * 0x10000, offset: 0, inode: 0, prot: 3, cause: 1, name: 'x'.repeat(i % 50) });
    w.fault(1 + (i % 3), i * 10, 0x7f0000000000 + i * 4096, 0x401000 + (i % 7), 1, 5);
  }
  w.record({ type: 'end', t: 1e6, faults: 20000, lost: 0 });
  const b = Buffer.from(w.bytes());
  const whole = decodeTrace(b);
  assert.equal(whole.faults.count, 20000);
  for (const size of [65543, 65544, 70001, 100000, 262144]) {
    const d = new TraceDecoder('t', b.length);
    for (let o = 0; o < b.length; o += size) d.push(b.subarray(o, o + size));
    const tr = d.finish();
    assert.equal(tr.damage, null, `chunks of ${size}`);
    assert.deepEqual(groups(tr), groups(whole), `chunks of ${size}`);
    const extra = new TraceDecoder('t');
    extra.push(Buffer.concat([b, Buffer.alloc(8)]).subarray(0, size));
    extra.push(Buffer.concat([b, Buffer.alloc(8)]).subarray(size));
    assert.equal(extra.finish().damage?.reason, '8 bytes after the END record', `chunks of ${size}`);
  }
});

test('take() streams the writer output in pieces that concatenate to the whole file', () => {
  const w = new TraceWriter(header, 64);
  const pieces: Buffer[] = [w.take()];
  for (const r of sampleRecords()) {
    w.record(r);
    if (r.type === 'fault') pieces.push(w.take());
  }
  pieces.push(w.take());
  assert.ok(Buffer.concat(pieces).equals(encodeTrace(header, sampleRecords())));
  assert.equal(w.take().length, 0);
});
