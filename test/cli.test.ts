import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, runBin, ROOT } from './helpers/cli.js';
import { COMMANDS } from '../src/cli/main.js';
import { REGISTRY } from '../src/errors.js';

test('pagewise --help lists every command and exits 0', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const name of Object.keys(COMMANDS)) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
});

test('an unknown command is a usage error: one line, exit 2', async () => {
  const r = await runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "pagewise: unknown command 'frobnicate'; run pagewise --help for the list [USAGE]\n");
});

test('every command has --help with an example, and rejects unknown options with exit 2', async () => {
  for (const name of Object.keys(COMMANDS)) {
    const h = await runCli([name, '--help']);
    assert.equal(h.code, 0, `${name} --help`);
    assert.match(h.stdout, /^usage: pagewise /, `${name} --help synopsis`);
    assert.match(h.stdout, /example/i, `${name} --help has an example`);
    const bad = await runCli([name, '--no-such-option']);
    assert.equal(bad.code, 2, `${name} --no-such-option`);
    assert.match(bad.stderr, /\[USAGE\]\n/, `${name}: usage error names its code`);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, `${name}: no stack trace`);
  }
});

test('the built executable runs', () => {
  const r = runBin(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^pagewise \d+\.\d+\.\d+\n$/);
});

test('docs/errors.md lists every error code of the registry', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  for (const code of Object.keys(REGISTRY)) assert.match(doc, new RegExp(`\\b${code}\\b`), `docs/errors.md lacks ${code}`);
});

test('docs/cli.md is what the commands\' own --help says (npm run docs:cli regenerates it)', async () => {
  const { renderCliReference } = await import('../src/cli/reference.js');
  const doc = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
  assert.equal(doc, await renderCliReference());
});
