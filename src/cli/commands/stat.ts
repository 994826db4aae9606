/**
 * `pagewise stat [-c LEVEL] [-n] [-q|-A] [-s] [-w WIDTH] [-C COL] [-d DELIMS] [--json] FILE...`:
 * FreeBSD ministat. Reads each file as one data set (a column of numbers), prints what ministat
 * prints (src/stats/ministat.ts), or with --json the summaries and differences as numbers.
 * The only effects here: reading the files (or stdin for '-') and writing to io.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fsError, PagewiseError } from '../../errors.js';
import { difference } from '../../stats/compare.js';
import { MAX_SETS, renderMinistat, type DataSet } from '../../stats/ministat.js';
import { parseColumn } from '../../stats/parse.js';
import { checkConfidence } from '../../stats/student.js';
import { summarize } from '../../stats/summary.js';
import { intOption, json, parseCommandArgs, printHelp, usageError, type Command } from '../command.js';
import type { Io } from '../io.js';

function readSet(file: string, io: Io, column: number, delims: string): DataSet {
  const name = file === '-' ? '<stdin>' : file;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw fsError(e, file);
  }
  const values = parseColumn(text, name, column, delims);
  if (values.length < 2) {
    throw new PagewiseError('STAT_TOO_FEW', `${name}: ${values.length} value${values.length === 1 ? '' : 's'}, need at least 2`);
  }
  return { name, values };
}

export const command: Command = {
  name: 'stat',
  summary: 'ministat: summary, distribution plot and Student\'s t comparison of columns of numbers',
  usage: 'pagewise stat [-c 80|90|95|98|99|99.5] [-n] [-q|-A] [-s] [-w WIDTH] [-C COLUMN] [-d DELIMS] [--json] FILE...',
  help: `
Each FILE (up to ${MAX_SETS}; - is standard input) is one data set: one number per line, or the
COLUMN-th field of each line. Lines that are empty or start with # are skipped. The first set is the
reference; each other set is compared with it by Student's t test with pooled standard deviation.
The output is FreeBSD ministat's, number for number (the Median column is, as in ministat, the upper of
the two middle values of an even count; --json also gives the true median).

options:
  -c, --confidence LEVEL  confidence level in percent: 80 90 95 (default) 98 99 99.5
  -n, --summary-only      the summary table only (no plot, no comparison)
  -q, --no-plot           the summary table and the comparison, no plot (-A, as Debian's ministat)
  -s, --separate          one mean/median bar per data set under the plot
  -w, --width WIDTH       plot width in columns (default 74, or the terminal width)
  -C, --column COLUMN     take the COLUMN-th field of each line (default 1)
  -d, --delimiters CHARS  field delimiters (default space and tab)
      --json              summaries and differences as JSON

Bad input (exit 2): a field that is not a number (file and line named), fewer than 2 values,
an unreadable file, an unsupported confidence level.

example:
  pagewise stat -c 99 before.txt after.txt
  pagewise stat -C 2 -d , --json times.csv`,

  async run(argv: string[], io: Io): Promise<number> {
    const p = parseCommandArgs(argv, {
      confidence: { type: 'string', short: 'c' },
      'summary-only': { type: 'boolean', short: 'n' },
      'no-plot': { type: 'boolean', short: 'q' },
      'no-graph': { type: 'boolean', short: 'A' },
      separate: { type: 'boolean', short: 's' },
      width: { type: 'string', short: 'w' },
      column: { type: 'string', short: 'C' },
      delimiters: { type: 'string', short: 'd' },
      json: { type: 'boolean' },
    });
    if (p.help) return printHelp(this, io);
    const v = p.values;
    const rawC = v.confidence as string | undefined;
    let confidence = 95;
    if (rawC !== undefined) {
      const c = Number(rawC.replace(/%$/, ''));
      if (rawC.trim() === '' || !Number.isFinite(c)) throw usageError(`-c must be a confidence level in percent, got '${rawC}'`);
      confidence = checkConfidence(c);
    }
    let width = 74;
    if (io.isTTY) {
      const cols = Number(process.env.COLUMNS);
      if (Number.isInteger(cols) && cols > 0) width = cols;
      else if (process.stdout.columns > 2) width = process.stdout.columns - 2;
    }
    width = intOption('width', v.width as string | undefined, width, 2, 10000);
    const column = intOption('column', v.column as string | undefined, 1, 1, 1 << 20);
    const delims = (v.delimiters as string | undefined) ?? ' \t';
    if (delims === '') throw usageError('--delimiters must not be empty');
    if (p.positionals.length === 0) throw usageError('give at least one FILE (- for standard input)');
    if (p.positionals.length > MAX_SETS) throw usageError(`at most ${MAX_SETS} files, got ${p.positionals.length}`);

    const sets = p.positionals.map((f) => readSet(f, io, column, delims));
    if (v.json) {
      const sums = sets.map((s) => summarize(s.values, 'ministat'));
      json(io, {
        confidence,
        sets: sets.map((s, i) => {
          const x = sums[i];
          const d = i === 0 ? undefined : difference(x, sums[0], confidence, 'ministat');
          return {
            name: s.name,
            n: x.n,
            min: x.min,
            max: x.max,
            median: x.median,
            medianUpper: x.medianUpper,
            mean: x.mean,
            stddev: x.stddev,
            ...(d === undefined
              ? {}
              : { difference: d.proven ? { diff: d.diff, ci: d.ci, pct: d.pct, pctCi: d.pctCi, pooledS: d.pooledS, t: d.t } : null }),
          };
        }),
      });
      return 0;
    }
    io.stdout.write(
      renderMinistat(sets, {
        confidence,
        width,
        summaryOnly: v['summary-only'] === true,
        noPlot: v['no-plot'] === true || v['no-graph'] === true,
        separateBars: v.separate === true,
      }),
    );
    return 0;
  },
};
