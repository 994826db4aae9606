#!/usr/bin/env node
// Writes docs/cli.md from every registered command's own --help text (src/cli/reference.ts), so the
// reference never drifts from what the program prints. Run: npm run build:ts && npm run docs:cli
import { writeFileSync } from 'node:fs';
import { renderCliReference } from '../dist/src/cli/reference.js';

writeFileSync(new URL('../docs/cli.md', import.meta.url), await renderCliReference());
