/**
 * The boundary written twice, tested once: the C writer of native/common/trace_format.h (used by
 * pagewise-tracer and the loader's --record) and the TypeScript writer must produce the same bytes for
 * the same records, and the reader must decode the C writer's file back to those records. The C program
 * is generated from the sample records, compiled with gcc, and run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTrace, encodeTrace, type TraceRecord } from '../../src/trace/format.js';
import { needs, ROOT } from '../helpers/cli.js';
import { header, sampleRecords } from './sample.js';

const HEADER_H = join(ROOT, 'native', 'common', 'trace_format.h');
const u64 = (n: number | null) => (n === null ? '~0ULL' : `${n}ULL`);
const cstr = (s: string) => JSON.stringify(s);

function call(r: TraceRecord): string {
  switch (r.type) {
    case 'fault': return `pw_tw_fault(&w, ${r.tid}, ${u64(r.t)}, ${u64(r.addr)}, ${u64(r.ip)}, ${r.flags}, ${r.region});`;
    case 'regionAdd': return `pw_tw_region_add(&w, ${r.id}, ${u64(r.t)}, ${u64(r.start)}, ${u64(r.end)}, ${u64(r.offset)}, ${u64(r.inode)}, ${r.prot}, ${r.cause}, ${cstr(r.name)}, ${Buffer.byteLength(r.name)});`;
    case 'regionRemove': return `pw_tw_region_remove(&w, ${r.id}, ${u64(r.t)});`;
    case 'regionResize': return `pw_tw_region_resize(&w, ${r.id}, ${u64(r.t)}, ${u64(r.start)}, ${u64(r.end)});`;
    case 'regionSplit': return `pw_tw_region_split(&w, ${r.id}, ${u64(r.t)}, ${u64(r.at)}, ${r.newId});`;
    case 'regionMerge': return `pw_tw_region_merge(&w, ${r.id}, ${u64(r.t)}, ${r.absorbed});`;
    case 'regionProt': return `pw_tw_region_prot(&w, ${r.id}, ${u64(r.t)}, ${r.prot});`;
    case 'lost': return `pw_tw_lost(&w, ${r.tid}, ${u64(r.t)}, ${u64(r.count)});`;
    case 'task': return `pw_tw_task(&w, ${r.tid}, ${u64(r.t)}, ${r.kind}, ${r.pid}, ${r.parent}, ${r.status});`;
    case 'counts': return `pw_tw_counts(&w, ${r.pid}, ${u64(r.t)}, ${u64(r.minor)}, ${u64(r.major)}, ${u64(r.counted)});`;
    case 'end': return `pw_tw_end(&w, ${u64(r.t)});`;
    case 'raw': throw new Error('the C writer writes known records only');
  }
}

test('the C writer (trace_format.h) and the TypeScript writer agree byte for byte; the reader reads the C file', {
  skip: needs('gcc') || (existsSync(HEADER_H) ? false : `${HEADER_H} not written yet`),
}, () => {
  const records = sampleRecords().filter((r) => r.type !== 'raw');
  const info = JSON.stringify(header.info);
  const src = `#include "trace_format.h"
static unsigned char buf[4096];
int main(void) {
  struct pw_trace_writer w;
  int fd = 1;
  pw_tw_init(&w, fd, buf, sizeof buf);
  pw_tw_header(&w, ${header.flags}, ${header.startMonoNs}ULL, ${header.startRealNs}ULL, ${header.source}, ${cstr(info)}, ${Buffer.byteLength(info)});
  ${records.map(call).join('\n  ')}
  return w.err ? 1 : 0;
}
`;
  const dir = mkdtempSync(join(tmpdir(), 'pagewise-cwriter-'));
  writeFileSync(join(dir, 'w.c'), src);
  const cc = spawnSync('gcc', ['-O1', '-w', '-I', join(ROOT, 'native', 'common'), '-o', join(dir, 'w'), join(dir, 'w.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const run = spawnSync(join(dir, 'w'), [], { maxBuffer: 1 << 20 });
  assert.equal(run.status, 0);
  const fromC = run.stdout as Buffer;
  const fromTs = encodeTrace(header, records);
  assert.equal(fromC.length, fromTs.length);
  assert.ok(fromC.equals(fromTs), `first difference at byte ${fromC.findIndex((b, i) => b !== fromTs[i])}`);
  rmSync(dir, { recursive: true, force: true });
  const tr = decodeTrace(fromC);
  assert.equal(tr.damage, null);
  assert.equal(tr.faults.count, 23);
  assert.deepEqual(tr.end, { type: 'end', t: 10e6, faults: 23, lost: 3 });
});
