/**
 * Trace times as people write them: parseDuration('12.5ms') -> 12500000 (ns); formatNs(12500000) ->
 * '12.500ms'. Units: ns, us (or µs), ms, s; a unit is required (a bare number is ambiguous).
 * Pure; a bad time is TRACE_BAD_TIME naming the option.
 */
import { PagewiseError } from '../errors.js';

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 };

export function parseDuration(text: string, option = 'time'): number {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ns|us|µs|ms|s)\s*$/.exec(text);
  if (!m) throw new PagewiseError('TRACE_BAD_TIME', `--${option} '${text}' is not a time with a unit`);
  return Math.round(Number(m[1]) * UNITS[m[2]]);
}

export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(3)}us`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(3)}ms`;
  return `${(ns / 1e9).toFixed(3)}s`;
}
