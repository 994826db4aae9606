#!/usr/bin/env node
// Writes docs/errors.md from the error registry (dist/src/errors.js): every code, its exit status and
// its default hint. Run after adding a code: npm run build:ts && node scripts/gen-errors-doc.mjs
import { writeFileSync } from 'node:fs';
import { REGISTRY } from '../dist/src/errors.js';

const rows = Object.entries(REGISTRY).map(([code, s]) => `| \`${code}\` | ${s.exit} | ${s.hint.replace(/\|/g, '\\|')} |`);
const text = `# Error codes

Every error pagewise reports is one line on stderr, \`pagewise COMMAND: message; hint [CODE]\`, and a
non-zero exit status: 2 for usage errors and bad input, 1 when the operation itself failed. The code is
stable; scripts and tests may match on it. The hint below is the default; many errors give a more
specific one. This file is generated from \`src/errors.ts\` by \`node scripts/gen-errors-doc.mjs\`.

| code | exit | default hint |
|---|---|---|
${rows.join('\n')}
`;
writeFileSync(new URL('../docs/errors.md', import.meta.url), text);
