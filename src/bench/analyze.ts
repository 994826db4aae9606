/**
 * What a benchmark run shows. Pure: BenchRun in, comparisons and findings out.
 *
 * compareToDirect: for every configuration, wall time and max RSS against direct execve of the same
 * workload (ministat-style: summary plus the Student's t difference at the chosen confidence).
 * findings: the four statements the report must make (issue 4), each either backed by a proven
 * difference and explained by the fault counts, or an honest "none found" with the reason.
 */
import { compare, type Comparison } from '../stats/compare.js';
import { summarize } from '../stats/summary.js';
import type { BenchRun, ConfigResult, Measurement, Metric } from './types.js';

export interface ConfigComparison {
  id: string;
  workload: string;
  metric: Metric;
  reference: string;
  comparison: Comparison;
}

export interface Finding {
  claim: string;
  found: boolean;
  text: string;
}

/** The true median (mean of the two middle values of an even count). */
export const median = (xs: number[]): number => (xs.length ? summarize(xs).median : NaN);
/** One measured quantity of every run of a configuration. */
export const col = (r: ConfigResult, k: keyof Measurement): number[] => r.runs.map((m) => m[k]);
const med = (r: ConfigResult, k: keyof Measurement): number => median(col(r, k));

export function byWorkload(run: BenchRun): Map<string, ConfigResult[]> {
  const m = new Map<string, ConfigResult[]>();
  for (const r of run.results) {
    const list = m.get(r.config.workload) ?? [];
    list.push(r);
    m.set(r.config.workload, list);
  }
  return m;
}

export function compareToDirect(run: BenchRun, level = 95): ConfigComparison[] {
  const out: ConfigComparison[] = [];
  for (const [workload, list] of byWorkload(run)) {
    const ref = list.find((r) => r.config.mode === 'direct');
    if (!ref || ref.runs.length < 2) continue;
    for (const r of list) {
      if (r === ref || r.runs.length < 2) continue;
      for (const metric of ['wallMs', 'maxRssKiB'] as const) {
        out.push({ id: r.config.id, workload, metric, reference: ref.config.id, comparison: compare(col(ref, metric), col(r, metric), level) });
      }
    }
  }
  return out;
}

/** a is smaller than b on metric, proven at `level`; returns the relative gain (b-a)/b, or null. */
function provenLess(a: ConfigResult, b: ConfigResult, metric: Metric, level: number): number | null {
  if (a.runs.length < 2 || b.runs.length < 2) return null;
  const c = compare(col(b, metric), col(a, metric), level);
  if (!c.difference || c.difference.diff >= 0) return null;
  // the difference is proven on the means (Student's t); the size is told with the medians, as the
  // tables show them: (b - a) / b, the share of b saved
  const mb = median(col(b, metric));
  return mb > 0 ? (mb - median(col(a, metric))) / mb : 0;
}

const fmt = (x: number, unit: string) => `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)} ${unit}`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

interface Best { workload: string; a: ConfigResult; b: ConfigResult; gain: number }

function best(run: BenchRun, pick: (list: ConfigResult[]) => Array<[ConfigResult, ConfigResult]>, metric: Metric, level: number): Best | undefined {
  let top: Best | undefined;
  for (const [workload, list] of byWorkload(run)) {
    for (const [a, b] of pick(list)) {
      const g = provenLess(a, b, metric, level);
      if (g !== null && (!top || g > top.gain)) top = { workload, a, b, gain: g };
    }
  }
  return top;
}

/** The classic configurations the findings compare: demand paging means the SIGSEGV pager (the
 * userfaultfd one is compared in the tables; its cost depends on cross-CPU wake-ups). */
const modeIs = (mode: string) => (r: ConfigResult) => r.config.mode === mode && !(mode === 'demand' && r.config.via !== undefined && r.config.via !== 'signal');
const pairs = (xs: ConfigResult[], ys: ConfigResult[]) => xs.flatMap((x) => ys.map((y) => [x, y] as [ConfigResult, ConfigResult]));

