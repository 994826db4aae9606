/**
 * `pagewise report OUT -o report.html`: one self-contained HTML page for a trace (heat strips, faults
 * over time per region, region lifetimes, summary tables), written mode 0600 via temp + rename.
 * Takes the same --thread/--from/--to/--at choices as show. A damaged trace: the report covers what
 * came before the damage, says so on the page, and one stderr line says where; exit 1.
 */
import { resolve } from 'node:path';
import { loadAssets } from '../../report/assets.js';
import { buildReportData } from '../../report/data.js';
import { renderReportHtml } from '../../report/html.js';
import { writePrivateFile } from '../../report/write.js';
import { readTrace } from '../../trace/read.js';
import { formatNs } from '../../trace/time.js';
import { describeTrace, viewTrace } from '../../trace/view.js';
import { json, parseCommandArgs, printHelp, usageError, type Command } from '../command.js';
import type { Io } from '../io.js';
import { reportDamage, VIEW_OPTIONS, viewOptionsOf } from './show.js';

const OPTIONS = { output: { type: 'string', short: 'o' }, ...VIEW_OPTIONS } as const;

export const command: Command = {
  name: 'report',
  summary: 'write a self-contained HTML report of a trace',
  usage: 'pagewise report OUT -o REPORT.html [--at TIME] [--thread TID] [--from TIME --to TIME] [--top N] [--json]',
  help: `
Writes one HTML file (no network needed: the plotting library, styles and data are inline; mode 0600):
  - per region, a heat strip of fault density along the region (log colour scale)
  - faults over time per region (address against time; minor green, major red; drag to zoom)
  - region lifetimes (a Gantt chart of REGION_ADD .. REGION_REMOVE)
  - the summary tables: faults per thread, the instructions that fault most
options:
  -o, --output FILE  where to write the report (required)
  --at, --thread, --from, --to, --top  as for pagewise show
  --json             print {"report": FILE, "bytes": N, "plots": N, "regions": N} instead of a sentence

exit status: 0 written; 1 the trace is damaged (the report covers what came before) or the file could
not be written; 2 bad arguments or not a trace.

example:
  pagewise trace -o seq.pwt -- native/build/workloads/seqscan 64
  pagewise report seq.pwt -o seq.html && chromium seq.html
`,
  async run(argv: string[], io: Io): Promise<number> {
    const { values: v, positionals, help } = parseCommandArgs(argv, OPTIONS);
    if (help) return printHelp(command, io);
    if (positionals.length !== 1) throw usageError(positionals.length ? `expected one trace file, got ${positionals.length} arguments` : 'give the trace file to report on');
    if (typeof v.output !== 'string' || v.output === '') throw usageError('give the report file with -o REPORT.html');
    const opts = viewOptionsOf(v);
    const shown = positionals[0];
    const out = resolve(io.cwd, v.output);
    const assets = loadAssets();
    const trace = readTrace(resolve(io.cwd, shown));
    const view = await viewTrace(trace, opts);
    const notes = describeTrace(shown, trace).trim().split('\n');
    if (opts.at !== undefined) notes.push(`regions as they were at ${formatNs(opts.at)}`);
    if (opts.tid !== undefined) notes.push(`faults of thread ${opts.tid} only`);
    if (trace.damage) notes.push(`the trace stopped at offset ${trace.damage.offset}: ${trace.damage.reason} (${trace.damage.code}); this report covers what came before`);
    if (view.replay.anomalies.length) notes.push(`${view.replay.anomalies.length} inconsistent region records were skipped`);
    const data = buildReportData(view, `pagewise report: ${shown}`, notes);
    const html = renderReportHtml(data, assets, trace.header.pageSize || 4096);
    writePrivateFile(out, html);
    const plots = data.regions.filter((r) => r.points.t.length > 0).length;
    if (v.json) json(io, { report: out, bytes: Buffer.byteLength(html), plots, regions: data.regions.length });
    else io.stdout.write(`wrote ${v.output} (${Math.round(Buffer.byteLength(html) / 1024)} KiB, ${data.regions.length} regions, ${plots} plots)\n`);
    return reportDamage(io, shown, trace.damage, 'report');
  },
};
