/**
 * `pagewise run [--mode eager|demand] [--via signal|uffd|uffd-thread] [--stats[=json]] [--] PROGRAM [ARGS...]`:
 * run PROGRAM through the native loader. A thin shell: split pagewise's options from the program's
 * command line, run it (src/loader/run.ts) with this process's stdio, print the stats, and return the
 * status a shell would give (the program's exit status, or 128 + signal when it was killed).
 */
import { processIo, type Io } from '../io.js';
import { printHelp, usageError, type Command } from '../command.js';
import { runLoaded, shellStatus, PREDICTOR_NAMES, VIAS, type HybridOptions, type LoadMode, type PredictorName, type Via } from '../../loader/run.js';
import { resolve } from 'node:path';
import { renderStats, statsOf } from '../../loader/stats.js';

export const command: Command = {
  name: 'run',
  summary: 'run a program through pagewise\'s own ELF loader, eager or demand-paged',
  usage: 'pagewise run [--mode eager|demand|hybrid] [--via signal|uffd|uffd-thread] [--predictor NAME] [--pages N] [--record FILE] [--stats | --stats=json] [--] PROGRAM [ARGS...]',
  help: `
Loads PROGRAM into a fresh process with pagewise's user-space loader (no execve of PROGRAM) and runs
it with the same stdin, stdout, stderr, arguments, environment and working directory. PROGRAM is
looked up on PATH as a shell does. Static, static-PIE and dynamically linked x86-64 programs load;
set-user-ID programs, other architectures and malformed files are refused before anything runs.

options:
  --mode eager     map every segment at start, as the kernel does (default)
  --mode demand    map nothing up front; each page of the program and of its interpreter is mapped
                   by the loader on its first touch
  --mode hybrid    text and initialized data mapped at start, as eager; bss on demand, and each fault
                   also maps the pages a predictor proposes (docs/hybrid.md; --via signal only)
  --predictor NAME hybrid: next (default: the following pages), stride (the distance between faults),
                   history (which delta followed which), adaptive (a window that grows while it hits)
  --pages N        hybrid: map the fault page plus N-1 predicted pages, N in 1..64 (default 2);
                   adaptive sizes its own window (up to 64) and starts from N-1
  --record FILE    demand or hybrid: write the faults the loader handled (and the pages it prefetched)
                   to FILE in the trace format (docs/formats/trace.md); read it with show or predict
  --via signal     demand pages through a SIGSEGV handler (default)
  --via uffd       demand pages through userfaultfd, each fault resolved by its own thread (SIGBUS):
                   the program's own SIGSEGV handling is untouched, its SIGBUS is kept as the signal
                   via keeps SIGSEGV (see docs/loader.md)
  --via uffd-thread
                   demand pages through userfaultfd and a pager thread (the classic design): no signal
                   of the program is used, and as root the kernel's own faults are served too; each
                   fault wakes the pager and back, slow where idle CPUs wake slowly (VMs)
  --stats          after the run, print to stderr: wall, user and sys time, max RSS, minor and major
                   faults (wait4) and the loader's counters (pages mapped, faults handled)
                   (hybrid: pages prefetched, how many the program touched, faults saved)
  --stats=json     the same as one line of JSON on stderr
  -h, --help

exit status: the program's own; 128+N when it was killed by signal N (as a shell reports it);
2 when pagewise refused the program or the options (one line on stderr, nothing run).

example:
  pagewise run --mode demand --stats -- /bin/ls -la /
  pagewise run --mode demand --via uffd --stats=json python3 -c 'print(1)'
  pagewise run --mode hybrid --predictor adaptive --stats --record scan.trace -- ./seqscan 4096
`,
  async run(argv: string[], io: Io): Promise<number> {
    let mode: LoadMode = 'eager';
    let via: Via = 'signal';
    let stats: 'off' | 'text' | 'json' = 'off';
    const hybrid: HybridOptions = {};
    let i = 0;
    const value = (name: string, inline: string | undefined): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw usageError(`option --${name} needs a value`);
      return v;
    };
    for (; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--') { i++; break; }
      if (!a.startsWith('-') || a === '-') break;
      const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (name === '-h' || name === '--help') return printHelp(command, io);
      else if (name === '--mode') {
        const m = value('mode', inline);
        if (m !== 'eager' && m !== 'demand' && m !== 'hybrid') throw usageError(`--mode must be eager, demand or hybrid, got '${m}'`);
        mode = m;
      } else if (name === '--via') {
        const v = value('via', inline);
        if (!(VIAS as readonly string[]).includes(v)) throw usageError(`--via must be ${VIAS.join(', ')}, got '${v}'`);
        via = v as Via;
      } else if (name === '--predictor') {
        const p = value('predictor', inline);
        if (!(PREDICTOR_NAMES as readonly string[]).includes(p)) throw usageError(`--predictor must be one of ${PREDICTOR_NAMES.join(', ')}, got '${p}'`);
        hybrid.predictor = p as PredictorName;
      } else if (name === '--pages') {
        const p = value('pages', inline);
        if (!/^\d+$/.test(p) || +p < 1 || +p > 64) throw usageError(`--pages must be a whole number from 1 to 64, got '${p}'`);
        hybrid.pages = +p;
      } else if (name === '--record') {
        const f = value('record', inline);
        if (f === '') throw usageError('--record needs a file name');
        hybrid.record = resolve(io.cwd, f);
      } else if (name === '--stats') {
        if (inline === undefined) stats = 'text';
        else if (inline === 'json') stats = 'json';
        else throw usageError(`--stats takes no value or =json, got '${inline}'`);
      } else throw usageError(`unknown option '${a}'`);
    }
    const progArgv = argv.slice(i);
    if (mode !== 'hybrid' && (hybrid.predictor !== undefined || hybrid.pages !== undefined)) throw usageError('--predictor and --pages need --mode hybrid');
    if (mode === 'hybrid' && via !== 'signal') throw usageError('--mode hybrid works --via signal only (docs/hybrid.md)');
    if (mode === 'eager' && hybrid.record !== undefined) throw usageError('--record needs --mode demand or hybrid (eager mode takes no faults)');
    if (progArgv.length === 0) throw usageError('missing PROGRAM');
    const forward = io !== processIo;
    const run = await runLoaded({
      mode, via, argv: progArgv, cwd: io.cwd, hybrid,
      stdio: forward ? 'forward' : 'inherit', stdout: io.stdout, stderr: io.stderr,
    });
    if (stats === 'text') io.stderr.write(renderStats(statsOf(run)));
    if (stats === 'json') io.stderr.write(JSON.stringify(statsOf(run)) + '\n');
    return shellStatus(run);
  },
};
