/**
 * runLoaded(opts): run a program through the native loader (pagewise-exec -> pagewise-loader -> the
 * program) and return how it ended, with wait4's rusage and the loader's own counters.
 *
 * Order: resolve PROGRAM on PATH, check it completely here (src/loader/program.ts), then let the loader
 * check it again and load it. A loader failure before the program ran becomes the coded error the
 * loader reported (nothing of the program ran); after that the program's status is the result.
 */
import { PagewiseError } from '../errors.js';
import { locateNative } from '../native/locate.js';
import { PW_EXEC_SHM_PLACEHOLDER } from '../native/protocol.js';
import { runReported, type ReportedRun, type RunOptions } from '../native/run.js';
import { closeSync, openSync, readSync } from 'node:fs';
import { fsError } from '../errors.js';
import { checkProgram, expandScript, resolveProgram } from './program.js';
import { loaderError, parseLoaderPage, type LoaderPage, type Via } from './shm.js';

export type LoadMode = 'eager' | 'demand' | 'hybrid';
export type PredictorName = 'next' | 'stride' | 'history' | 'adaptive';
export const PREDICTOR_NAMES: readonly PredictorName[] = ['next', 'stride', 'history', 'adaptive'];

/** hybrid mode and --record (docs/hybrid.md): predictor and pages apply to hybrid only. */
export interface HybridOptions {
  predictor?: PredictorName;
  pages?: number;
  /** absolute path of the --record trace file */
  record?: string;
}
export { VIAS, type Via } from './shm.js';

export interface LoadOptions extends RunOptions {
  mode: LoadMode;
  via: Via;
  /** argv of the program; argv[0] is also the name looked up on PATH. */
  argv: string[];
  cwd: string;
  hybrid?: HybridOptions;
}

export interface LoadedRun extends ReportedRun {
  path: string;
  loader: LoaderPage;
}

/** The loader's command line for a resolved program (exported for bench/ and tests). */
export function loaderArgs(mode: LoadMode, via: Via, path: string, argv: string[], shmArg = PW_EXEC_SHM_PLACEHOLDER, h: HybridOptions = {}): string[] {
  const extra = [
    ...(mode === 'hybrid' ? ['--predictor', h.predictor ?? 'next', '--pages', String(h.pages ?? 2)] : []),
    ...(h.record !== undefined ? ['--record', h.record] : []),
  ];
  return ['--mode', mode, '--via', via, ...extra, '--shm', shmArg, '--exec', path, '--', ...argv];
}

export async function runLoaded(opts: LoadOptions): Promise<LoadedRun> {
  const found = resolveProgram(opts.argv[0], opts.cwd, opts.env);
  await checkProgram(found);
  const { path, argv } = expandScript(found, opts.argv, readHead);
  if (path !== found) await checkProgram(path);
  const loader = locateNative('pagewise-loader');
  const run = await runReported(loader, loaderArgs(opts.mode, opts.via, path, argv, PW_EXEC_SHM_PLACEHOLDER, opts.hybrid), opts);
  if (run.execErrno !== 0) throw new PagewiseError('NATIVE_MISSING', `cannot execute ${loader} (errno ${run.execErrno})`);
  const page = parseLoaderPage(run.shm);
  if (page.state === 'failed') throw loaderError(page);
  if (page.state === 'loading') {
    throw new PagewiseError('LOADER_CRASHED', `the loader ended (${run.signal ?? `status ${run.status}`}) before starting ${path}`);
  }
  return { ...run, path, loader: page };
}

function readHead(p: string): Buffer {
  const buf = Buffer.alloc(256);
  let fd: number | undefined;
  try {
    fd = openSync(p, 'r');
    return buf.subarray(0, readSync(fd, buf, 0, 256, 0));
  } catch (e) {
    throw fsError(e, p);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The status a shell would give: the exit status, or 128 + the signal number. */
export function shellStatus(run: ReportedRun): number {
  return run.signalNumber !== null ? 128 + run.signalNumber : (run.status ?? 1);
}
