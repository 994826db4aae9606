/**
 * pagewise bench: the analysis (findings only when a difference is proven, explained by fault counts),
 * the results file (magic, version, damage), the reports (ministat blocks; the HTML renders in headless
 * Chromium with no script error), and a real, small run of the matrix against direct execve.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findings, compareToDirect } from '../../src/bench/analyze.js';
import { decodeBenchRun, encodeBenchRun } from '../../src/bench/store.js';
import { renderMarkdown } from '../../src/bench/render.js';
import { renderHtml } from '../../src/bench/html.js';
import { loadAssets } from '../../src/report/assets.js';
import { isPagewiseError } from '../../src/errors.js';
import type { BenchConfig, BenchRun, ConfigResult, Measurement } from '../../src/bench/types.js';
import { needs, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pagewise-bench-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** n runs around `wall` ms (a fixed +-2% pattern) with the given counters. */
function runs(wall: number, rss: number, extra: Partial<Measurement> = {}, n = 8): Measurement[] {
  const wiggle = [0, 0.02, -0.02, 0.01, -0.01, 0.015, -0.015, 0.005];
  return Array.from({ length: n }, (_, i) => ({
    wallMs: wall * (1 + wiggle[i % wiggle.length]), userMs: 1, sysMs: 1, maxRssKiB: rss * (1 + wiggle[i % wiggle.length] / 10),
    minflt: 100, majflt: 0, handled: 0, mapped: 0, prefetched: 0, useful: 0, status: 0, ...extra,
  }));
}
function result(workload: string, mode: BenchConfig['mode'], r: Measurement[], more: Partial<BenchConfig> = {}): ConfigResult {
  const id = `${workload}/${mode}${more.predictor ? `-${more.predictor}-${more.pages}` : ''}`; // hybrid-next-1 = no prediction
  return { config: { id, workload, args: ['1'], mode, ...more }, runs: r };
}
const host = { kernel: 'test', cpus: 2, node: '20' };

const clear: BenchRun = {
  startedAt: '2026-01-01T00:00:00Z', host, runsPerConfig: 8,
  results: [
    result('seq', 'direct', runs(100, 10000)),
    result('seq', 'eager', runs(101, 10000, { mapped: 5000 })),
    result('seq', 'demand', runs(200, 6000, { handled: 4000, mapped: 4000 })),
    result('seq', 'hybrid', runs(190, 6000, { handled: 4000 }), { predictor: 'next', pages: 1 }),
    result('seq', 'hybrid', runs(140, 6000, { handled: 900, prefetched: 3100, useful: 3050 }), { predictor: 'adaptive', pages: 2 }),
    result('seq', 'hybrid', runs(120, 6000, { handled: 500, prefetched: 3500, useful: 3400 }), { predictor: 'adaptive', pages: 3 }),
  ],
};

test('findings: each of the four is stated with its figures and the fault counts behind it', () => {
  const f = findings(clear);
  assert.deepEqual(f.map((x) => x.found), [true, true, true, true]);
  assert.match(f[0].text, /^seq took 49\.\d% less time eager \(median 101 ms\) than demand-paged \(201 ms\), a difference proven at 95\.0% confidence: demand paging took 4000 faults/);
  assert.match(f[1].text, /^seq used 40\.\d% less memory demand-paged/);
  assert.match(f[2].text, /adaptive predictor at 3 pages .* handled 500 faults instead of 4000, because 3400 of its 3500 prefetched pages were touched/);
  assert.match(f[3].text, /less time mapping 3 pages per fault .*500 faults handled instead of 900/);
});

test('findings: identical samples prove nothing, and the report says so instead of inventing a winner', () => {
  const same: BenchRun = { ...clear, results: ['direct', 'eager', 'demand'].map((m) => result('seq', m as BenchConfig['mode'], runs(100, 10000))) };
  const f = findings(same);
  assert.deepEqual(f.map((x) => x.found), [false, false, false, false]);
  assert.match(f[0].text, /^No workload ran faster eager than demand-paged with a difference proven at 95\.0% confidence/);
  const c = compareToDirect(same).find((x) => x.id === 'seq/demand' && x.metric === 'wallMs');
  assert.equal(c?.comparison.difference, null);
});

