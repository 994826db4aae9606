/**
 * The tour's script: what `pagewise tour` runs, in order, and what each step is meant to show a
 * newcomer. Plain data (plus the checkpoint scenario, which needs a background process), so the
 * order and the wording can be read in one place. Runner: ./run.ts.
 */

export interface Step {
  /** Section the step belongs to. */
  part: 'Inspect' | 'Load' | 'Trace' | 'Checkpoint' | 'Measure';
  title: string;
  /** One or two sentences: what to look at in the output. */
  explain: string;
  /** pagewise argv; {W:name} is replaced by a workload's path, {DIR} by the tour's output directory. */
  argv: string[];
  /** Exit status the step is expected to end with (a loaded program that crashes on purpose: 139). */
  expect?: number;
}

export const STEPS: Step[] = [
  {
    part: 'Inspect',
    title: 'The ELF headers of a workload',
    explain: 'Program headers as objdump -p prints them: each LOAD segment is a range the loader must map, with its file offset, size in the file (filesz), size in memory (memsz: the rest is bss) and permissions.',
    argv: ['elf', '{W:seqscan}'],
  },
  {
    part: 'Load',
    title: 'Loading everything at once (eager)',
    explain: 'pagewise\'s own loader maps every segment before jumping to the entry point; the kernel still brings pages in on first touch (minor faults).',
    argv: ['run', '--mode', 'eager', '--stats', '--', '{W:seqscan}', '4096'],
  },
  {
    part: 'Load',
    title: 'Demand paging through SIGSEGV',
    explain: 'Nothing of the program is mapped up front: every first touch of a page traps into the loader\'s SIGSEGV handler, which maps that page. Compare "faults handled" and the wall time with the eager run.',
    argv: ['run', '--mode', 'demand', '--stats', '--', '{W:seqscan}', '4096'],
  },
  {
    part: 'Load',
    title: 'Demand paging through userfaultfd',
    explain: 'The same, but the pages are registered with a userfaultfd: a first touch raises SIGBUS in the faulting thread, which resolves it with UFFDIO_COPY, leaving the program\'s own SIGSEGV handling alone.',
    argv: ['run', '--mode', 'demand', '--via', 'uffd', '--stats', '--', '{W:seqscan}', '4096'],
  },
  {
    part: 'Load',
    title: 'Hybrid loading with a prefetch predictor',
    explain: 'Text and data mapped at start, bss on demand, and each fault also maps the pages the adaptive predictor expects next: far fewer faults handled on a sequential scan.',
    argv: ['run', '--mode', 'hybrid', '--predictor', 'adaptive', '--pages', '3', '--stats', '--', '{W:seqscan}', '4096'],
  },
  {
    part: 'Load',
    title: 'A NULL dereference still crashes',
    explain: 'A demand pager must not "fix" a touch outside every segment: the program dies by SIGSEGV exactly as when run directly (status 139).',
    argv: ['run', '--mode', 'demand', '--', '{W:nullderef}'],
    expect: 139,
  },
  {
    part: 'Trace',
    title: 'Tracing every page fault of a workload',
    explain: 'perf_event software page-fault samples and the history of the memory regions, as an ordinary user, no kernel patch.',
    argv: ['trace', '-o', '{DIR}/stride.pwtrace', '--', '{W:stride}', '2048', '4'],
  },
  {
    part: 'Trace',
    title: 'The region map of that trace',
    explain: 'One line per region: X for a page that faulted at least once, . for one that never did (a big region is drawn in cells of several pages). The table below it says how many of each region\'s pages were touched: the strided scan touched every 4th page of the first 2048 of its 256 MiB bss array.',
    argv: ['show', '{DIR}/stride.pwtrace'],
  },
  {
    part: 'Trace',
    title: 'Tracing a real program',
    explain: 'A dynamically linked program: its interpreter, libc and heap regions appear, each with the pages it touched.',
    argv: ['trace', '-o', '{DIR}/ls.pwtrace', '--', '/bin/ls', '/'],
  },
  {
    part: 'Trace',
    title: 'Its region map',
    explain: 'Compare how much of libc a short program really touches.',
    argv: ['show', '{DIR}/ls.pwtrace'],
  },
  {
    part: 'Trace',
    title: 'Following a shell and its children (-f)',
    explain: 'With -f every process the shell forks is traced too, and each has its own regions: a copy of the shell\'s layout at the fork, replaced at its exec, removed at its exit.',
    argv: ['trace', '-f', '-o', '{DIR}/sh.pwtrace', '--', 'sh', '-c', 'ls / >/dev/null; cat /etc/hostname >/dev/null'],
  },
  {
    part: 'Trace',
    title: 'The region maps of the shell and its children',
    explain: 'One map per process: the shell first, then each child, with the faults each took in its own address space.',
    argv: ['show', '--top', '3', '{DIR}/sh.pwtrace'],
  },
  {
    part: 'Trace',
    title: 'An HTML report of the trace',
    explain: 'Heat strips, faults over time and region lifetimes: open trace.html in a browser.',
    argv: ['report', '{DIR}/stride.pwtrace', '-o', '{DIR}/trace.html'],
  },
  {
    part: 'Trace',
    title: 'Which predictor would have helped?',
    explain: 'Replays the recorded faults through every predictor: faults saved against pages wasted.',
    argv: ['predict', '{DIR}/stride.pwtrace'],
  },
  {
    part: 'Measure',
    title: 'A short benchmark',
    explain: 'Every mode against direct execve, several runs each, with ministat-style statistics; the findings below are measured on this machine now.',
    argv: ['bench', '--runs', '3', '--workloads', 'seqscan,randtouch', '--modes', 'direct,eager,demand,hybrid', '-o', '{DIR}/bench'],
  },
];
