/**
 * The shape of a CLI command and the shared argument parsing.
 *
 * Each command module in ./commands exports `command: Command`. parseCommandArgs wraps node:util
 * parseArgs so every command is strict (unknown options are usage errors) and gets --help and
 * --json handling the same way. A usage error is a PagewiseError('USAGE'), which main() prints
 * first, followed by the command's synopsis, and exits 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PagewiseError } from '../errors.js';
import type { Io } from './io.js';

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Synopsis lines, shown on usage errors and at the top of --help. */
  readonly usage: string;
  /** The rest of --help: options, what the columns mean, at least one example. */
  readonly help: string;
  run(argv: string[], io: Io): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<V> {
  values: V;
  positionals: string[];
  help: boolean;
}

/**
 * Strict parse of argv against `options` (plus --help/-h). Positionals after `--` are kept verbatim.
 * Throws USAGE with parseArgs' complaint, shortened to one line.
 */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  opts: { allowPositionals?: boolean } = {},
): Parsed<Record<string, string | boolean | string[] | boolean[] | undefined>> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: opts.allowPositionals ?? true,
    });
    const v = values as Record<string, string | boolean | string[] | boolean[] | undefined>;
    return { values: v, positionals, help: v.help === true };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
    throw new PagewiseError('USAGE', msg, { cause: e });
  }
}

export function usageError(message: string): PagewiseError {
  return new PagewiseError('USAGE', message);
}

/** Parse a decimal integer option within [min, max]; names the option on failure. */
export function intOption(name: string, raw: string | undefined, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  if (!/^-?\d+$/.test(raw)) throw usageError(`--${name} must be an integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw usageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function printHelp(cmd: Command, io: Io): number {
  io.stdout.write(`usage: ${cmd.usage.trim().split('\n').join('\n       ')}\n\n${cmd.summary}\n\n${cmd.help.trim()}\n`);
  return 0;
}

export function json(io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2) + '\n');
}
