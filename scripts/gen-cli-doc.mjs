#!/usr/bin/env node
// Writes docs/cli.md from every registered command's own --help text (dist/src/cli/main.js), so the
// reference never drifts from what the program prints. Run: npm run build:ts && npm run docs:cli
import { writeFileSync } from 'node:fs';
import { COMMANDS, topUsage } from '../dist/src/cli/main.js';

const parts = [
  '# Command reference',
  '',
  'Generated from each command\'s `--help` by `node scripts/gen-cli-doc.mjs`. Exit statuses: 0 success,',
  '1 the operation failed, 2 usage error or bad input; commands that run a program (`run`, `trace`,',
  '`ckpt run`, `restart`) exit with its status, or 128+N when it died by signal N. Errors are one line on',
  'stderr ending in a stable code (docs/errors.md).',
  '',
  '```',
  topUsage().trimEnd(),
  '```',
  '',
];
for (const [name, [, load]] of Object.entries(COMMANDS)) {
  const { command } = await load();
  parts.push(`## pagewise ${name}`, '', command.summary, '', '```');
  parts.push(`usage: ${command.usage.trim().split('\n').join('\n       ')}`, '', command.help.trim(), '```', '');
}
writeFileSync(new URL('../docs/cli.md', import.meta.url), parts.join('\n'));
