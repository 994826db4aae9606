/**
 * `pagewise bench`: runs the matrix workloads x modes N times each, in fresh processes, with a progress
 * bar on stderr, and writes the report (Markdown and a self-contained HTML file) plus the raw results.
 */
import { cpus, release } from 'node:os';
import { join, resolve } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { intOption, parseCommandArgs, printHelp, json, type Command } from '../command.js';
import { planConfigs, BENCH_WORKLOADS, BENCH_MODES } from '../../bench/plan.js';
import { runBench } from '../../bench/run.js';
import { renderMarkdown } from '../../bench/render.js';
import { renderHtml } from '../../bench/html.js';
import { findings } from '../../bench/analyze.js';
import { encodeBenchRun, readBenchRun } from '../../bench/store.js';
import { loadAssets } from '../../report/assets.js';
import { writePrivateFile } from '../../report/write.js';
import { checkConfidence } from '../../stats/student.js';
import type { BenchRun } from '../../bench/types.js';
import type { Io } from '../io.js';

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

export const command: Command = {
  name: 'bench',
  summary: 'benchmark direct execve against every loading mode and predictor, with statistics',
  usage: 'pagewise bench [--runs N] [--workloads W,...] [--modes M,...] [-o DIR] [-c LEVEL] [--json]\npagewise bench --from RESULTS.pwbench [-o DIR]',
  help: `Runs every workload under every mode N times (default 10), each run in a fresh process, after a
warm-up run, in a shuffled order per round, and compares each configuration with direct execve of the
same workload, measured in the same run: N, min, max, median, mean, stddev, and the difference at the
confidence level (Student's t, pooled s) or "No difference proven", as FreeBSD's ministat prints them.

Writes DIR/bench.md, DIR/bench.html (self-contained, with plots) and DIR/results.pwbench (the raw runs;
--from re-renders a report from it). DIR defaults to ./pagewise-bench.

options:
  --runs N          runs per configuration (2..1000, default 10)
  --workloads LIST  from: ${Object.keys(BENCH_WORKLOADS).join(', ')} (default all)
  --modes LIST      from: ${BENCH_MODES.join(', ')} (default all but demand-uffd-thread;
                    hybrid = every predictor at 2 and 3 pages)
  -o, --out DIR     where the report goes
  -c, --confidence  80, 90, 95, 98, 99 or 99.5 (default 95)
  --json            print the findings and medians as JSON on stdout

example:
  pagewise bench --runs 5 --workloads seqscan,randtouch --modes direct,eager,demand,hybrid -o /tmp/b`,
  async run(argv: string[], io: Io): Promise<number> {
    const { values, positionals, help } = parseCommandArgs(argv, {
      runs: { type: 'string' },
      workloads: { type: 'string' },
      modes: { type: 'string' },
      out: { type: 'string', short: 'o' },
      confidence: { type: 'string', short: 'c' },
      from: { type: 'string' },
      json: { type: 'boolean' },
    }, { allowPositionals: false });
    if (help) return printHelp(this, io);
    void positionals;
    const runs = intOption('runs', values.runs as string | undefined, 10, 2, 1000);
    const level = checkConfidence(values.confidence === undefined ? 95 : Number(values.confidence));
    const outDir = resolve(io.cwd, (values.out as string | undefined) ?? 'pagewise-bench');
    let run: BenchRun;
    if (typeof values.from === 'string') {
      run = readBenchRun(resolve(io.cwd, values.from));
    } else {
      const configs = planConfigs(list(values.workloads), list(values.modes));
      const bar = new SingleBar({ format: 'bench [{bar}] {value}/{total} {current}', stream: io.stderr as NodeJS.WritableStream & { isTTY?: boolean } as never, noTTYOutput: false, hideCursor: true }, Presets.shades_classic);
      const showBar = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
      let started = false;
      const results = await runBench(configs, runs, (done, total, current) => {
        if (!showBar) return;
        if (!started) { bar.start(total, 0, { current }); started = true; }
        bar.update(done, { current });
      });
      if (started) bar.stop();
      run = {
        startedAt: new Date().toISOString(),
        host: { kernel: release(), cpus: cpus().length, node: process.versions.node },
        runsPerConfig: runs,
        results,
      };
    }
    const { mkdirSync } = await import('node:fs');
    mkdirSync(outDir, { recursive: true });
    writePrivateFile(join(outDir, 'results.pwbench'), encodeBenchRun(run));
    writePrivateFile(join(outDir, 'bench.md'), renderMarkdown(run, level));
    writePrivateFile(join(outDir, 'bench.html'), renderHtml(run, loadAssets(), level));
    if (values.json) {
      json(io, { out: outDir, findings: findings(run, level), results: run.results.map((r) => ({ id: r.config.id, runs: r.runs.length })) });
    } else {
      for (const f of findings(run, level)) io.stdout.write(`- ${f.claim}: ${f.text}\n`);
      io.stdout.write(`report: ${join(outDir, 'bench.md')} and ${join(outDir, 'bench.html')}\n`);
    }
    return 0;
  },
};
