/**
 * resolveProgram(name, cwd, env) finds PROGRAM as a shell would (a name with a slash is a path, else
 * each PATH entry in turn), and checkProgram(path) checks, before anything runs, what the native
 * loader will check again: a regular executable file, not set-user/group-ID, a loadable x86-64 ELF
 * (src/elf parseElf + assertLoadable), and its interpreter likewise. Throws coded errors; runs nothing.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fsError, PagewiseError } from '../errors.js';
import { assertLoadable, parseElf } from '../elf/index.js';
import { ET } from '../elf/names.js';

export function resolveProgram(name: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  if (name === '') throw new PagewiseError('USAGE', 'the program name is empty');
  if (name.includes('/')) return isAbsolute(name) ? name : resolve(cwd, name);
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const p = resolve(cwd, dir || '.', name);
    try {
      if (statSync(p).isFile()) {
        accessSync(p, constants.X_OK);
        return p;
      }
    } catch {
      /* next PATH entry */
    }
  }
  throw new PagewiseError('FILE_NOT_FOUND', `${name}: not found on PATH`, { hint: 'give a path or check PATH' });
}

async function checkElf(path: string, role: string): Promise<string | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    if (role === 'interpreter') throw new PagewiseError('LOADER_BAD_INTERP', `interpreter ${path}: cannot read it (${(e as NodeJS.ErrnoException).code})`);
    throw fsError(e, path);
  }
  if (buf.length === 0) throw new PagewiseError('ELF_NOT_ELF', `${path} is empty, not an ELF file`);
  if (role === 'program' && buf[0] === 0x23 && buf[1] === 0x21) return undefined; /* a #! script: see expandScript */
  const elf = parseElf(buf, path);
  assertLoadable(elf);
  if (role === 'interpreter') {
    if (elf.header.type !== ET.DYN) throw new PagewiseError('LOADER_BAD_INTERP', `interpreter ${path} is not ET_DYN`);
    if (elf.interpreter !== undefined) throw new PagewiseError('LOADER_BAD_INTERP', `interpreter ${path} itself names an interpreter`);
  }
  return elf.interpreter;
}

/** Everything checkable from here before the loader runs; returns the interpreter path, if any. */
export async function checkProgram(path: string): Promise<string | undefined> {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw fsError(e, path);
  }
  if (!st.isFile()) throw new PagewiseError('LOADER_NOT_EXECUTABLE', `${path} is not a regular file`);
  try {
    accessSync(path, constants.X_OK);
    if ((st.mode & 0o111) === 0) throw new Error('no x bit');
  } catch {
    throw new PagewiseError('LOADER_NOT_EXECUTABLE', `${path} is not executable (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`);
  }
  if (st.mode & 0o4000 || (st.mode & 0o2000 && st.mode & 0o010)) {
    throw new PagewiseError('LOADER_SETUID', `${path} is set-${st.mode & 0o4000 ? 'user' : 'group'}-ID: loaded by pagewise it would run without its privileges`);
  }
  const interp = await checkElf(path, 'program');
  if (interp !== undefined) {
    if (!interp.startsWith('/')) throw new PagewiseError('LOADER_BAD_INTERP', `${path}: interpreter path '${interp}' is not absolute`);
    await checkElf(interp, 'interpreter');
  }
  return interp;
}


/**
 * A `#!` script is run as the kernel runs it: its interpreter, the optional single argument, the
 * script's path, then the original arguments after argv[0]. Returns the argv to load (unchanged
 * for anything that is not a script); at most 4 levels, as binfmt_script allows.
 */
export function expandScript(path: string, argv: string[], readHead: (p: string) => Buffer): { path: string; argv: string[] } {
  let cur = { path, argv };
  for (let depth = 0; depth < 4; depth++) {
    const head = readHead(cur.path);
    if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) return cur;
    const nl = head.indexOf(0x0a);
    const line = head.subarray(2, nl < 0 ? head.length : nl).toString('latin1').trim();
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m) throw new PagewiseError('LOADER_BAD_INTERP', `${cur.path}: the #! line names no interpreter`);
    cur = { path: m[1], argv: [m[1], ...(m[2] ? [m[2]] : []), cur.path, ...cur.argv.slice(1)] };
  }
  throw new PagewiseError('LOADER_BAD_INTERP', `${path}: #! interpreters nest more than 4 deep`);
}
