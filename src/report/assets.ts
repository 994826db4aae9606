/**
 * The files a report inlines: uPlot's minified script and stylesheet from the installed uplot package.
 * Effectful (reads node_modules); a missing package is NATIVE_MISSING-like: REPORT_ASSETS_MISSING.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PagewiseError } from '../errors.js';
import type { Assets } from './html.js';

export function loadAssets(): Assets {
  try {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('uplot/package.json')), 'dist');
    return { uplotJs: readFileSync(join(dir, 'uPlot.iife.min.js'), 'utf8'), uplotCss: readFileSync(join(dir, 'uPlot.min.css'), 'utf8') };
  } catch (e) {
    throw new PagewiseError('REPORT_ASSETS_MISSING', `cannot read the uplot package's dist files: ${(e as Error).message}`, { cause: e });
  }
}
