/**
 * The hybrid mode (issue 4) against the direct run and against its own claims: every program gives the
 * same stdout and status through the loader in hybrid mode with every predictor at --pages 2 and 3
 * (the loader is run directly, without the CLI, to keep the matrix quick; the CLI path has its own
 * cases below); the crashing workloads die by SIGSEGV; --stats=json's prefetch figures are measured
 * (pagemap at exit) and consistent, and the predictors do what docs/hybrid.md says they do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN_REL, NATIVE, needs, packageCopyForUser, runAsUser, runBin, unprivilegedSkip } from '../helpers/cli.js';

const LOADER = join(NATIVE, 'pagewise-loader');
const W = (name: string) => join(NATIVE, 'workloads', name);
const PREDICTORS = ['next', 'stride', 'history', 'adaptive'];
const CONFIGS = PREDICTORS.flatMap((p) => [2, 3].map((n) => ['--predictor', p, '--pages', String(n)]));
const SIGNUM: Record<string, number> = { SIGSEGV: 11, SIGABRT: 6, SIGKILL: 9, SIGBUS: 7, SIGSYS: 31 };

function status(r: ReturnType<typeof spawnSync>): number | null {
  return r.signal ? 128 + (SIGNUM[r.signal] ?? 0) : r.status;
}
function direct(argv: string[], input?: string) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  return { stdout: r.stdout, code: status(r) };
}
function hybrid(config: string[], argv: string[], input?: string) {
  const r = spawnSync(LOADER, ['--mode', 'hybrid', '--via', 'signal', ...config, '--exec', argv[0], '--', ...argv], {
    encoding: 'utf8', input, maxBuffer: 64 << 20, timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, code: status(r) };
}

/** Same stdout and status as the direct run, with every predictor at --pages 2 and 3. */
function sameAsDirect(argv: string[], opts: { input?: string; filter?: (s: string) => string } = {}) {
  const f = opts.filter ?? ((s: string) => s);
  const d = direct(argv, opts.input);
  for (const c of CONFIGS) {
    const l = hybrid(c, argv, opts.input);
    assert.equal(l.code, d.code, `${c.join(' ')} ${argv.join(' ')}: status ${l.code} vs direct ${d.code}; stderr: ${l.stderr}`);
    assert.equal(f(l.stdout), f(d.stdout), `${c.join(' ')} ${argv.join(' ')}: stdout differs`);
  }
  return d;
}

const busybox = needs('busybox', 'busybox-static');
test('hybrid: busybox applets as the direct run', { skip: busybox }, () => {
  sameAsDirect(['/bin/busybox', 'echo', 'hello', 'world']);
  sameAsDirect(['/bin/busybox', 'sort'], { input: 'pear\napple\nfig\n' });
  sameAsDirect(['/bin/busybox', 'sha256sum', '/etc/services']);
  assert.equal(sameAsDirect(['/bin/busybox', 'sh', '-c', 'echo $((1+2)); x=$(echo a | tr a b); echo $x']).stdout, '3\nb\n');
  assert.equal(sameAsDirect(['/bin/busybox', 'false']).code, 1);
});
test('hybrid: /bin/ls (dynamic, PIE) as the direct run', () => {
  sameAsDirect(['/bin/ls', '-la', '/'], { filter: (s) => s.split('\n').filter((l) => !/ (tmp|proc|sys|run|dev|root|work)$/.test(l)).join('\n') });
});
test('hybrid: python3 as the direct run', { skip: needs('python3') }, () =>
  assert.equal(sameAsDirect(['/usr/bin/python3', '-c', 'print(sum(range(10**5)))']).stdout, '4999950000\n'));
test('hybrid: sqlite3 as the direct run', { skip: needs('sqlite3') }, () =>
  assert.equal(sameAsDirect(['/usr/bin/sqlite3', ':memory:', 'create table t(x); insert into t values (1),(2),(39); select sum(x) from t;']).stdout, '42\n'));

test('hybrid: workloads as the direct run', () => {
  sameAsDirect([W('exitnow')]);
  sameAsDirect([W('seqscan'), '1024']);
  sameAsDirect([W('randtouch'), '1024', '1000']);
  sameAsDirect([W('stride'), '1024', '3']);
  sameAsDirect([W('mallocheavy'), '50']);
  sameAsDirect([W('mmapread'), '/etc/services']);
  sameAsDirect([W('threads'), '4', '64']);
});

