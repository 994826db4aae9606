/**
 * parseMaps / parseSmaps: the regions of /proc/PID/maps and /proc/PID/smaps (pure: text in, regions
 * out; a line of neither shape is PROC_BAD_FORMAT). readRegions(pid) reads smaps, which carries the
 * maps line of each region followed by its counters, so one read gives one consistent snapshot.
 */
import { PagewiseError } from '../errors.js';
import { noMemory, readProcFile, resolvePid, type PidArg } from './pid.js';

export interface MapRegion {
  readonly start: bigint;
  readonly end: bigint;
  /** 'r-xp' as the kernel prints it. */
  readonly perms: string;
  readonly read: boolean;
  readonly write: boolean;
  readonly exec: boolean;
  readonly shared: boolean;
  readonly offset: bigint;
  /** 'fe:01' major:minor, hex. */
  readonly dev: string;
  readonly inode: number;
  /** The file, [heap], [stack], [vdso], [anon:name], '' for anonymous; may end in ' (deleted)'. */
  readonly path: string;
}

export interface SmapsRegion extends MapRegion {
  /** Every "Key: N kB" counter (Rss, Pss, Private_Dirty, Referenced, Anonymous, KernelPageSize ...). */
  readonly kb: Readonly<Record<string, number>>;
  /** The two-letter VmFlags (rd wr ex mr mw me gd lo ...). */
  readonly vmFlags: readonly string[];
}

const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(?: +(.*))?$/;
const SMAPS_FIELD = /^([A-Za-z_][A-Za-z0-9_]*):\s+(\d+) kB$/;

function badFormat(what: string, n: number, line: string): PagewiseError {
  return new PagewiseError('PROC_BAD_FORMAT', `${what}: line ${n} is not a maps or smaps line: '${line.slice(0, 80)}'`);
}

function regionOf(m: RegExpExecArray): MapRegion {
  const perms = m[3];
  return {
    start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms, read: perms[0] === 'r', write: perms[1] === 'w',
    exec: perms[2] === 'x', shared: perms[3] === 's', offset: BigInt(`0x${m[4]}`), dev: m[5], inode: Number(m[6]), path: m[7] ?? '',
  };
}

export function parseMaps(text: string, what = 'maps'): MapRegion[] {
  const out: MapRegion[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = MAPS_LINE.exec(line);
    if (!m) throw badFormat(what, i + 1, line);
    out.push(regionOf(m));
  });
  return out;
}

export function parseSmaps(text: string, what = 'smaps'): SmapsRegion[] {
  const out: { region: MapRegion; kb: Record<string, number>; vmFlags: string[] }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = MAPS_LINE.exec(line);
    if (m) {
      out.push({ region: regionOf(m), kb: {}, vmFlags: [] });
      return;
    }
    const cur = out[out.length - 1];
    if (!cur) throw badFormat(what, i + 1, line);
    const f = SMAPS_FIELD.exec(line);
    if (f) cur.kb[f[1]] = Number(f[2]);
    else if (line.startsWith('VmFlags:')) cur.vmFlags = line.slice(8).trim().split(/\s+/).filter(Boolean);
    else if (!/^[A-Za-z_]+:\s+\S+/.test(line)) throw badFormat(what, i + 1, line); // THPeligible: 0, ProtectionKey: 0
  });
  return out.map(({ region, kb, vmFlags }) => ({ ...region, kb, vmFlags }));
}

export interface ProcessRegions {
  readonly pid: number;
  readonly regions: readonly SmapsRegion[];
}

/** The regions of process `pid` ('self' = this process), from one read of /proc/PID/smaps. */
export async function readRegions(pid: PidArg): Promise<ProcessRegions> {
  const text = (await readProcFile(pid, 'smaps')).toString('utf8');
  if (text === '') throw noMemory(pid); // every user process maps at least its stack and [vdso]
  return { pid: resolvePid(pid), regions: parseSmaps(text, `/proc/${pid}/smaps`) };
}