export function findings(run: BenchRun, level = 95): Finding[] {
  const out: Finding[] = [];
  const conf = `${level.toFixed(1)}% confidence`;

  const f1 = best(run, (l) => pairs(l.filter(modeIs('eager')), l.filter(modeIs('demand'))), 'wallMs', level);
  out.push(
    f1
      ? {
          claim: 'faster loaded all at once than demand-paged',
          found: true,
          text:
            `${f1.workload} took ${pct(f1.gain)} less time eager (median ${fmt(med(f1.a, 'wallMs'), 'ms')}) than demand-paged ` +
            `(${fmt(med(f1.b, 'wallMs'), 'ms')}), a difference proven at ${conf}: demand paging took ${med(f1.b, 'handled').toFixed(0)} ` +
            `faults through the loader's pager, each a trap and a mapping call, which eager mapping does in ` +
            `${med(f1.a, 'mapped').toFixed(0)} pages mapped up front (${med(f1.a, 'minflt').toFixed(0)} minor faults left to the kernel, against ${med(f1.b, 'minflt').toFixed(0)}).`,
        }
      : { claim: 'faster loaded all at once than demand-paged', found: false, text: `No workload ran faster eager than demand-paged with a difference proven at ${conf}.` },
  );

  const f2 = best(run, (l) => pairs(l.filter(modeIs('demand')), l.filter(modeIs('eager'))), 'maxRssKiB', level);
  out.push(
    f2
      ? {
          claim: 'uses less memory demand-paged',
          found: true,
          text:
            `${f2.workload} used ${pct(f2.gain)} less memory demand-paged (max RSS ${fmt(med(f2.a, 'maxRssKiB') / 1024, 'MiB')}) than eager ` +
            `(${fmt(med(f2.b, 'maxRssKiB') / 1024, 'MiB')}), a difference proven at ${conf}: demand paging made resident only the ${med(f2.a, 'handled').toFixed(0)} ` +
            `pages the program touched (faults handled), while under eager mapping the kernel's own faults (${med(f2.b, 'minflt').toFixed(0)} minor) ` +
            `brought in each touched page's neighbours too (fault-around and large folios), out of ${med(f2.b, 'mapped').toFixed(0)} pages mapped.`,
        }
      : {
          claim: 'uses less memory demand-paged',
          found: false,
          text:
            `No workload used less memory demand-paged with a difference proven at ${conf}. Eager mapping maps ` +
            `segments without touching them, so the kernel itself still brings pages in on first touch and the ` +
            `resident set is the same; only pages that are mapped and touched count in max RSS.`,
        },
  );

  // with a predictor against without: the same hybrid layout (text and data mapped at start) mapping
  // only the faulting page, so the difference is the prediction alone
  const predicted = (r: ConfigResult) => r.config.mode === 'hybrid' && (r.config.pages ?? 1) > 1;
  const unpredicted = (r: ConfigResult) => r.config.mode === 'hybrid' && r.config.pages === 1;
  const f3 = best(run, (l) => pairs(l.filter(predicted), l.filter(unpredicted)), 'wallMs', level);
  out.push(
    f3
      ? {
          claim: 'faster with a predictor than without',
          found: true,
          text:
            `${f3.workload} took ${pct(f3.gain)} less time hybrid with the ${f3.a.config.predictor} predictor at ${f3.a.config.pages} pages ` +
            `(median ${fmt(med(f3.a, 'wallMs'), 'ms')}) than hybrid without prediction (${fmt(med(f3.b, 'wallMs'), 'ms')}), a difference proven at ${conf}: ` +
            `it handled ${med(f3.a, 'handled').toFixed(0)} faults instead of ${med(f3.b, 'handled').toFixed(0)}, because ` +
            `${med(f3.a, 'useful').toFixed(0)} of its ${med(f3.a, 'prefetched').toFixed(0)} prefetched pages were touched before the program exited.`,
        }
      : { claim: 'faster with a predictor than without', found: false, text: `No predictor made hybrid loading faster than hybrid without prediction with a difference proven at ${conf}.` },
  );

  const f4 = best(
    run,
    (l) => {
      const h = l.filter(modeIs('hybrid'));
      return h.flatMap((a) => h.filter((b) => a.config.pages === 3 && b.config.pages === 2 && a.config.predictor === b.config.predictor).map((b) => [a, b] as [ConfigResult, ConfigResult]));
    },
    'wallMs',
    level,
  );
  out.push(
    f4
      ? {
          claim: '3 pages beat 2',
          found: true,
          text:
            `${f4.workload} with the ${f4.a.config.predictor} predictor took ${pct(f4.gain)} less time mapping 3 pages per fault ` +
            `(median ${fmt(med(f4.a, 'wallMs'), 'ms')}) than 2 (${fmt(med(f4.b, 'wallMs'), 'ms')}), a difference proven at ${conf}: ` +
            `${med(f4.a, 'handled').toFixed(0)} faults handled instead of ${med(f4.b, 'handled').toFixed(0)}, the third page being touched ` +
            `${med(f4.a, 'prefetched') > 0 ? pct(med(f4.a, 'useful') / med(f4.a, 'prefetched')) : 'n/a'} of the time.`,
        }
      : {
          claim: '3 pages beat 2',
          found: false,
          text: `No workload ran faster with 3 pages than with 2 with a difference proven at ${conf} (the saved faults were too few against the run-to-run spread, or the third page was rarely touched).`,
        },
  );
  return out;
}
