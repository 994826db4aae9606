/**
 * `pagewise predict TRACE [--predictor all|NAME[,NAME]] [--pages 2,3] [--no-regions] [--json]`:
 * replays the FAULT records of a trace through the prefetch predictors offline (src/predict) and
 * prints, per predictor and window, faults handled, saved, pages prefetched, useful, wasted.
 * Effects: reading the trace, writing to io.
 */
import { resolve } from 'node:path';
import { PagewiseError } from '../../errors.js';
import { PREDICTOR_NAMES, parsePagesList, predictorName, type PredictorName } from '../../predict/kinds.js';
import { predictTable, renderPredictTable } from '../../predict/table.js';
import { faultPages, validPages } from '../../predict/trace-input.js';
import { readTrace } from '../../trace/read.js';
import { json, parseCommandArgs, printHelp, usageError, type Command } from '../command.js';
import type { Io } from '../io.js';

export const command: Command = {
  name: 'predict',
  summary: 'replay a trace\'s faults through the prefetch predictors: faults saved, pages wasted',
  usage: 'pagewise predict TRACE [--predictor all|next|stride|history|adaptive] [--pages 2,3,...] [--no-regions] [--json]',
  help: `
Replays the page faults recorded in TRACE (pagewise trace, or the loader's --record in demand mode)
as hybrid paging would have handled them: a fault maps its page plus what the predictor proposes;
a later touch of a prefetched page is a fault saved. One row per predictor and window.

columns:
  faults      faults the pager would handle (the first row: no prediction, pure demand paging)
  saved       faults avoided against demand paging
  prefetched  pages the predictor mapped (only pages inside the trace's regions, not yet mapped)
  useful      prefetched pages the program then touched; wasted = prefetched - useful

options:
  --predictor LIST  all (default), or a comma list of next, stride, history, adaptive
  --pages LIST      windows: the fault page + up to P-1 predicted (1..64; default 2,3; ranges like 2-8)
  --no-regions      do not limit prefetching to the regions recorded in the trace
  --allow-damaged   replay the faults before the damage of a damaged or cut-short trace
  --json            the rows as JSON

Predictors are described in docs/predictors.md.

example:
  pagewise trace -o seq.pwt -- ./seqscan 4096 && pagewise predict seq.pwt --pages 2,3,8`,

  async run(argv: string[], io: Io): Promise<number> {
    const p = parseCommandArgs(argv, {
      predictor: { type: 'string' },
      pages: { type: 'string' },
      'no-regions': { type: 'boolean' },
      'allow-damaged': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (p.help) return printHelp(this, io);
    const v = p.values;
    const rawPred = (v.predictor as string | undefined) ?? 'all';
    const predictors: PredictorName[] = rawPred === 'all' ? PREDICTOR_NAMES : rawPred.split(',').map((s) => predictorName(s.trim()));
    const windows = parsePagesList((v.pages as string | undefined) ?? '2,3');
    if (p.positionals.length !== 1) throw usageError(`give one TRACE file, got ${p.positionals.length}`);
    const path = p.positionals[0];
    const trace = readTrace(resolve(io.cwd, path));
    if (trace.damage && !v['allow-damaged']) {
      throw new PagewiseError('PREDICT_BAD_TRACE', `${path}: ${trace.damage.reason} at offset ${trace.damage.offset}`);
    }
    const pages = faultPages(trace);
    if (pages.length === 0) throw new PagewiseError('PREDICT_NO_FAULTS', `${path}: no FAULT records to replay`);
    const valid = v['no-regions'] ? undefined : validPages(trace);
    const rows = predictTable(pages, predictors, windows, valid);
    if (v.json) {
      json(io, { trace: path, faults: pages.length, regions: valid?.count ?? null, rows });
      return 0;
    }
    io.stdout.write(
      `${path}: ${pages.length} faults, ${rows[0].demandFaults} distinct pages` +
        (valid ? `, prefetch limited to ${valid.count} recorded region${valid.count === 1 ? '' : 's'}` : ', prefetch not limited to regions') +
        '\n' +
        renderPredictTable(rows),
    );
    return 0;
  },
};