test('hybrid: nullderef and writetext die by SIGSEGV with every predictor', () => {
  for (const w of ['nullderef', 'writetext']) {
    assert.equal(direct([W(w)]).code, 139, `${w} direct`);
    for (const c of CONFIGS) assert.equal(hybrid(c, [W(w)]).code, 139, `${w} ${c.join(' ')}`);
  }
});

interface Stats {
  exit: { status: number | null; signal: string | null };
  loader: { faultsHandled: number; pagesMapped: number };
  prefetch: { predictor: string; pages: number; pagesPrefetched: number; useful: number | null; partial: number; faultsSaved: number | null; wasted: number | null } | null;
}
function stats(args: string[]): Stats {
  const r = runBin(['run', '--stats=json', ...args]);
  const line = r.stderr.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `no stats line: ${r.stderr}`);
  return JSON.parse(line) as Stats;
}
function run(mode: string[], argv: string[]): Stats {
  const i = argv.indexOf('--');
  return stats([...mode, ...argv.slice(0, i < 0 ? 0 : i), '--', ...argv.slice(i + 1)]);
}

test('hybrid --stats=json: useful is measured, <= prefetched, and close to it on a sequential scan', () => {
  const s = run(['--mode', 'hybrid', '--predictor', 'next', '--pages', '2'], ['--', W('seqscan'), '4096']);
  assert.equal(s.exit.status, 0);
  const p = s.prefetch!;
  assert.equal(p.predictor, 'next');
  assert.equal(p.pages, 2);
  assert.ok(p.useful !== null, 'useful measured for a program that exits');
  assert.ok(p.useful <= p.pagesPrefetched - p.partial, `useful ${p.useful} <= prefetched ${p.pagesPrefetched} - partial ${p.partial}`);
  assert.ok(p.pagesPrefetched >= 2000, `next at pages 2 prefetches about every other page of 4096: ${p.pagesPrefetched}`);
  assert.ok(p.useful >= 0.98 * (p.pagesPrefetched - p.partial), `useful ${p.useful} of ${p.pagesPrefetched}`);
  assert.equal(p.faultsSaved, p.useful);
  assert.equal(p.wasted, p.pagesPrefetched - p.partial - p.useful);
});

test('hybrid: the pagemap measurement sees prefetched pages the program never touched', () => {
  // seqscan 4000 touches pages 0..4000 of its array; next at --pages 64 maps 63 pages after each fault,
  // so the last window runs about 32 pages past the end of the scan: those must count as wasted.
  const s = run(['--mode', 'hybrid', '--predictor', 'next', '--pages', '64'], ['--', W('seqscan'), '4000']);
  const p = s.prefetch!;
  assert.ok(p.useful !== null);
  assert.ok(p.wasted! >= 16 && p.wasted! <= 64 + 8, `wasted ${p.wasted} (the window past the scan's end)`);
  assert.ok(p.useful <= 4001 + 8, `useful ${p.useful}: at most the pages the program touched`);
  assert.ok(s.loader.faultsHandled <= 4096 / 63 + 16, `faults ${s.loader.faultsHandled}`);
});

test('hybrid: adaptive cuts handled faults at least 8x against demand on seqscan', () => {
  const d = run(['--mode', 'demand'], ['--', W('seqscan'), '4096']);
  const a = run(['--mode', 'hybrid', '--predictor', 'adaptive'], ['--', W('seqscan'), '4096']);
  assert.ok(d.loader.faultsHandled >= 4096, `demand handled ${d.loader.faultsHandled}`);
  assert.ok(a.loader.faultsHandled * 8 <= d.loader.faultsHandled, `adaptive ${a.loader.faultsHandled} vs demand ${d.loader.faultsHandled}`);
  // faults saved is what it says: demand's faults minus hybrid's (up to the pages hybrid maps at start)
  const saved = a.prefetch!.faultsSaved!;
  assert.ok(Math.abs(d.loader.faultsHandled - a.loader.faultsHandled - saved) <= 64, `saved ${saved}, demand-hybrid ${d.loader.faultsHandled - a.loader.faultsHandled}`);
});

