/**
 * The loader against the direct run: every program gives the same stdout and the same exit status (or
 * dies by the same signal) through `pagewise run` in eager mode and in demand mode via both the SIGSEGV
 * handler and userfaultfd. The self-checking fixtures (test/fixtures/programs/loader-*.c, built static,
 * static-pie and dynamic) print PASS only when their own checks hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN_REL, NATIVE, needs, packageCopyForUser, runAsUser, runBin, unprivilegedSkip, which } from '../helpers/cli.js';

const MODES: string[][] = [['--mode', 'eager'], ['--mode', 'demand', '--via', 'signal'], ['--mode', 'demand', '--via', 'uffd'], ['--mode', 'demand', '--via', 'uffd-thread']];
/** A mode through userfaultfd (either design). */
const viaUffd = (mode: string[]) => mode.some((x) => x.startsWith('uffd'));
const W = (name: string) => join(NATIVE, 'workloads', name);
const FIX = (name: string) => join(NATIVE, 'loader-fixtures', name);

function direct(argv: string[], input?: string) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  return { stdout: r.stdout, code: r.signal ? 128 + (({ SIGSEGV: 11, SIGABRT: 6, SIGKILL: 9, SIGBUS: 7 } as Record<string, number>)[r.signal] ?? 0) : r.status };
}

function loaded(mode: string[], argv: string[], input?: string) {
  return runBin(['run', ...mode, '--', ...argv], { input });
}

/** Same stdout and status as the direct run, in every mode; `filter` drops lines that legitimately differ. */
function sameAsDirect(argv: string[], opts: { input?: string; filter?: (s: string) => string } = {}) {
  const f = opts.filter ?? ((s: string) => s);
  const d = direct(argv, opts.input);
  for (const mode of MODES) {
    const l = loaded(mode, argv, opts.input);
    assert.equal(l.code, d.code, `${mode.join(' ')} ${argv.join(' ')}: status ${l.code} vs direct ${d.code}; stderr: ${l.stderr}`);
    assert.equal(f(l.stdout), f(d.stdout), `${mode.join(' ')} ${argv.join(' ')}: stdout differs`);
  }
  return d;
}

const busybox = needs('busybox', 'busybox-static');
test('busybox echo', { skip: busybox }, () => { sameAsDirect(['/bin/busybox', 'echo', 'hello', 'world']); });
test('busybox sort reads stdin', { skip: busybox }, () => { sameAsDirect(['/bin/busybox', 'sort'], { input: 'pear\napple\nfig\n' }); });
test('busybox sha256sum of a file', { skip: busybox }, () => {
  const d = sameAsDirect(['/bin/busybox', 'sha256sum', '/etc/services']);
  assert.match(d.stdout, /^[0-9a-f]{64} {2}\/etc\/services\n$/);
});
test('busybox sh -c arithmetic', { skip: busybox }, () => assert.equal(sameAsDirect(['/bin/busybox', 'sh', '-c', 'echo $((1+2))']).stdout, '3\n'));
test('busybox wc reads stdin', { skip: busybox }, () => { sameAsDirect(['/bin/busybox', 'wc'], { input: 'a b c\nd e\n' }); });
test('busybox false exits 1', { skip: busybox }, () => assert.equal(sameAsDirect(['/bin/busybox', 'false']).code, 1));
test('/bin/ls -la / (dynamic, PIE)', () => {
  sameAsDirect(['/bin/ls', '-la', '/'], { filter: (s) => s.split('\n').filter((l) => !/ (tmp|proc|sys|run|dev|root|work)$/.test(l)).join('\n') });
});
test('python3 -c', { skip: needs('python3') }, () => assert.equal(sameAsDirect(['/usr/bin/python3', '-c', 'print(sum(range(10**6)))']).stdout, '499999500000\n'));
test('sqlite3 :memory:', { skip: needs('sqlite3') }, () =>
  assert.equal(sameAsDirect(['/usr/bin/sqlite3', ':memory:', 'create table t(x); insert into t values (1),(2),(39); select sum(x) from t;']).stdout, '42\n'));

test('workloads: same output and status', () => {
  sameAsDirect([W('exitnow')]);
  sameAsDirect([W('seqscan'), '2048']);
  sameAsDirect([W('randtouch'), '1024', '3000']);
  sameAsDirect([W('stride'), '1024', '3']);
  sameAsDirect([W('mallocheavy'), '200']);
  sameAsDirect([W('mmapread'), '/etc/services']);
  sameAsDirect([W('threads'), '4', '64']);
  sameAsDirect([W('counter'), '2']);
});

