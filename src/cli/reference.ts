/**
 * renderCliReference(): docs/cli.md, built from every registered command's own summary, synopsis and
 * --help text, so the reference cannot drift from what pagewise prints (a test compares the file with
 * this output; scripts/gen-cli-doc.mjs writes it). Loads every command module and runs
 * `bin/tracepgfault --help` (the native collector's own text); no other effect.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../native/locate.js';
import { COMMANDS, topUsage } from './main.js';

export async function renderCliReference(): Promise<string> {
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
  // the classic tracer is the native collector's own front (bin/tracepgfault): its --help is the C's
  const classic = spawnSync(join(PACKAGE_ROOT, 'bin', 'tracepgfault'), ['--help'], { encoding: 'utf8' });
  parts.push('## tracepgfault', '', 'the classic page-fault tracer: pagewise trace without Node (native/tracer, --classic)', '', '```');
  parts.push(classic.status === 0 ? classic.stdout.trim() : `(bin/tracepgfault --help failed: build the native programs first)`, '```', '');
  return parts.join('\n');
}