test('hybrid: adaptive does not chase a random pattern on randtouch (where next wastes most of what it maps)', () => {
  // randtouch's touches are purely random: the right behaviour is to prefetch (almost) nothing. So the
  // goal "wastes under 10% of what it prefetches" is met either by that ratio or, when adaptive barely
  // prefetches at all (a ratio of a handful of pages means nothing), by prefetching under 1% as many
  // pages as faults handled. next, on the same run, shows the pattern really is random.
  const s = run(['--mode', 'hybrid', '--predictor', 'adaptive'], ['--', W('randtouch')]);
  const p = s.prefetch!;
  assert.ok(p.useful !== null, 'useful was measured');
  const fewOrGood = p.wasted! < 0.1 * p.pagesPrefetched || p.pagesPrefetched <= 0.01 * s.loader.faultsHandled;
  assert.ok(fewOrGood, `adaptive wasted ${p.wasted} of ${p.pagesPrefetched} prefetched, ${s.loader.faultsHandled} faults handled`);
  const n = run(['--mode', 'hybrid', '--predictor', 'next'], ['--', W('randtouch')]).prefetch!;
  assert.ok(n.wasted! > 0.5 * n.pagesPrefetched, `next wasted ${n.wasted} of ${n.pagesPrefetched}: the pattern is random`);
});

test('hybrid: stride learns a stride, and its misses show as waste', () => {
  const s = run(['--mode', 'hybrid', '--predictor', 'stride', '--pages', '3'], ['--', W('stride'), '8192', '4']);
  const d = run(['--mode', 'demand'], ['--', W('stride'), '8192', '4']);
  const p = s.prefetch!;
  assert.ok(p.useful! >= 0.9 * (p.pagesPrefetched - p.partial), `stride useful ${p.useful} of ${p.pagesPrefetched}`);
  assert.ok(s.loader.faultsHandled * 2 <= d.loader.faultsHandled + 64, `stride ${s.loader.faultsHandled} vs demand ${d.loader.faultsHandled}`);
});

test('hybrid: a program killed by a signal reports useful as unknown, never a number', { skip: busybox }, () => {
  // the shell touches its bss (so pages get prefetched), then dies by a signal: no exit_group
  const s = run(['--mode', 'hybrid', '--predictor', 'next', '--pages', '8'], ['--', '/bin/busybox', 'sh', '-c', 'kill -KILL $$']);
  assert.equal(s.exit.signal, 'SIGKILL');
  assert.ok(s.prefetch!.pagesPrefetched - s.prefetch!.partial > 0, 'zero pages were prefetched');
  assert.equal(s.prefetch!.useful, null);
  assert.equal(s.prefetch!.faultsSaved, null);
  assert.equal(s.prefetch!.wasted, null);
  // the same shell ending by exit gets a measured count
  const ok = run(['--mode', 'hybrid', '--predictor', 'next', '--pages', '8'], ['--', '/bin/busybox', 'sh', '-c', 'exit 3']);
  assert.equal(ok.exit.status, 3);
  assert.equal(typeof ok.prefetch!.useful, 'number');
});

test('hybrid --stats text shows the predictor figures', () => {
  const r = runBin(['run', '--mode', 'hybrid', '--predictor', 'adaptive', '--pages', '3', '--stats', '--', W('seqscan'), '512']);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /predictor +adaptive \(--pages 3\)/);
  assert.match(r.stderr, /pages prefetched +\d+/);
  assert.match(r.stderr, /of them touched \(pagemap\) +\d+/);
  assert.match(r.stderr, /faults saved +\d+/);
});

