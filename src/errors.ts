/**
 * The error type of pagewise and the registry of its error codes.
 *
 * Every failure a user can cause or meet is a PagewiseError carrying a stable code from REGISTRY,
 * a message (what was expected, what was found), a hint (what to do) and, optionally, a cause.
 * The CLI prints it as one line on stderr and exits with the code's exit status; tests assert codes.
 * docs/errors.md lists every code (a test checks that the two agree).
 *
 * Exit statuses: 2 = usage or bad input, 1 = the operation failed.
 */

export interface ErrorSpec {
  /** Process exit status the CLI uses for this code. */
  readonly exit: 1 | 2;
  /** What to do, when the thrower does not give a more specific hint. */
  readonly hint: string;
}

const spec = (exit: 1 | 2, hint: string): ErrorSpec => ({ exit, hint });

export const REGISTRY = {
  // --- general -------------------------------------------------------------------------------
  USAGE: spec(2, 'see --help for the synopsis and an example'),
  FILE_NOT_FOUND: spec(2, 'check the path'),
  FILE_UNREADABLE: spec(2, 'check the file permissions'),
  NOT_A_FILE: spec(2, 'give a regular file'),
  WRITE_FAILED: spec(1, 'check the directory exists, is writable and has space'),
  NATIVE_MISSING: spec(1, 'run npm install (or npm run build:native) to build the native programs'),
  INTERNAL: spec(1, 'this is a bug in pagewise; please report it with the command that caused it'),
  // --- elf -----------------------------------------------------------------------------------
  ELF_NOT_ELF: spec(2, 'give an ELF executable, shared object or core file (or a 64-bit Mach-O file)'),
  ELF_TRUNCATED: spec(2, 'the file is shorter than its headers say; it may be damaged or still being written'),
  ELF_BAD_CLASS: spec(2, 'pagewise reads 64-bit ELF only; use readelf for 32-bit files'),
  ELF_BAD_ENDIAN: spec(2, 'pagewise reads little-endian ELF only'),
  ELF_BAD_MACHINE: spec(2, 'pagewise loads x86-64 programs only'),
  ELF_BAD_HEADER: spec(2, 'the ELF headers are malformed; check the file with readelf -h -l'),
  MACHO_BAD: spec(2, 'the Mach-O file is malformed; check it with otool -l'),
  // --- proc ----------------------------------------------------------------------------------
  PROC_NO_SUCH_PID: spec(2, 'check the process id with ps; the process may have exited'),
  PROC_DENIED: spec(2, 'you may only inspect your own processes; run as the process owner (or root)'),
  PROC_BAD_FORMAT: spec(1, 'the /proc file did not have the expected layout; please report the kernel version'),
  AUXV_BAD: spec(2, 'give a PID, self, or a file holding a raw auxiliary vector (/proc/PID/auxv)'),
  // --- loader --------------------------------------------------------------------------------
  // --- trace ---------------------------------------------------------------------------------
  // --- ckpt ----------------------------------------------------------------------------------
  // --- stats / bench -------------------------------------------------------------------------
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof REGISTRY;

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class PagewiseError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: 1 | 2;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PagewiseError';
    this.code = code;
    this.hint = options.hint ?? REGISTRY[code].hint;
    this.exitCode = REGISTRY[code].exit;
  }

  /** The one line the CLI prints: "message; hint [CODE]". */
  oneLine(): string {
    return `${this.message}; ${this.hint} [${this.code}]`;
  }
}

export function isPagewiseError(e: unknown): e is PagewiseError {
  return e instanceof PagewiseError;
}

/** Map a Node fs error on `path` to a coded error; anything else is rethrown unchanged. */
export function fsError(e: unknown, path: string, action = 'read'): PagewiseError {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return new PagewiseError('FILE_NOT_FOUND', `${path}: no such file`, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return new PagewiseError('FILE_UNREADABLE', `${path}: permission denied to ${action} it`, { cause: e });
    case 'EISDIR':
      return new PagewiseError('NOT_A_FILE', `${path}: is a directory`, { cause: e });
    default:
      if (action === 'write') {
        return new PagewiseError('WRITE_FAILED', `${path}: cannot write: ${err?.code ?? String(e)}`, { cause: e });
      }
      return new PagewiseError('FILE_UNREADABLE', `${path}: cannot ${action}: ${err?.code ?? String(e)}`, { cause: e });
  }
}
