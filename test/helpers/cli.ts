/**
 * Test helpers: run the CLI in-process (main + a collecting Io) or as a real subprocess (the built
 * bin), find the repository root and the native build, and decide whether an optional peer (a Debian
 * package, the unprivileged test user) is present. A test whose peer is missing is *skipped* with the
 * reason, never passed.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { collectingIo } from '../../src/cli/io.js';

/** Repository root: this file is dist/test/helpers/cli.js. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
export const NATIVE = join(ROOT, 'native', 'build');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** main(argv) in this process. */
export async function runCli(argv: string[], cwd = process.cwd()): Promise<CliResult> {
  const io = collectingIo(cwd);
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/** The built `pagewise` executable in a child process. */
export function runBin(argv: string[], opts: SpawnSyncOptions = {}): CliResult & { signal: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, [BIN, ...argv], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000, ...opts });
  return { code: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), signal: r.signal };
}

/** The path of a program on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** For node:test's `skip` option: a reason string when `cmd` is missing, false when present. */
export function needs(cmd: string, pkg = cmd): string | false {
  return which(cmd) ? false : `${cmd} not installed (Debian package ${pkg}; npm run test:deps installs it)`;
}

export const TEST_USER = 'pagewise-test';

/** Whether tests can run commands as the ordinary user TEST_USER (needs root and the user). */
export function unprivilegedSkip(): string | false {
  if (process.getuid?.() !== 0) return false; // already unprivileged: the normal path is the unprivileged one
  const r = spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' });
  if (r.status !== 0) return `user ${TEST_USER} does not exist (npm run test:deps creates it)`;
  return false;
}

/** Run argv as TEST_USER when root (runuser), else as ourselves. */
export function runAsUser(argv: string[], opts: SpawnSyncOptions = {}) {
  const full = process.getuid?.() === 0 ? ['runuser', '-u', TEST_USER, '--', ...argv] : argv;
  // The checkout may sit in a directory the test user cannot enter (CI clones into a mktemp -d):
  // start in /tmp unless the test chose a directory, as a user's shell always has a usable cwd.
  const r = spawnSync(full[0], full.slice(1), { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000, cwd: '/tmp', ...opts });
  return { code: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), signal: r.signal };
}

let userCopy: string | undefined;

/**
 * A copy of the built package (package.json, dist, native/build, node_modules) in a fresh directory that
 * TEST_USER can read, since the checkout itself may sit under a private directory (CI clones into one).
 * Made once per test process; returns its root. Run its CLI with runAsUser(['node', join(root, BIN_REL), ...]).
 */
export function packageCopyForUser(): string {
  if (userCopy) return userCopy;
  const dir = spawnSync('mktemp', ['-d', '/tmp/pagewise-user-XXXXXX'], { encoding: 'utf8' }).stdout.trim();
  for (const part of ['package.json', 'bin', 'dist', 'node_modules']) {
    spawnSync('cp', ['-a', join(ROOT, part), dir]);
  }
  spawnSync('mkdir', ['-p', join(dir, 'native')]);
  spawnSync('cp', ['-a', NATIVE, join(dir, 'native', 'build')]);
  spawnSync('chmod', ['-R', 'a+rX', dir]);
  spawnSync('chmod', ['a+rwx', dir]);
  userCopy = dir;
  return dir;
}

export const BIN_REL = join('dist', 'src', 'cli', 'bin.js');