test('hybrid: bad options are refused with USAGE, nothing run', () => {
  const bad: [string[], RegExp][] = [
    [['--pages', '0'], /--pages must be a whole number from 1 to 64, got '0'/],
    [['--pages', '65'], /--pages must be a whole number from 1 to 64/],
    [['--pages', '2x'], /--pages must be a whole number/],
    [['--predictor', 'oracle'], /--predictor must be one of next, stride, history, adaptive, got 'oracle'/],
    [['--via', 'uffd'], /--mode hybrid works --via signal only/],
  ];
  for (const [opts, msg] of bad) {
    const r = runBin(['run', '--mode', 'hybrid', ...opts, '--', W('exitnow')]);
    assert.equal(r.code, 2, opts.join(' '));
    assert.match(r.stderr, msg);
    assert.match(r.stderr, /\[USAGE\]/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const r = runBin(['run', '--mode', 'demand', '--predictor', 'next', '--', W('exitnow')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--predictor and --pages need --mode hybrid \[USAGE\]|--predictor and --pages need --mode hybrid.*\[USAGE\]/);
  // the loader itself refuses the same, before anything runs
  const l = spawnSync(LOADER, ['--mode', 'hybrid', '--pages', '65', '--exec', W('exitnow'), '--', 'exitnow'], { encoding: 'utf8' });
  assert.equal(l.status, 2);
  assert.match(l.stderr, /^pagewise-loader: usage:/);
  const u = spawnSync(LOADER, ['--mode', 'hybrid', '--via', 'uffd', '--exec', W('exitnow'), '--', 'exitnow'], { encoding: 'utf8' });
  assert.equal(u.status, 2);
  assert.match(u.stderr, /--mode hybrid works --via signal only/);
});

test('hybrid: dynamically linked programs are measured too (their exit_group in libc.so is trapped)', { skip: needs('python3') }, () => {
  for (const argv of [['/bin/ls', '/'], ['/usr/bin/python3', '-c', 'x = bytearray(1 << 20)']]) {
    const s = run(['--mode', 'hybrid', '--predictor', 'next', '--pages', '8'], ['--', ...argv]);
    assert.equal(s.exit.status, 0, argv.join(' '));
    const p = s.prefetch!;
    assert.equal(typeof p.useful, 'number', `${argv[0]}: useful measured`);
    assert.ok(p.useful! <= p.pagesPrefetched - p.partial);
  }
});

test('hybrid: a multithreaded program is measured at its exit', () => {
  const s = run(['--mode', 'hybrid', '--predictor', 'adaptive'], ['--', W('threads'), '4', '256']);
  assert.equal(s.exit.status, 0);
  assert.ok(s.prefetch!.pagesPrefetched > 0);
  assert.equal(typeof s.prefetch!.useful, 'number');
  assert.ok(s.prefetch!.useful! <= s.prefetch!.pagesPrefetched);
});

test('unprivileged: hybrid measures useful as an ordinary user (its own pagemap)', { skip: unprivilegedSkip() }, () => {
  const root = packageCopyForUser();
  const bin = join(root, BIN_REL);
  const r = runAsUser(['node', bin, 'run', '--mode', 'hybrid', '--predictor', 'adaptive', '--stats=json', '--', join(root, 'native', 'build', 'workloads', 'seqscan'), '2048']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stderr.trim().split('\n').pop()!) as Stats;
  assert.ok(s.prefetch!.pagesPrefetched > 1000);
  assert.ok(s.prefetch!.useful! >= 0.95 * (s.prefetch!.pagesPrefetched - s.prefetch!.partial), JSON.stringify(s.prefetch));
});

const FIX = (name: string) => join(NATIVE, 'loader-fixtures', name);
for (const kind of ['static', 'pie', 'dyn']) {
  test(`hybrid: the loader's self-checking fixtures (${kind}) pass with every predictor`, () => {
    for (const c of CONFIGS) {
      const own = hybrid(c, [FIX(`loader-ownsegv-${kind}`)]);
      assert.equal(own.stdout, 'PASS\n', `ownsegv ${c.join(' ')}: ${own.stdout}${own.stderr}`);
      const d = direct([FIX(`loader-readbss-${kind}`), '/etc/services']);
      const rb = hybrid(c, [FIX(`loader-readbss-${kind}`), '/etc/services']);
      assert.equal(rb.stdout, d.stdout, `readbss ${c.join(' ')}: ${rb.stderr}`);
      const fk = hybrid(c, [FIX(`loader-fork-${kind}`)]);
      assert.equal(fk.stdout, 'PASS\n', `fork ${c.join(' ')}: ${fk.stdout}${fk.stderr}`);
      const p = FIX(`loader-auxv-${kind}`);
      const ax = hybrid(c, [p, p]);
      assert.match(ax.stdout, /\nPASS\n$/, `auxv ${c.join(' ')}: ${ax.stdout}${ax.stderr}`);
    }
  });
}
