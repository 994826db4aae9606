/**
 * renderMarkdown(run, level): the bench report as Markdown: how it was run, the findings, one table per
 * workload (medians against direct execve with the Student's t verdict), then, for every comparison
 * against direct, the ministat block (N, min, max, median, mean, stddev, difference or "No difference
 * proven"). Pure.
 */
import { renderComparison } from '../stats/ministat.js';
import { compare } from '../stats/compare.js';
import { byWorkload, col, findings, median } from './analyze.js';
import type { BenchRun, ConfigResult, Measurement } from './types.js';

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

export function verdict(ref: ConfigResult, r: ConfigResult, k: keyof Measurement, level: number): string {
  if (ref.runs.length < 2 || r.runs.length < 2) return 'n/a';
  const c = compare(col(ref, k), col(r, k), level);
  if (!c.difference) return 'no difference proven';
  const d = c.difference;
  return `${d.pct >= 0 ? '+' : ''}${d.pct.toFixed(1)}% ± ${d.pctCi.toFixed(1)}%`;
}

export function ratio(ref: ConfigResult, r: ConfigResult, k: keyof Measurement): number {
  return median(col(r, k)) / median(col(ref, k));
}

export function renderMarkdown(run: BenchRun, level = 95): string {
  const out: string[] = [];
  out.push('# pagewise bench', '');
  out.push(
    `${run.startedAt}, Linux ${run.host.kernel}, ${run.host.cpus} CPUs, Node ${run.host.node}; ${run.runsPerConfig} runs per configuration, ` +
      `each in a fresh process, after one warm-up run, in a shuffled order per round. Times are wall-clock from fork to wait4; ` +
      `memory is wait4's max RSS. Comparisons are Student's t at ${level.toFixed(1)}% confidence against direct execve in the same run.`,
    '',
  );
  out.push('## Findings', '');
  for (const f of findings(run, level)) out.push(`- **${f.claim}**: ${f.text}`);
  out.push('');
  for (const [workload, list] of byWorkload(run)) {
    const ref = list.find((r) => r.config.mode === 'direct');
    out.push(`## ${workload} ${list[0].config.args.join(' ')}`, '');
    out.push('| configuration | median ms | x direct | vs direct (time) | max RSS MiB | vs direct (RSS) | faults handled | minor faults | prefetched | useful |');
    out.push('|---|---:|---:|---|---:|---|---:|---:|---:|---:|');
    for (const r of list) {
      const m = (k: keyof Measurement) => median(col(r, k));
      const isRef = r === ref;
      out.push(
        `| ${r.config.id.split('/')[1]} | ${f2(m('wallMs'))} | ${ref ? f2(ratio(ref, r, 'wallMs')) : '-'} | ${isRef || !ref ? 'reference' : verdict(ref, r, 'wallMs', level)} | ` +
          `${f2(m('maxRssKiB') / 1024)} | ${isRef || !ref ? 'reference' : verdict(ref, r, 'maxRssKiB', level)} | ${m('handled').toFixed(0)} | ${m('minflt').toFixed(0)} | ` +
          `${m('prefetched').toFixed(0)} | ${m('useful').toFixed(0)} |`,
      );
    }
    out.push('');
    if (ref) {
      out.push('<details><summary>ministat: wall time (ms) of each configuration against direct execve</summary>', '');
      for (const r of list) {
        if (r === ref || r.runs.length < 2 || ref.runs.length < 2) continue;
        out.push('```', renderComparison({ name: ref.config.id, values: col(ref, 'wallMs') }, { name: r.config.id, values: col(r, 'wallMs') }, level).trimEnd(), '```');
      }
      out.push('</details>', '');
    }
  }
  return out.join('\n');
}
