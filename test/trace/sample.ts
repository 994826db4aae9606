/**
 * A small synthetic trace with every record kind, written with our own writer, for the trace tests:
 * two threads, an initial layout (text, data, heap, stack), an mmap later split, one half's prot
 * changed, merged back, a region removed, lost samples, COUNTS saying the kernel saw more, END.
 * Every fault is placed deliberately, so tests can state the expected maps by hand.
 */
import type { HeaderSpec, TraceRecord } from '../../src/trace/format.js';
import { FAULT_EXEC, FAULT_MAJOR, FAULT_MINOR, FAULT_READ, FAULT_WRITE, F_ACCESS, F_IP, F_MAJOR } from '../../src/trace/format.js';

export const PAGE = 4096;
export const MS = 1e6;
export const TEXT = 0x08048000; // 18 pages, as in the example line
export const HEAP = 0x0805a000; // 4 pages
export const MMAP = 0x7f0000000000; // 8 pages, split at page 4 into id 6
export const STACK = 0x7ffffffde000; // 34 pages

export const header: HeaderSpec = {
  flags: F_ACCESS | F_IP | F_MAJOR,
  startMonoNs: 123456789n,
  startRealNs: 1700000000000000000n,
  source: 1,
  info: { argv: ['./sample', '7'], pid: 4242, kernel: '6.18', perf_event_paranoid: 2, mode: 'test' },
};

const fault = (tid: number, t: number, addr: number, ip: number, flags: number, region: number): TraceRecord => ({ type: 'fault', tid, t, addr, ip, flags, region });

export function sampleRecords(): TraceRecord[] {
  return [
    { type: 'task', tid: 4242, t: 0, kind: 1, pid: 4242, parent: 1, status: 0 },
    { type: 'regionAdd', id: 1, t: 0, start: TEXT, end: TEXT + 18 * PAGE, offset: 0, inode: 11, prot: 5, cause: 0, name: '/opt/sample' },
    { type: 'regionAdd', id: 2, t: 0, start: HEAP, end: HEAP + 4 * PAGE, offset: 0, inode: 0, prot: 3, cause: 2, name: '[heap]' },
    { type: 'regionAdd', id: 3, t: 0, start: STACK, end: STACK + 34 * PAGE, offset: 0, inode: 0, prot: 3, cause: 0, name: '[stack]' },
    // text pages 0..15 fault once each (exec, minor), page 3 a second time by thread 2; pages 16, 17 never
    ...Array.from({ length: 16 }, (_, p) => fault(4242, (1 + p) * 1000, TEXT + p * PAGE + 0x10, TEXT + 0x100, FAULT_MINOR | FAULT_EXEC, 1)),
    { type: 'task', tid: 4243, t: 1 * MS, kind: 3, pid: 4242, parent: 4242, status: 0 },
    fault(4243, 1.5 * MS, TEXT + 3 * PAGE, TEXT + 0x200, FAULT_MAJOR | FAULT_EXEC, 1),
    // heap: page 1 written at 2 ms
    fault(4242, 2 * MS, HEAP + PAGE + 8, TEXT + 0x300, FAULT_MINOR | FAULT_WRITE, 2),
    // an mmap at 3 ms, touched on pages 0 and 6, split at page 4 at 4 ms (id 6), prot change, merged at 6 ms
    { type: 'regionAdd', id: 5, t: 3 * MS, start: MMAP, end: MMAP + 8 * PAGE, offset: 0, inode: 0, prot: 3, cause: 1, name: '' },
    fault(4242, 3.1 * MS, MMAP, TEXT + 0x300, FAULT_MINOR | FAULT_WRITE, 5),
    fault(4243, 3.2 * MS, MMAP + 6 * PAGE, TEXT + 0x300, FAULT_MINOR | FAULT_READ, 5),
    { type: 'regionSplit', id: 5, t: 4 * MS, at: MMAP + 4 * PAGE, newId: 6 },
    { type: 'regionProt', id: 6, t: 4 * MS, prot: 1 },
    fault(4243, 4.5 * MS, MMAP + 5 * PAGE, TEXT + 0x300, FAULT_MINOR | FAULT_READ, 6),
    { type: 'lost', tid: 4243, t: 5 * MS, count: 3 },
    { type: 'regionProt', id: 6, t: 5.5 * MS, prot: 3 },
    { type: 'regionMerge', id: 5, t: 6 * MS, absorbed: 6 },
    // the heap grows to 6 pages at 7 ms; page 5 faults
    { type: 'regionResize', id: 2, t: 7 * MS, start: HEAP, end: HEAP + 6 * PAGE },
    fault(4242, 7.5 * MS, HEAP + 5 * PAGE, TEXT + 0x300, FAULT_MINOR | FAULT_WRITE, 2),
    // stack top page
    fault(4242, 8 * MS, STACK + 33 * PAGE + 0xff0, TEXT + 0x100, FAULT_MINOR | FAULT_WRITE, 3),
    { type: 'raw', rtype: 77, body: Buffer.from('a record type from the future') },
    { type: 'regionRemove', id: 5, t: 9 * MS },
    { type: 'task', tid: 4243, t: 9.5 * MS, kind: 5, pid: 4242, parent: 4242, status: 0 },
    { type: 'counts', pid: 4242, t: 10 * MS, minor: 40, major: 2, counted: 25 },
    { type: 'end', t: 10 * MS, faults: 23, lost: 3 },
  ];
}
