/**
 * Where the native programs are: native/build/ at the package root, built by `npm install`.
 * locateNative(name) returns the absolute path or raises NATIVE_MISSING naming the file and how to build it.
 * Pure path logic plus one existence check; it runs nothing.
 */
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PagewiseError } from '../errors.js';

/** The package root: this file is dist/src/native/locate.js. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NATIVE_BUILD = process.env.PAGEWISE_NATIVE_DIR ?? join(PACKAGE_ROOT, 'native', 'build');

export function nativePath(name: string): string {
  return join(NATIVE_BUILD, name);
}

export function locateNative(name: string, mode = constants.R_OK): string {
  const p = nativePath(name);
  try {
    accessSync(p, mode);
  } catch (e) {
    throw new PagewiseError('NATIVE_MISSING', `native program ${p} is missing or unusable`, { cause: e });
  }
  return p;
}

/** The bundled workload programs (native/workloads), by short name. */
export function workloadPath(name: string): string {
  return locateNative(join('workloads', name), constants.X_OK);
}