test('nullderef and writetext die by SIGSEGV in every mode', () => {
  for (const w of ['nullderef', 'writetext']) {
    const d = direct([W(w)]);
    assert.equal(d.code, 139, `${w} direct`);
    for (const mode of MODES) assert.equal(loaded(mode, [W(w)]).code, 139, `${w} ${mode.join(' ')}`);
  }
});

for (const kind of ['static', 'pie', 'dyn']) {
  test(`fixture loader-ownsegv-${kind}: the program's own SIGSEGV handler works`, () => {
    for (const mode of MODES) {
      const r = loaded(mode, [FIX(`loader-ownsegv-${kind}`)]);
      assert.equal(r.stdout, 'PASS\n', `${mode.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.code, 0);
    }
  });
  test(`fixture loader-ownbus-${kind}: SIGBUS stays the program's although --via uffd takes lazy faults as SIGBUS`, () => {
    assert.equal(direct([FIX(`loader-ownbus-${kind}`), 'die']).code, 135, 'direct: killed by SIGBUS');
    for (const mode of MODES) {
      const r = runBin(['run', ...mode, '--stats=json', '--', FIX(`loader-ownbus-${kind}`), ...(mode.includes('uffd-thread') ? ['pager-thread'] : [])]);
      assert.equal(r.stdout, 'PASS\n', `${mode.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.code, 0);
      const s = JSON.parse(r.stderr.trim().split('\n').pop()!);
      // its own SIGBUS action made the uffd pager map every page left first (uffd-thread takes no signal)
      if (mode.includes('uffd')) assert.ok(s.loader.fallbackPages > 0, `uffd: ${JSON.stringify(s.loader)}`);
      assert.equal(loaded(mode, [FIX(`loader-ownbus-${kind}`), 'die']).code, 135, `${mode.join(' ')}: a genuine SIGBUS kills as in a direct run`);
    }
  });
  test(`fixture loader-kbufs-${kind}: names, addresses, messages and results in untouched pages (memfd_create, statfs, symlink, rename, utimensat, sockets, poll, epoll) work in every mode`, () => {
    const dir = () => mkdtempSync(join(tmpdir(), 'pw-kbufs-'));
    const d = direct([FIX(`loader-kbufs-${kind}`), dir()]);
    assert.match(d.stdout, /^memfd \/memfd:loader-kbufs \(deleted\)\n[^]*\nPASS\n$/, d.stdout);
    for (const mode of MODES) {
      const r = loaded(mode, [FIX(`loader-kbufs-${kind}`), dir()]);
      assert.equal(r.stdout, d.stdout, `${mode.join(' ')}: ${r.stderr}`);
    }
  });
  test(`fixture loader-readbss-${kind}: kernel-touched pages work in every mode`, () => {
    const d = direct([FIX(`loader-readbss-${kind}`), '/etc/services']);
    assert.match(d.stdout, /PASS \d+/);
    for (const mode of MODES) {
      const r = loaded(mode, [FIX(`loader-readbss-${kind}`), '/etc/services']);
      assert.equal(r.stdout, d.stdout, `${mode.join(' ')}: ${r.stderr}`);
    }
  });
  test(`fixture loader-fork-${kind}: a child forked early sees the whole image`, () => {
    for (const mode of MODES) {
      const r = loaded(mode, [FIX(`loader-fork-${kind}`)]);
      assert.equal(r.stdout, 'PASS\n', `${mode.join(' ')}: ${r.stdout}${r.stderr}`);
    }
  });
  test(`fixture loader-reexec-${kind}: re-executing /proc/self/exe runs the program again, in every mode`, () => {
    for (const mode of MODES) {
      const r = loaded(mode, [FIX(`loader-reexec-${kind}`)]);
      // AT_EXECFN: "/proc/self/exe" as directly, in every mode (the demand modes' guard resolves the link
      // to exec the program through the loader, and passes the name it was asked for as --execfn)
      assert.equal(r.stdout, 'PASS 3\nexecfn /proc/self/exe\n', `${mode.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.code, 0);
    }
  });
  test(`fixture loader-auxv-${kind}: every required AT_ entry, stack alignment, brk`, () => {
    for (const mode of MODES) {
      const p = FIX(`loader-auxv-${kind}`);
      const r = loaded(mode, [p, p]);
      assert.match(r.stdout, /\nPASS\n$/, `${mode.join(' ')}: ${r.stdout}${r.stderr}`);
    }
  });
}

test('demand mode really maps on demand: faults handled, fewer pages than eager', () => {
  const stats = (mode: string[]) => {
    const r = runBin(['run', ...mode, '--stats=json', '--', W('seqscan'), '512']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stderr.trim().split('\n').pop()!);
  };
  const eager = stats(['--mode', 'eager']);
  assert.equal(eager.loader.faultsHandled, 0);
  assert.ok(eager.loader.pagesMapped > 512, `eager maps the whole bss (${eager.loader.pagesMapped})`);
  for (const via of ['signal', 'uffd', 'uffd-thread']) {
    const d = stats(['--mode', 'demand', '--via', via]);
    assert.ok(d.loader.faultsHandled >= 512, `${via}: ${d.loader.faultsHandled} faults for 512 touched pages`);
    // the faulting thread resolves its own faults (SIGBUS): the kernel's own touches go through the guard
    if (via === 'uffd') {
      assert.equal(d.loader.uffdKernelFaults, false, 'uffd: kernel faults are never served by the uffd');
      // a page first touched by a write is installed writable (UFFDIO_COPY of zeroes), not as the shared
      // zero page that the write would fault on again (wait4 counts no fault for a page the loader installs)
      assert.ok(d.minorFaults < d.loader.faultsHandled / 2, `uffd: ${d.minorFaults} minor faults for ${d.loader.faultsHandled} handled`);
    }
    // the pager thread, privileged, serves the kernel's own faults on lazy pages too (no buffer guard)
    if (via === 'uffd-thread' && process.getuid?.() === 0) assert.equal(d.loader.uffdKernelFaults, true, 'uffd-thread as root sees kernel faults');
    assert.ok(d.loader.pagesMapped < d.loader.lazyPagesAtStart, `${via}: mapped ${d.loader.pagesMapped} of ${d.loader.lazyPagesAtStart}`);
    assert.ok(d.minorFaults > 0 && d.maxRssKiB > 0 && d.wallMs > 0);
  }
});

test('--stats text names every figure', () => {
  const r = runBin(['run', '--mode', 'demand', '--stats', '--', W('exitnow')]);
  assert.equal(r.code, 0);
  for (const k of ['wall', 'user', 'sys', 'max RSS', 'minor faults', 'major faults', 'pages mapped by loader', 'faults handled by loader']) {
    assert.match(r.stderr, new RegExp(`^${k} +\\S`, 'm'), k);
  }
});

test('unprivileged: every mode as an ordinary user (uffd user-mode-only + guard)', { skip: unprivilegedSkip() }, () => {
  const root = packageCopyForUser();
  const bin = join(root, BIN_REL);
  for (const mode of MODES) {
    const r = runAsUser(['node', bin, 'run', ...mode, '--stats=json', '--', '/bin/busybox', 'sh', '-c', 'echo $((6*7))']);
    assert.equal(r.stdout, '42\n', `${mode.join(' ')}: ${r.stderr}`);
    const s = JSON.parse(r.stderr.trim().split('\n').pop()!);
    if (viaUffd(mode)) assert.equal(s.loader.uffdKernelFaults, false, 'unprivileged uffd sees user faults only');
    const fx = join(root, 'native', 'build', 'loader-fixtures', 'loader-readbss-static');
    const rb = runAsUser(['node', bin, 'run', ...mode, '--', fx, '/etc/services']);
    assert.match(rb.stdout, /PASS \d+/, `${mode.join(' ')} readbss: ${rb.stdout}${rb.stderr}`);
  }
});

test('unprivileged (setpriv to nobody): uffd falls back to user-mode-only with the guard', {
  skip: process.getuid?.() !== 0 ? 'needs root to drop to nobody' : which('setpriv') ? false : 'setpriv missing (util-linux)',
}, () => {
  // nobody cannot enter the checkout when it sits in a private directory (CI): use the readable copy
  const copy = packageCopyForUser();
  const bin = join(copy, BIN_REL);
  const drop = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, 'run'];
  for (const mode of MODES) {
    const fixture = join(copy, 'native', 'build', 'loader-fixtures', 'loader-readbss-static');
    const r = spawnSync(drop[0], [...drop.slice(1), ...mode, '--stats=json', '--', fixture, '/etc/services'], { encoding: 'utf8', cwd: '/' });
    assert.match(r.stdout, /PASS \d+/, `${mode.join(' ')}: ${r.stdout}${r.stderr}`);
    const s = JSON.parse(r.stderr.trim().split('\n').pop()!);
    if (viaUffd(mode)) {
      assert.equal(s.loader.uffdKernelFaults, false, 'unprivileged uffd sees user faults only');
      assert.ok(s.loader.guardTraps > 0, 'the guard pre-faulted the kernel-touched buffers');
    }
    if (!busybox) {
      // busybox re-executes /proc/self/exe for the pipeline's applets: unprivileged that names the loader,
      // which finds the program again (demand: the guard resolves the path; eager: the self fd)
      const p = spawnSync(drop[0], [...drop.slice(1), ...mode, '--', '/bin/busybox', 'sh', '-c', 'echo b a | tr " " "\\n" | sort | tr "\\n" " "'], { encoding: 'utf8', cwd: '/' });
      assert.equal(p.stdout, 'a b ', `${mode.join(' ')}: ${p.stderr}`);
    }
  }
});

test('unprivileged eager: programs that re-execute /proc/self/exe (busybox applets in pipelines) run as directly', { skip: unprivilegedSkip() || busybox }, () => {
  // unprivileged, /proc/self/exe keeps naming the loader, and in eager mode nothing of the loader stays
  // in the program: the loader leaves an O_PATH fd of the program at 1000 and, started again with an
  // argv that is not its own, loads that file (docs/loader.md, "/proc/self/exe")
  const root = packageCopyForUser();
  const bin = join(root, BIN_REL);
  const eager = (argv: string[]) => runAsUser(['node', bin, 'run', '--mode', 'eager', '--', ...argv]);
  const same = (argv: string[]) => {
    const d = runAsUser(argv);
    const l = eager(argv);
    assert.equal(l.code, d.code, `${argv.join(' ')}: status ${l.code} vs direct ${d.code}; stderr: ${l.stderr}`);
    assert.equal(l.stdout, d.stdout, `${argv.join(' ')}: stdout differs; stderr: ${l.stderr}`);
    assert.equal(l.stderr, d.stderr, `${argv.join(' ')}: stderr differs`);
    return d;
  };
  assert.equal(same(['/bin/busybox', 'sh', '-c', 'echo hi | busybox cat']).stdout, 'hi\n');
  assert.equal(same(['/bin/busybox', 'sh', '-c', 'echo a b | tr a x']).stdout, 'x b\n');
  same(['/bin/busybox', 'sh', '-c', 'echo b a | tr " " "\\n" | sort | tr "\\n" " "; echo; cat /proc/self/cmdline | tr "\\0" " "']);
  // a re-executed shell re-executes in turn: the self fd is left again at every level
  assert.equal(same(['/bin/busybox', 'sh', '-c', 'echo a b | busybox sh -c "tr a x | cat"']).stdout, 'x b\n');
  // statuses and stderr of re-executed applets
  assert.equal(same(['/bin/busybox', 'sh', '-c', 'set -o pipefail; echo x | cat /nonexistent-file | cat; echo rc=$?; echo x | grep -q y']).code, 1);
  // any program, any link kind: argv[0] and arguments as passed, the environment, AT_EXECFN "/proc/self/exe"
  for (const kind of ['static', 'pie', 'dyn']) {
    const fx = join(root, 'native', 'build', 'loader-fixtures', `loader-reexec-${kind}`);
    assert.equal(same([fx]).stdout, 'PASS 3\nexecfn /proc/self/exe\n', kind);
  }
  // an invocation of the loader itself (one of its options first) is still one, with the self fd inherited
  const loader = join(root, 'native', 'build', 'pagewise-loader');
  const inner = eager(['/bin/busybox', 'sh', '-c', `${loader} --check --exec /bin/busybox -- busybox && echo checked; ${loader} --mode fast; echo rc=$?`]);
  assert.equal(inner.stdout, 'checked\nrc=2\n');
  assert.match(inner.stderr, /^pagewise-loader: usage: pagewise-loader /);
  // the difference the program can see: the self fd (O_PATH, not close-on-exec) names its own file
  assert.match(eager(['/bin/busybox', 'readlink', '/proc/self/fd/1000']).stdout, /^\/(usr\/)?bin\/busybox\n$/);
  // a program that closes it cannot be found again: the re-execution fails with the loader's usage line
  const closed = eager(['/bin/busybox', 'sh', '-c', 'exec 1000<&-; echo a | cat']);
  assert.match(closed.stderr, /^pagewise-loader: usage: pagewise-loader /m);
  assert.equal(closed.stdout, '');
});

test('children: pipelines, nested shells and exec\'d programs of a loaded shell (they run through the loader)', { skip: busybox }, () => {
  sameAsDirect(['/bin/busybox', 'sh', '-c', 'echo b a | tr " " "\\n" | sort | tr "\\n" " "; /bin/busybox sh -c "echo nested $((2*21))"; /bin/ls / >/dev/null && echo ls-ok; /nonexistent-cmd 2>/dev/null; echo rc=$?']);
});
test('children: python3 subprocess (vfork + exec, handlers reset in the child)', { skip: needs('python3') }, () => {
  sameAsDirect(['/usr/bin/python3', '-c', 'import subprocess; print(subprocess.run(["/bin/echo", "sub"], capture_output=True).stdout, subprocess.run("echo $((3*3)) | cat", shell=True, capture_output=True).stdout)']);
});
test('/proc/self/exe names the program when the loader may change it (root)', { skip: process.getuid?.() !== 0 ? 'PR_SET_MM_MAP exe_fd needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN' : busybox }, () => {
  const d = sameAsDirect(['/bin/busybox', 'sh', '-c', 'readlink /proc/$$/exe']);
  assert.match(d.stdout, /busybox\n$/);
});

test('demand mode pages the interpreter too (dynamic /bin/true: program + ld.so segments, all lazy)', { skip: needs('readelf', 'binutils') }, () => {
  const loads = (f: string) => spawnSync('readelf', ['-lW', f], { encoding: 'utf8' }).stdout.split('\n').filter((l) => /^\s+LOAD\s/.test(l)).length;
  const interp = /Requesting program interpreter: (\S+)\]/.exec(spawnSync('readelf', ['-lW', '/bin/true'], { encoding: 'utf8' }).stdout)![1];
  for (const via of ['signal', 'uffd', 'uffd-thread']) {
    const r = runBin(['run', '--mode', 'demand', '--via', via, '--stats=json', '--', '/bin/true']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stderr.trim().split('\n').pop()!);
    assert.equal(s.loader.segments, loads('/bin/true') + loads(interp), `${via}: segments of program and interpreter`);
    assert.ok(s.loader.faultsHandled > 0 && s.loader.pagesMapped < s.loader.lazyPagesAtStart, `${via}: ${JSON.stringify(s.loader)}`);
  }
});

test('eager, as root: the loader hands off completely: nothing of it in the program\'s map, /proc/self/exe is the program', {
  skip: busybox || (process.getuid?.() !== 0 ? 'the exe link can be re-pointed only with privilege' : false),
}, () => {
  const maps = runBin(['run', '--mode', 'eager', '--', '/bin/busybox', 'cat', '/proc/self/maps']);
  assert.equal(maps.code, 0, maps.stderr);
  assert.match(maps.stdout, /\/busybox\n/);
  assert.doesNotMatch(maps.stdout, /\/pagewise-loader\n/, 'the loader binary is unmapped (only its report page, memfd:pagewise-loader-shm, stays)');
  const exe = runBin(['run', '--mode', 'eager', '--', '/bin/busybox', 'readlink', '/proc/self/exe']);
  assert.match(exe.stdout, /^\/(usr\/)?bin\/busybox\n$/);
});

test('demand paging keeps only what the program touched resident: sparsedata reads 64 of 4096 file-backed pages', () => {
  const rss = (mode: string) => {
    const r = runBin(['run', '--mode', mode, '--stats=json', '--', join(NATIVE, 'workloads', 'sparsedata')]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stderr.trim().split('\n').pop()!) as { maxRssKiB: number }).maxRssKiB;
  };
  const demand = rss('demand');
  // 64 data pages + the program's own start-up pages + the loader: well under the 16 MiB the array spans
  assert.ok(demand < 4096, `demand max RSS ${demand} KiB`);
});
