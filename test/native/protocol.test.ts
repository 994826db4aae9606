/**
 * The C/TypeScript boundary is written down twice (native/common/protocol.h, src/native/protocol.ts) and
 * tested here once: every `#define PW_NAME value` of a section of protocol.h is exported by protocol.ts
 * with the same value. One case per section; a section owner adds the case when writing the section.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import * as protocol from '../../src/native/protocol.js';

/** name -> value of the #defines between `/* ---- SECTION ---- *\/` and the next section marker. */
function definesOf(section: string): Map<string, bigint> {
  const text = readFileSync(join(ROOT, 'native', 'common', 'protocol.h'), 'utf8');
  const start = text.indexOf(`/* ---- ${section} ---- */`);
  assert.ok(start >= 0, `protocol.h has no section '${section}'`);
  const rest = text.slice(start + 10);
  const next = rest.search(/\/\* ---- [^\n]* ---- \*\//);
  const body = next < 0 ? rest : rest.slice(0, next);
  const out = new Map<string, bigint>();
  for (const m of body.matchAll(/^#define (PW_\w+) (-?(?:0x[0-9a-fA-F]+|\d+))[uUlL]*\s*(?:\/\*.*)?$/gm)) {
    out.set(m[1], BigInt(m[2]));
  }
  return out;
}

function checkSection(section: string): void {
  const defs = definesOf(section);
  assert.ok(defs.size > 0, `section '${section}' defines nothing`);
  const exported = protocol as Record<string, unknown>;
  for (const [name, value] of defs) {
    const v = exported[name];
    assert.ok(typeof v === 'number' || typeof v === 'bigint', `protocol.ts does not export ${name}`);
    assert.equal(BigInt(v as number | bigint), value, `${name}: protocol.h says ${value}, protocol.ts ${String(v)}`);
  }
}

test('protocol.h and protocol.ts agree: trace file', () => checkSection('trace file'));
test('protocol.h and protocol.ts agree: checkpoint image', () => checkSection('checkpoint image'));
test('protocol.h and protocol.ts agree: loader', () => checkSection('loader'));
