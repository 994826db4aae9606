/**
 * renderReportHtml(data, assets): one self-contained HTML page (no network: styles, scripts and data
 * are inline) with the heat strips, the faults-over-time plots (uPlot, inlined from node_modules), the
 * region lifetimes and the summary tables. Pure: the caller reads the uPlot files (./assets.ts).
 * The page records its own errors (window.onerror, console.error) into <pre id="errors"> and sets
 * body[data-plots] to the number of plots drawn, so a headless browser's DOM shows whether it rendered.
 */
import { formatNs } from '../trace/time.js';
import type { ReportData } from './data.js';
import { esc, gantt, heatStrip } from './svg.js';

export interface Assets {
  uplotJs: string;
  uplotCss: string;
}

export const MAX_PLOTS = 40;
const hex = (n: number) => n.toString(16).padStart(8, '0');
/** JSON that is safe inside <script>. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
/** Text that is safe inside <script> or <style> (no closing tag). */
const inline = (s: string, tag: string) => s.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`);

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.notes li{color:#444} .damage{background:#fde2e1;border:1px solid #e55;padding:6px 10px}
table{border-collapse:collapse;font-size:13px} td,th{padding:2px 8px;text-align:right;white-space:nowrap}
th{background:#f2f2f2} td.l,th.l{text-align:left} tr:nth-child(even) td{background:#fafafa}
code,.mono{font-family:ui-monospace,monospace;font-size:12px}
.plot{margin:6px 0 18px} .plot h3{font-size:13px;margin:0 0 2px;font-weight:600}
#errors:empty{display:none} #errors{color:#b00;border:1px solid #b00;padding:6px}
.legend{font-size:12px;color:#555}
`;

const PLOT_JS = `
(function(){
  var D = window.PAGEWISE_DATA, drawn = 0;
  function hex(n){ return '0x' + Math.round(n).toString(16); }
  D.regions.forEach(function(r){
    var el = document.getElementById('plot-' + r.id);
    if (!el || r.points.t.length === 0) return;
    var xs = r.points.t.map(function(t){ return t / 1e6; });
    var minor = r.points.page.map(function(p, i){ return r.points.major[i] ? null : p; });
    var major = r.points.page.map(function(p, i){ return r.points.major[i] ? p : null; });
    var opts = {
      width: Math.max(400, Math.min(1000, el.clientWidth || 900)), height: 170,
      scales: { x: { time: false, range: [0, Math.max(D.endMs, 1e-3)] }, y: { range: [0, Math.max(1, r.pages)] } },
      axes: [ { label: 'time since start (ms)' },
              { label: 'address', size: 120, values: function(u, vals){ return vals.map(function(v){ return hex(r.start + v * D.pageSize); }); } } ],
      series: [ {}, { label: 'minor', stroke: '#2b8a3e', fill: '#2b8a3e', paths: function(){ return null; }, points: { show: true, size: 4, fill: '#2b8a3e' } },
                { label: 'major', stroke: '#d9480f', fill: '#d9480f', paths: function(){ return null; }, points: { show: true, size: 6, fill: '#d9480f' } } ],
      legend: { show: true }
    };
    new uPlot(opts, [xs, minor, major], el);
    drawn++;
  });
  document.body.setAttribute('data-plots', String(drawn));
})();
`;

const ERRORS_JS = `
(function(){
  function note(m){ var e = document.getElementById('errors'); if (e) e.textContent += m + '\\n'; }
  window.onerror = function(msg, src, line, col){ note('error: ' + msg + ' at ' + line + ':' + col); };
  window.addEventListener('unhandledrejection', function(ev){ note('unhandled rejection: ' + ev.reason); });
  var ce = console.error; console.error = function(){ note('console.error: ' + Array.prototype.join.call(arguments, ' ')); ce.apply(console, arguments); };
})();
`;

