/**
 * Reading a data set as ministat does: parseColumn(text, name, column, delimiters) -> number[].
 *
 * Each line is split at any of the delimiter characters (default space and tab; runs count as one,
 * as strtok does); the column-th field (1-based) is the value. A line that has no such field, or
 * whose fields up to it include one starting with '#', is skipped (comments, blank lines). A field
 * that is not a whole finite decimal number (strtod syntax: sign, digits, point, exponent) is a
 * STAT_NOT_NUMBER naming the file and the line; ministat would accept inf, nan and hex floats, we
 * refuse them because no statistic survives them. Pure: the caller reads the file.
 */
import { PagewiseError } from '../errors.js';

const NUMBER = /^[ \t\n\v\f\r]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseColumn(text: string, name: string, column = 1, delimiters = ' \t'): number[] {
  const out: number[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, idx) => {
    let field: string | undefined;
    let i = 1;
    let pos = 0;
    for (;;) {
      while (pos < line.length && delimiters.includes(line[pos])) pos++;
      if (pos >= line.length) {
        field = undefined;
        break;
      }
      let end = pos;
      while (end < line.length && !delimiters.includes(line[end])) end++;
      field = line.slice(pos, end);
      pos = end;
      if (field.startsWith('#') || i === column) break;
      i++;
    }
    if (field === undefined || field.startsWith('#')) return;
    const v = NUMBER.test(field) ? Number(field) : NaN;
    if (!Number.isFinite(v)) {
      const shown = field.length > 40 ? field.slice(0, 40) + '...' : field;
      throw new PagewiseError('STAT_NOT_NUMBER', `${name}: line ${idx + 1}: '${shown}' is not a number`);
    }
    out.push(v);
  });
  return out;
}
