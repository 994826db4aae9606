/**
 * parseLoaderPage(buf): the loader's shared page (docs/formats/loader-report.md) as typed counters,
 * and loaderError(page): the coded error for a loader that failed before the program ran.
 * Pure: bytes in, values out. A page the loader never touched (magic 0) parses as `touched: false`.
 */
import { PagewiseError, type ErrorCode } from '../errors.js';
import { ByteReader } from '../util/reader.js';
import * as P from '../native/protocol.js';

export type LoaderState = 'loading' | 'running' | 'failed';

/** How demand paging is served: a SIGSEGV handler, userfaultfd faults as SIGBUS in the faulting
 * thread, or the classic userfaultfd pager thread (docs/loader.md). */
export const VIAS = ['signal', 'uffd', 'uffd-thread'] as const;
export type Via = (typeof VIAS)[number];
const viaName = (code: number): Via => (code === P.PW_LOADER_VIA_UFFD ? 'uffd' : code === P.PW_LOADER_VIA_UFFD_THREAD ? 'uffd-thread' : 'signal');

export interface LoaderPage {
  touched: boolean;
  state: LoaderState;
  error: number;
  mode: 'eager' | 'demand' | 'hybrid';
  via: Via;
  /** uffd vias: whether the userfaultfd serves the kernel's own faults too: only a privileged
   * uffd-thread pager does (--via uffd gets them as EFAULT; the guard pre-faults system call buffers). */
  uffdKernelFaults: boolean;
  segments: number;
  pagesMapped: number;
  faultsHandled: number;
  pagesFile: number;
  pagesZero: number;
  guardTraps: number;
  fallbackPages: number;
  lazyPages: number;
  message: string;
  /** hybrid mode (docs/hybrid.md): the predictor's name and window, or null / 0 when not hybrid. */
  predictor: string | null;
  prefetchWindow: number;
  /** Pages the predictor had mapped (zero pages and partial pages). */
  pagesPrefetched: number;
  /** Of the prefetched zero pages, those the program touched before exit_group (read from
   * /proc/self/pagemap at exit); null when unknown (killed by a signal, not hybrid, exit not seen). */
  prefetchUseful: number | null;
  /** Prefetched pages holding file bytes: always present once built, so not measurable; not in useful. */
  prefetchPartial: number;
  /** --record: the END record was written; recordErrno: the first write error (0 if none). */
  recordEnded: boolean;
  recordErrno: number;
}

const PREDICTORS = ['', 'next', 'stride', 'history', 'adaptive'];

export function parseLoaderPage(buf: Buffer): LoaderPage {
  const r = new ByteReader(buf, 'loader shared page', 'LOADER_CRASHED');
  const magic = r.u32(P.PW_LOADER_OFF_MAGIC, 'magic');
  const touched = magic === P.PW_LOADER_SHM_MAGIC;
  if (touched) {
    const v = r.u32(P.PW_LOADER_OFF_VERSION, 'version');
    if (v !== P.PW_LOADER_SHM_VERSION) throw new PagewiseError('LOADER_CRASHED', `loader shared page: version ${v}, expected ${P.PW_LOADER_SHM_VERSION}`);
  }
  const st = r.u32(P.PW_LOADER_OFF_STATE, 'state');
  const n = (off: number, f: string) => r.u64n(off, f);
  return {
    touched,
    state: st === P.PW_LOADER_STATE_RUNNING ? 'running' : st === P.PW_LOADER_STATE_FAILED ? 'failed' : 'loading',
    error: r.u32(P.PW_LOADER_OFF_ERROR, 'error'),
    mode: modeName(r.u32(P.PW_LOADER_OFF_MODE, 'mode')),
    via: viaName(r.u32(P.PW_LOADER_OFF_VIA, 'via')),
    uffdKernelFaults: (r.u32(P.PW_LOADER_OFF_UFFD_FLAGS, 'uffd_flags') & P.PW_LOADER_UFFD_KERNEL_FAULTS) !== 0,
    segments: r.u32(P.PW_LOADER_OFF_SEGMENTS, 'segments'),
    pagesMapped: n(P.PW_LOADER_OFF_PAGES_MAPPED, 'pages_mapped'),
    faultsHandled: n(P.PW_LOADER_OFF_FAULTS, 'faults'),
    pagesFile: n(P.PW_LOADER_OFF_PAGES_FILE, 'pages_file'),
    pagesZero: n(P.PW_LOADER_OFF_PAGES_ZERO, 'pages_zero'),
    guardTraps: n(P.PW_LOADER_OFF_GUARD_TRAPS, 'guard_traps'),
    fallbackPages: n(P.PW_LOADER_OFF_FALLBACK_PAGES, 'fallback_pages'),
    lazyPages: n(P.PW_LOADER_OFF_LAZY_PAGES, 'lazy_pages'),
    message: r.cstr(P.PW_LOADER_OFF_MESSAGE, 'message', P.PW_LOADER_MESSAGE_SIZE),
    ...hybridFields(r),
  };
}

