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
  ELF_NOT_PROGRAM: spec(2, 'give an executable (ET_EXEC) or a position-independent executable or shared object (ET_DYN)'),
  // --- proc ----------------------------------------------------------------------------------
  PROC_NO_SUCH_PID: spec(2, 'check the process id with ps; the process may have exited'),
  PROC_NO_MEMORY: spec(2, 'kernel threads and exiting (zombie) processes have no user memory; give a user process'),
  PROC_DENIED: spec(2, 'you may only inspect your own processes; run as the process owner (or root)'),
  PROC_BAD_FORMAT: spec(1, 'the /proc file did not have the expected layout; please report the kernel version'),
  AUXV_BAD: spec(2, 'give a PID, self, or a file holding a raw auxiliary vector (/proc/PID/auxv)'),
  // --- loader --------------------------------------------------------------------------------
  LOADER_NOT_EXECUTABLE: spec(2, 'give a regular file with execute permission (chmod +x), as for a direct run'),
  LOADER_SETUID: spec(2, 'run set-user-ID and set-group-ID programs directly; pagewise cannot give them their privileges'),
  LOADER_BAD_INTERP: spec(2, 'the program names a missing or unusable interpreter (PT_INTERP); check it with readelf -l'),
  LOADER_OVERLAP: spec(2, 'the program is linked at addresses already in use (the loader, the stack or the vDSO); it cannot be loaded in-process'),
  LOADER_MAP_FAILED: spec(1, 'the loader could not map the program; check memory limits (ulimit -v) and vm.max_map_count'),
  LOADER_UFFD_UNAVAILABLE: spec(1, 'userfaultfd is unavailable here; use --via signal (or allow vm.unprivileged_userfaultfd)'),
  LOADER_SECCOMP: spec(1, 'the demand modes need seccomp filters (CONFIG_SECCOMP_FILTER); use --mode eager'),
  LOADER_CRASHED: spec(1, 'the native loader ended before starting the program; run with PAGEWISE_DEBUG=1 and report it'),
  LOADER_RECORD_FAILED: spec(2, 'give --record a path in a directory you may write to (the file is created mode 0600)'),
  // --- trace ---------------------------------------------------------------------------------
  TRACE_PERF_DENIED: spec(2, 'lower kernel.perf_event_paranoid to 2 (sysctl -w kernel.perf_event_paranoid=2), which lets a user trace their own processes; or run as root'),
  TRACE_NO_SUCH_PID: spec(2, 'check the process id with ps; the process may have exited'),
  TRACE_PTRACE_DENIED: spec(2, 'trace only your own processes (or run as root); see docs/tracer.md for ptrace scope and no_new_privs'),
  TRACE_COMMAND_NOT_FOUND: spec(2, 'check the command name and PATH, or give the path of the program'),
  TRACE_EXEC_FAILED: spec(2, 'check the program is an executable you may run (chmod +x) for this machine'),
  TRACE_START_FAILED: spec(1, 'the collector could not start the command; run with PAGEWISE_DEBUG=1 and report the message'),
  TRACE_COLLECTOR_FAILED: spec(1, 'pagewise-tracer ended without finishing the trace; the trace file holds what was written before'),
  TRACE_BAD_MAGIC: spec(2, 'give a trace file written by pagewise trace (it starts with PWTRACE)'),
  TRACE_BAD_VERSION: spec(2, 'the trace was written by another pagewise version; read it with that version'),
  TRACE_TRUNCATED: spec(1, 'the trace was cut short (the collector died or is still writing); what came before is shown'),
  TRACE_CORRUPT: spec(1, 'the trace is damaged at that offset; what came before is shown'),
  TRACE_BAD_TIME: spec(2, 'give a time such as 12.5ms, 300us, 2s or 1500000ns'),
  REPORT_ASSETS_MISSING: spec(1, 'reinstall pagewise (npm install) so node_modules/uplot is present'),
  // --- ckpt ----------------------------------------------------------------------------------
  CKPT_NOT_IMAGE: spec(2, 'give a checkpoint image written by libckpt.so (myckpt by default)'),
  CKPT_TRUNCATED: spec(2, 'the image is shorter than its header says; it was cut short or is still being written'),
  CKPT_BAD_CHECKSUM: spec(2, 'the image is damaged; take a new checkpoint'),
  CKPT_BAD_VERSION: spec(2, 'the image was written by another version of pagewise; restart it with that version'),
  CKPT_BAD_ARCH: spec(2, 'pagewise restarts x86-64 images only'),
  CKPT_CORRUPT: spec(2, 'the image structure is inconsistent; run pagewise ckpt verify IMAGE and take a new checkpoint'),
  CKPT_COLLIDES: spec(2, 'the program used the restarter\'s fixed range 0x5000000-0x5400000; it cannot be restarted by myrestart'),
  CKPT_FILE_GONE: spec(2, 'restore the file at that path (the program had it open or mapped), then restart'),
  CKPT_VDSO_MISMATCH: spec(2, 'restart on the kernel the checkpoint was taken under'),
  CKPT_NOT_PRELOADED: spec(2, 'start the program with pagewise ckpt run -- PROG (or LD_PRELOAD=/abs/path/libckpt.so)'),
  CKPT_MULTITHREADED: spec(2, 'libckpt.so checkpoints programs of at most 65 threads'),
  CKPT_NOT_DYNAMIC: spec(2, 'LD_PRELOAD needs a dynamically linked program; rebuild it without -static'),
  CKPT_NO_IMAGE_DIR: spec(2, 'create the directory, or start the program with PAGEWISE_CKPT naming a writable place'),
  CKPT_DUMP_FAILED: spec(1, 'see the program\'s stderr for the line libckpt.so printed'),
  CKPT_DUMP_TIMEOUT: spec(1, 'raise --timeout for a large process, or check the program does not block SIGUSR2'),
  CKPT_RESTART_FAILED: spec(1, 'see the line myrestart printed on stderr'),
  // --- stats / bench -------------------------------------------------------------------------
  BENCH_BAD_FILE: spec(2, 'give a file written by pagewise bench --save'),
  BENCH_RUN_FAILED: spec(1, 'run the configuration by hand with pagewise run --stats to see what differs'),
  STAT_NOT_NUMBER: spec(2, 'each line must hold one number in the chosen column (-C, -d); # starts a comment'),
  STAT_TOO_FEW: spec(2, 'give at least 2 values per data set (ministat itself wants 3)'),
  STAT_BAD_CONFIDENCE: spec(2, 'use one of -c 80, 90, 95, 98, 99, 99.5'),
  PREDICT_UNKNOWN: spec(2, 'use one of next, stride, history, adaptive (or all)'),
  PREDICT_BAD_PAGES: spec(2, 'give --pages as numbers between 1 and 64, e.g. --pages 2,3'),
  PREDICT_BAD_TRACE: spec(2, 'the trace is damaged or cut short; give --allow-damaged to replay the faults before the damage'),
  PREDICT_NO_FAULTS: spec(2, 'record the trace with pagewise trace or the loader\'s --record; it holds no FAULT records'),
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
