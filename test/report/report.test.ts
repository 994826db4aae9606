import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTrace } from '../../src/trace/format.js';
import { loadAssets } from '../../src/report/assets.js';
import { buildReportData } from '../../src/report/data.js';
import { renderReportHtml } from '../../src/report/html.js';
import { decodeTrace } from '../../src/trace/format.js';
import { viewTrace } from '../../src/trace/view.js';
import { NATIVE, needs, runCli } from '../helpers/cli.js';
import { header, sampleRecords } from '../trace/sample.js';

const dir = mkdtempSync(join(tmpdir(), 'pagewise-report-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const good = encodeTrace(header, sampleRecords());
const file = join(dir, 'sample.pwt');
writeFileSync(file, good);

/** Load a page in headless chromium; returns the DOM after scripts ran and chromium's log. */
function chromium(page: string): { dom: string; log: string; code: number | null } {
  const profile = mkdtempSync(join(tmpdir(), 'pagewise-chromium-'));
  const r = spawnSync('/usr/bin/chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0',
    '--virtual-time-budget=5000', '--dump-dom', `file://${page}`,
  ], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
  rmSync(profile, { recursive: true, force: true });
  return { dom: r.stdout, log: r.stderr, code: r.status };
}
const noChromium = needs('chromium');

test('report writes one self-contained HTML file, mode 0600, with every part', async () => {
  const out = join(dir, 'r.html');
  const r = await runCli(['report', file, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*r\.html \(\d+ KiB, 5 regions, 4 plots\)\n$/);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const html = readFileSync(out, 'utf8');
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'nothing is fetched from the network');
  assert.ok(html.includes(loadAssets().uplotJs.slice(0, 200)), 'uPlot is inlined');
  assert.equal((html.match(/<svg class="strip"/g) ?? []).length, 5);
  assert.equal((html.match(/<div id="plot-\d+"/g) ?? []).length, 4);
  assert.match(html, /<svg class="gantt"/);
  assert.match(html, /recorded 23 of 42 faults the process took/);
  assert.match(html, /the kernel dropped 3 samples/);
  assert.match(html, /<table id="threads">.*<td>4243<\/td><td>3<\/td><td>2<\/td><td>1<\/td>/s);
});

test('report --json, a damaged trace (exit 1, the page says so) and bad arguments (exit 2)', async () => {
  const out = join(dir, 'j.html');
  const j = await runCli(['report', file, '-o', out, '--json']);
  assert.equal(j.code, 0);
  assert.deepEqual({ ...JSON.parse(j.stdout), bytes: 0 }, { report: out, bytes: 0, plots: 4, regions: 5 });
  const cut = join(dir, 'cut.pwt');
  writeFileSync(cut, good.subarray(0, good.length - 8));
  const d = await runCli(['report', 'cut.pwt', '-o', 'cut.html'], dir);
  assert.equal(d.code, 1);
  assert.match(d.stderr, /^pagewise report: cut\.pwt: stopped at offset \d+: .*\[TRACE_TRUNCATED\]\n$/);
  assert.match(readFileSync(join(dir, 'cut.html'), 'utf8'), /<li class="damage">the trace stopped at offset \d+/);
  const noOut = await runCli(['report', file]);
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /give the report file with -o REPORT\.html; .*\[USAGE\]/);
  const badDir = await runCli(['report', file, '-o', join(dir, 'no', 'such', 'dir.html')]);
  assert.equal(badDir.code, 1);
  assert.match(badDir.stderr, /dir\.html: cannot write: ENOENT; .*\[WRITE_FAILED\]\n$/);
});

test('the report renders in headless chromium: plots drawn, no errors on the page or the console', { skip: noChromium }, async () => {
  const out = join(dir, 'chrome.html');
  assert.equal((await runCli(['report', file, '-o', out])).code, 0);
  const c = chromium(out);
  assert.equal(c.code, 0, c.log);
  assert.match(c.dom, /<body data-plots="4">/);
  assert.equal((c.dom.match(/<div class="uplot/g) ?? []).length, 4, 'uPlot built its four charts');
  assert.ok((c.dom.match(/<canvas/g) ?? []).length >= 4);
  assert.match(c.dom, /<pre id="errors"><\/pre>/);
  assert.doesNotMatch(c.log, /CONSOLE/);
});

test('the chromium check sees a page that fails (negative control)', { skip: noChromium }, async () => {
  const view = await viewTrace(decodeTrace(good), { symbols: false });
  const html = renderReportHtml(buildReportData(view, 'broken', []), { uplotJs: 'window.uPlot = function(){ throw new Error("boom"); };', uplotCss: '' }, 4096);
  const page = join(dir, 'broken.html');
  writeFileSync(page, html);
  const c = chromium(page);
  assert.doesNotMatch(c.dom, /data-plots=/);
  assert.match(c.dom, /<pre id="errors">error: Uncaught Error: boom/);
  assert.match(c.log, /CONSOLE.*boom/, 'chromium logs the page console, so the clean run above is meaningful');
});

const tracer = join(NATIVE, 'pagewise-tracer');
const mallocheavy = join(NATIVE, 'workloads', 'mallocheavy');
test('a report of a real trace (mallocheavy under pagewise-tracer) renders in chromium with no errors', {
  skip: noChromium || (!existsSync(tracer) ? `the collector is not built yet (${tracer})` : !existsSync(mallocheavy) ? `${mallocheavy} not built` : false),
}, async () => {
  const trace = join(dir, 'mh.pwt');
  const t = spawnSync(tracer, ['-o', trace, '--', mallocheavy, '64'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(t.status, 0, t.stderr);
  const out = join(dir, 'mh.html');
  const r = await runCli(['report', trace, '-o', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { plots } = JSON.parse(r.stdout);
  assert.ok(plots >= 3, `the three malloc arenas at least: ${plots}`);
  const c = chromium(out);
  assert.match(c.dom, new RegExp(`<body data-plots="${plots}">`));
  assert.match(c.dom, /<pre id="errors"><\/pre>/);
  assert.doesNotMatch(c.log, /CONSOLE/);
  assert.match(c.dom, /\[vsyscall\]/);
});