export function renderReportHtml(d: ReportData, assets: Assets, pageSize: number): string {
  const s = d.summary;
  const regionRows = d.regions.map((r) => `<tr><td class="l mono">${hex(r.start)}-${hex(r.end)}</td><td>${r.pages}</td><td class="mono">${esc(r.prot)}</td><td>${r.faults}</td><td>${r.touched}</td><td class="l">${esc(r.label.length > 32 ? '…' + r.label.slice(-31) : r.label)}${r.removed !== null ? ` <span class="legend">(removed ${formatNs(r.removed)})</span>` : ''}</td><td class="l">${heatStrip(r, 340)}</td></tr>`);
  const plotted = d.regions.filter((r) => r.points.t.length > 0).sort((a, b) => b.faults - a.faults || a.start - b.start).slice(0, MAX_PLOTS);
  const plots = plotted.map((r) => `<div class="plot"><h3>${esc(r.label)} <span class="mono">${hex(r.start)}-${hex(r.end)}</span> · ${r.faults} faults${r.points.every > 1 ? ` (every ${r.points.every}th shown)` : ''}</h3><div id="plot-${r.id}" class="uplot-host"></div></div>`);
  const threads = s.threads.map((t) => `<tr><td>${t.tid}</td><td>${t.faults}</td><td>${t.minor}</td><td>${t.major}</td></tr>`);
  const ips = s.topIps.map((p) => `<tr><td>${p.faults}</td><td class="mono l">${p.ip.toString(16)}</td><td class="l mono">${esc(p.symbol ?? '?')}</td><td class="l">${esc(p.region ?? '')}</td></tr>`);
  const totals = [`${s.faults} faults: ${s.minor} minor, ${s.major} major${s.unknownKind ? `, ${s.unknownKind} of unknown kind` : ''}`];
  if (s.kernel && s.kernel.took > s.recorded) totals.push(`recorded ${s.recorded} of ${s.kernel.took} faults the process took (the rest were invisible to the collector)`);
  if (s.lost) totals.push(`the kernel dropped ${s.lost} samples`);
  if (s.prefetched) totals.push(`${s.prefetched} pages prefetched by the loader`);
  const data = { pageSize, endMs: d.endT / 1e6, regions: plotted.map((r) => ({ id: r.id, start: r.start, pages: r.pages, points: r.points })) };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(d.title)}</title>
<style>${inline(assets.uplotCss, 'style')}</style>
<style>${CSS}</style>
<script>${ERRORS_JS}</script>
</head><body>
<h1>${esc(d.title)}</h1>
<ul class="notes">${d.notes.map((n) => `<li${/stopped at offset/.test(n) ? ' class="damage"' : ''}>${esc(n)}</li>`).join('')}${totals.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>
<pre id="errors"></pre>
<section id="regions"><h2>Regions and heat strips</h2>
<p class="legend">Each strip spans its region from start (left) to end (right); colour is the number of faults in that slice (log scale, grey = none).</p>
<table><tr><th class="l">range</th><th>pages</th><th>prot</th><th>faults</th><th>touched</th><th class="l">region</th><th class="l">fault density along the region</th></tr>
${regionRows.join('\n')}</table></section>
<section id="time"><h2>Faults over time</h2>
<p class="legend">Address against time for each region with faults, most faults first (green minor, red major)${d.regions.filter((r) => r.points.t.length).length > MAX_PLOTS ? `; the first ${MAX_PLOTS} regions` : ''}. Drag to zoom, double-click to reset.</p>
${plots.join('\n') || '<p>No faults.</p>'}</section>
<section id="lifetimes"><h2>Region lifetimes</h2>
<p class="legend">Each bar runs from the region's REGION_ADD to its REGION_REMOVE (or merge), or to the end of the trace (dark).</p>
${gantt(d.regions, d.endT)}</section>
<section id="summary"><h2>Summary</h2>
<h3>Faults per thread</h3><table id="threads"><tr><th>tid</th><th>faults</th><th>minor</th><th>major</th></tr>${threads.join('')}</table>
<h3>Instructions that fault most</h3><table id="ips"><tr><th>faults</th><th class="l">ip</th><th class="l">function</th><th class="l">file</th></tr>${ips.join('') || '<tr><td colspan="4" class="l">no instruction pointers recorded</td></tr>'}</table>
</section>
<script>${inline(assets.uplotJs, 'script')}</script>
<script>window.PAGEWISE_DATA = ${scriptJson(data)};</script>
<script>${PLOT_JS}</script>
</body></html>
`;
}