test('the Markdown report has a ministat block per comparison with direct execve', () => {
  const md = renderMarkdown(clear);
  assert.match(md, /\| demand \| 200\.50 \| 2\.00 \| \+100\.0% ± [\d.]+% \|/);
  assert.match(md, /x seq\/direct\n\+ seq\/demand\n/);
  assert.match(md, /Difference at 95\.0% confidence\n\t100\.\d+ \+\/- [\d.]+\n\t100% \+\/- [\d.]+%\n\t\(Student's t, pooled s = [\d.]+\)/);
  assert.match(md, /x seq\/direct\n\+ seq\/eager\n[\s\S]*?No difference proven at 95\.0% confidence/);
});

test('results file: round trip; another magic, another major version or damage is BENCH_BAD_FILE', () => {
  const text = encodeBenchRun(clear);
  const first = text.slice(0, text.indexOf('\n') + 1);
  assert.match(first, /^PWBENCH 1\.0 (\d+)\n$/);
  assert.equal(Number(/ (\d+)\n$/.exec(first)![1]), first.length, 'header_len is the first line\'s length');
  assert.deepEqual(decodeBenchRun(text, 'r'), clear);
  const bad = (t: string, re: RegExp) => {
    assert.throws(() => decodeBenchRun(t, 'r'), (e) => isPagewiseError(e) && e.code === 'BENCH_BAD_FILE' && re.test(e.message));
  };
  bad('hello\n{}', /not a pagewise bench file/);
  bad(text.replace('PWBENCH 1.0', 'PWBENCH 2.0'), /bench format version 2\.0, this pagewise reads 1\.x/);
  bad(text.slice(0, text.length - 20), /damaged bench file/);
});

test('the HTML report renders in headless Chromium with its plots and no script error', { skip: needs('chromium') }, () => {
  const page = join(dir, 'b.html');
  writeFileSync(page, renderHtml(clear, loadAssets()));
  const profile = mkdtempSync(join(tmpdir(), 'pagewise-chromium-'));
  const r = spawnSync('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0',
    '--virtual-time-budget=5000', '--dump-dom', `file://${page}`], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
  rmSync(profile, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.match(r.stdout, /<pre id="script-errors" hidden=""><\/pre>/, 'no script error');
  assert.equal((r.stdout.match(/class="uplot/g) ?? []).length, 2, 'both plots drawn');
  assert.doesNotMatch(r.stderr, /CONSOLE/, 'nothing on the console');
});

test('a real bench run: every configuration measured against direct execve, files written 0600', async () => {
  const out = join(dir, 'real');
  const r = await runCli(['bench', '--runs', '2', '--workloads', 'exitnow,seqscan', '--modes', 'direct,eager,demand', '-o', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { findings: unknown[]; results: { id: string; runs: number }[] };
  assert.deepEqual(j.results.map((x) => x.id).sort(), ['exitnow/demand', 'exitnow/direct', 'exitnow/eager', 'seqscan/demand', 'seqscan/direct', 'seqscan/eager']);
  assert.ok(j.results.every((x) => x.runs === 2));
  for (const f of ['bench.md', 'bench.html', 'results.pwbench']) assert.equal(statSync(join(out, f)).mode & 0o777, 0o600, f);
  const run = decodeBenchRun(readFileSync(join(out, 'results.pwbench'), 'utf8'), 'results');
  const seqDemand = run.results.find((x) => x.config.id === 'seqscan/demand')!;
  // seqscan 16384 touches 16384 bss pages: demand paging handles at least that many faults, eager none
  assert.ok(seqDemand.runs.every((m) => m.handled >= 16384 && m.wallMs > 0), JSON.stringify(seqDemand.runs));
  assert.ok(run.results.find((x) => x.config.id === 'seqscan/eager')!.runs.every((m) => m.handled === 0 && m.mapped > 16384));
  const again = await runCli(['bench', '--from', join(out, 'results.pwbench'), '-o', join(dir, 'again')]);
  assert.equal(again.code, 0, again.stderr);
});

test('bench: bad arguments are usage errors (exit 2, one line, the code)', async () => {
  for (const [argv, re] of [
    [['--runs', '1'], /--runs must be between 2 and 1000, got 1/],
    [['--workloads', 'nope'], /unknown workload 'nope'; choose from seqscan/],
    [['--modes', 'lazy'], /unknown mode 'lazy'; choose from direct/],
    [['-c', '97'], /confidence/],
  ] as const) {
    const r = await runCli(['bench', ...argv]);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n')[0].endsWith(']'), true);
  }
  const f = await runCli(['bench', '--from', join(dir, 'nope.pwbench')]);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /no such file.*\[FILE_NOT_FOUND\]/);
});