function modeName(m: number): LoaderPage['mode'] {
  return m === P.PW_LOADER_MODE_HYBRID ? 'hybrid' : m === P.PW_LOADER_MODE_DEMAND ? 'demand' : 'eager';
}

function hybridFields(r: ByteReader) {
  const flags = r.u32(P.PW_LOADER_OFF_PREFETCH_FLAGS, 'prefetch_flags');
  const kind = r.u32(P.PW_LOADER_OFF_PREDICTOR, 'predictor');
  const partial = r.u64n(P.PW_LOADER_OFF_PREFETCH_PARTIAL, 'prefetch_partial');
  // no zero page was prefetched: 0 useful of 0 is exact, even when the exit was not seen
  const nothingToMeasure = kind !== 0 && r.u64n(P.PW_LOADER_OFF_PAGES_PREFETCHED, 'pages_prefetched') === partial;
  return {
    predictor: PREDICTORS[kind] || null,
    prefetchWindow: r.u32(P.PW_LOADER_OFF_PREFETCH_WINDOW, 'prefetch_window'),
    pagesPrefetched: r.u64n(P.PW_LOADER_OFF_PAGES_PREFETCHED, 'pages_prefetched'),
    prefetchUseful: flags & P.PW_LOADER_PREFETCH_MEASURED ? r.u64n(P.PW_LOADER_OFF_PREFETCH_USEFUL, 'prefetch_useful') : nothingToMeasure ? 0 : null,
    prefetchPartial: partial,
    recordEnded: (flags & P.PW_LOADER_RECORD_ENDED) !== 0,
    recordErrno: r.u32(P.PW_LOADER_OFF_RECORD_ERRNO, 'record_errno'),
  };
}

const CODES: Record<number, ErrorCode> = {
  [P.PW_LOADER_ERR_USAGE]: 'USAGE',
  [P.PW_LOADER_ERR_NOT_FOUND]: 'FILE_NOT_FOUND',
  [P.PW_LOADER_ERR_NOT_EXECUTABLE]: 'LOADER_NOT_EXECUTABLE',
  [P.PW_LOADER_ERR_NOT_ELF]: 'ELF_NOT_ELF',
  [P.PW_LOADER_ERR_BAD_CLASS]: 'ELF_BAD_CLASS',
  [P.PW_LOADER_ERR_BAD_MACHINE]: 'ELF_BAD_MACHINE',
  [P.PW_LOADER_ERR_BAD_HEADER]: 'ELF_BAD_HEADER',
  [P.PW_LOADER_ERR_TRUNCATED]: 'ELF_TRUNCATED',
  [P.PW_LOADER_ERR_OVERLAP]: 'LOADER_OVERLAP',
  [P.PW_LOADER_ERR_SETUID]: 'LOADER_SETUID',
  [P.PW_LOADER_ERR_BAD_INTERP]: 'LOADER_BAD_INTERP',
  [P.PW_LOADER_ERR_MAP_FAILED]: 'LOADER_MAP_FAILED',
  [P.PW_LOADER_ERR_UFFD]: 'LOADER_UFFD_UNAVAILABLE',
  [P.PW_LOADER_ERR_SECCOMP]: 'LOADER_SECCOMP',
  [P.PW_LOADER_ERR_RECORD]: 'LOADER_RECORD_FAILED',
};

/** The coded error a failed loader reported (its own one-line message). */
export function loaderError(page: LoaderPage): PagewiseError {
  const code = CODES[page.error] ?? 'LOADER_CRASHED';
  return new PagewiseError(code, page.message || `the loader failed with error ${page.error}`);
}
