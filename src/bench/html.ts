/**
 * renderHtml(run, markdownBody, assets): the bench report as one self-contained HTML file: the findings,
 * per workload a strip plot of every run's wall time per configuration and a bar plot of median max RSS
 * (uPlot, inlined), and the tables. Pure: the caller loads uPlot (src/report/assets.ts).
 */
import type { Assets } from '../report/html.js';
import { byWorkload, col, findings, median } from './analyze.js';
import { ratio, verdict } from './render.js';
import type { BenchRun, ConfigResult, Measurement } from './types.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderHtml(run: BenchRun, assets: Assets, level = 95): string {
  const sections: string[] = [];
  const plots: unknown[] = [];
  let i = 0;
  for (const [workload, list] of byWorkload(run)) {
    const ref = list.find((r) => r.config.mode === 'direct');
    const names = list.map((r) => r.config.id.split('/')[1]);
    // strip plot: x = configuration index (+ small deterministic jitter), y = wall ms
    const xs: number[] = [];
    const ys: number[] = [];
    list.forEach((r, k) => r.runs.forEach((m, j) => { xs.push(k + ((j % 7) - 3) * 0.04); ys.push(m.wallMs); }));
    const order = xs.map((_, j) => j).sort((a, b) => xs[a] - xs[b]);
    plots.push({ id: `t${i}`, kind: 'strip', names, x: order.map((j) => xs[j]), y: order.map((j) => ys[j]), label: 'wall time (ms)' });
    plots.push({ id: `m${i}`, kind: 'bars', names, x: names.map((_, k) => k), y: list.map((r) => median(col(r, 'maxRssKiB')) / 1024), label: 'median max RSS (MiB)' });
    const rows = list
      .map((r) => {
        const isRef = r === ref;
        return `<tr><td>${esc(r.config.id.split('/')[1])}</td><td>${median(col(r, 'wallMs')).toFixed(2)}</td><td>${ref ? ratio(ref, r, 'wallMs').toFixed(2) : '-'}</td>` +
          `<td>${isRef || !ref ? 'reference' : esc(verdict(ref, r, 'wallMs', level))}</td><td>${(median(col(r, 'maxRssKiB')) / 1024).toFixed(2)}</td>` +
          `<td>${isRef || !ref ? 'reference' : esc(verdict(ref, r, 'maxRssKiB', level))}</td><td>${median(col(r, 'handled')).toFixed(0)}</td>` +
          `<td>${median(col(r, 'minflt')).toFixed(0)}</td><td>${median(col(r, 'prefetched')).toFixed(0)}</td><td>${median(col(r, 'useful')).toFixed(0)}</td></tr>`;
      })
      .join('\n');
    sections.push(
      `<section><h2>${esc(workload)} <span class="mono">${esc(list[0].config.args.join(' '))}</span></h2>` +
        `<div class="row"><div class="plot"><h3>every run's wall time</h3><div id="t${i}"></div></div><div class="plot"><h3>median max RSS</h3><div id="m${i}"></div></div></div>` +
        `<table><thead><tr><th>configuration</th><th>median ms</th><th>× direct</th><th>vs direct (time)</th><th>max RSS MiB</th><th>vs direct (RSS)</th><th>faults handled</th><th>minor faults</th><th>prefetched</th><th>useful</th></tr></thead><tbody>${rows}</tbody></table></section>`,
    );
    i++;
  }
  const finds = findings(run, level).map((f) => `<li class="${f.found ? 'found' : 'none'}"><b>${esc(f.claim)}</b>: ${esc(f.text)}</li>`).join('\n');
  const data = JSON.stringify(plots).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pagewise bench</title>
<style>${assets.uplotCss}
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
.mono{font-family:ui-monospace,monospace;font-size:90%;color:#555}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.row{display:flex;gap:2em;flex-wrap:wrap}
li.found{margin:.4em 0}li.none{color:#666;margin:.4em 0}</style></head>
<body><h1>pagewise bench</h1><pre id="script-errors" hidden></pre>
<script>
// Any script error on this page (a syntax error in a later block too) shows here, for a person and for the test.
window.addEventListener('error', function (e) {
  var el = document.getElementById('script-errors');
  el.hidden = false;
  el.textContent += 'script error: ' + e.message + ' ';
});
</script>
<p>${esc(run.startedAt)} · Linux ${esc(run.host.kernel)} · ${run.host.cpus} CPUs · ${run.runsPerConfig} runs per configuration, each in a fresh process, after a warm-up run, shuffled per round.
Comparisons: Student's t at ${level.toFixed(1)}% confidence against direct execve measured in the same run.</p>
<h2>Findings</h2><ul>${finds}</ul>
${sections.join('\n')}
<script>${assets.uplotJs}</script>
<script>
(function () {
  var plots = ${data};
  plots.forEach(function (p) {
    var el = document.getElementById(p.id);
    var bars = p.kind === 'bars';
    var opts = {
      width: 540, height: 260,
      scales: { x: { time: false, range: [-0.5, p.names.length - 0.5] },
                // bars start at zero, so a 1% difference does not look like a tenfold one
                y: bars ? { range: function (u, min, max) { return [0, max * 1.1]; } } : {} },
      axes: [{ values: function (u, ticks) { return ticks.map(function (t) { return Number.isInteger(t) ? (p.names[t] || '') : ''; }); },
               rotate: -40, size: 100, incrs: [1], space: 4, font: '11px system-ui' },
             { label: p.label }],
      legend: { show: false },
      series: [{}, { label: p.label, stroke: bars ? '#3a6' : '#36c', fill: bars ? 'rgba(51,170,102,.4)' : undefined,
                     paths: bars ? uPlot.paths.bars({ size: [0.6, 40] }) : function () { return null; },
                     points: { show: !bars, size: 5, fill: '#36c' } }]
    };
    new uPlot(opts, [p.x, p.y], el);
  });
})();
</script></body></html>
`;
}
