// gate.ts — `svqsim gate RESULT...`: check thresholds and baseline regressions; exit 3 when a check fails.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, ExitWith, InputError, type CliIo } from '../io.js';
import { checkRegressionMetric, evaluateGate, formatGateLines, parseFraction, thresholdOrThrow, type GateResult } from '../../../metrics/gate.js';
import { gateJUnit } from '../../../metrics/junit.js';
import { gateMarkdown } from '../../../metrics/gateMarkdown.js';
import { githubAnnotations } from '../../../metrics/githubAnnotations.js';
import { benchmarkEntries } from '../../../metrics/benchmarkJson.js';
import { readResultFile } from '../../../metrics/resultFile.js';
import { writeOutputFile } from '../../../metrics/outputFile.js';

interface GateFlags {
  threshold: string[];
  baseline?: string;
  maxRegression?: string;
  regressionMetric: string[];
  minReplications?: string;
  alpha?: string;
  warnOnly?: boolean;
  allowPartial?: boolean;
  allowFailures?: boolean;
  junit?: string;
  markdown?: string;
  githubAnnotations?: boolean;
  benchmarkJson?: string;
}

const collect = (v: string, acc: string[]) => [...acc, v];

/** The baseline comparison's flags do nothing without a baseline: refuse them rather than ignore them. */
function refuseBaselineFlagsAlone(flags: GateFlags): void {
  if (flags.baseline) return;
  const given = [
    flags.maxRegression !== undefined ? '--max-regression' : '',
    flags.regressionMetric.length > 0 ? '--regression-metric' : '',
    flags.alpha !== undefined ? '--alpha' : '',
  ].filter((f) => f !== '');
  if (given.length > 0) throw new InputError(`${given.join(', ')}: only used with --baseline FILE (compare with a saved result), which is not given`);
}

/** A threshold or regression metric asked for on the command line that every variant skipped is a mistake too. */
function refuseUncheckedFlags(flags: GateFlags, result: GateResult): void {
  const asked = [
    ...flags.threshold.map((t) => {
      const text = t.trim().replace(/\s+/g, ' ');
      return { flag: '--threshold', text, origin: 'cli', match: (c: string) => c === text };
    }),
    ...flags.regressionMetric.map((m) => ({ flag: '--regression-metric', text: m, origin: 'baseline', match: (c: string) => c.startsWith(`${m}.p99 vs baseline`) })),
  ];
  for (const u of asked) {
    const mine = result.checks.filter((c) => c.origin === u.origin && u.match(c.check));
    if (mine.length > 0 && mine.every((c) => c.status === 'skip')) {
      throw new InputError(`${u.flag} ${u.text}: checked nothing, skipped for every variant (${mine[0]!.message})`);
    }
  }
}

/** Add the `gate` subcommand. */
export function registerGateCommand(program: Command, io: CliIo): void {
  program
    .command('gate')
    .description('check results against thresholds and a baseline; exit 3 when a check fails')
    .argument('<results...>', 'result JSON files')
    .option('-t, --threshold <expr>', 'threshold "<metric>.<stat> <op> <value><unit>", e.g. "downtime2.p99<300ms" (repeatable)', collect, [])
    .option('--baseline <file>', 'baseline result file: fail on significant regressions per variant')
    .option('--max-regression <pct>', 'allowed worsening of the regression statistic against the baseline: "5%" or a fraction such as 0.05 (default 5%)')
    .option('--regression-metric <metric>', 'metric compared against the baseline (repeatable; default downtime1 and downtime2)', collect, [])
    .option('--min-replications <n>', 'fewest runs per variant for a conclusive check (fewer fails)')
    .option('--alpha <p>', 'significance level of the Mann–Whitney test against the baseline (default 0.05)')
    .option('--warn-only', 'report failures as warnings and exit 0')
    .option('--allow-partial', 'accept an interrupted (partial) result instead of failing on it')
    .option('--allow-failures', 'accept failed migrations (gate their rate with -t "failures.rate < 1%")')
    .option('--junit <file>', 'write JUnit XML')
    .option('--markdown <file>', 'write a Markdown summary (appended when it is $GITHUB_STEP_SUMMARY)')
    .option('--github-annotations', 'print ::error / ::warning workflow commands for failed checks')
    .option('--benchmark-json <file>', 'write github-action-benchmark JSON (customSmallerIsBetter)')
    .action((files: string[], flags: GateFlags) => {
      const minReplications = flags.minReplications === undefined ? undefined : Number(flags.minReplications);
      if (minReplications !== undefined && !(Number.isInteger(minReplications) && minReplications >= 0)) {
        throw new InputError(`--min-replications: expected a whole number, found ${JSON.stringify(flags.minReplications)}`);
      }
      refuseBaselineFlagsAlone(flags);
      const alpha = Number(flags.alpha ?? '0.05');
      if (!(alpha > 0 && alpha < 1)) throw new InputError(`--alpha: expected a number between 0 and 1, found ${JSON.stringify(flags.alpha)}`);
      const maxRegression = parseFraction(flags.maxRegression ?? '5%');
      for (const t of flags.threshold) thresholdOrThrow(t, '--threshold');
      const inputs = files.map((f) => ({ name: f, doc: readResultFile(f, io.cwd) }));
      const baseline = flags.baseline ? { name: flags.baseline, doc: readResultFile(flags.baseline, io.cwd) } : undefined;
      const hasScenarioGates = inputs.some((i) => i.doc.scenarios.some((s) => (s.gates ?? []).length > 0));
      const known = [...new Set(inputs.flatMap((i) => Object.values(i.doc.aggregates).flatMap((a) => Object.keys(a.metrics))))].sort();
      for (const m of flags.regressionMetric) checkRegressionMetric(m, known.length > 0 ? known : ['downtime1', 'downtime2']);
      if (baseline) {
        const variants = new Set(Object.keys(baseline.doc.aggregates));
        if (!inputs.some((i) => Object.keys(i.doc.aggregates).some((k) => variants.has(k)))) {
          throw new InputError(`--baseline: ${flags.baseline} has none of the variants of ${files.join(', ')} (is it a result of another scenario?)`);
        }
      }
      if (flags.threshold.length === 0 && !baseline && !hasScenarioGates && !(minReplications !== undefined && minReplications > 0)) {
        throw new InputError('nothing to check: give --threshold, --baseline or --min-replications, or add gates: to the scenario');
      }
      const result = evaluateGate(inputs, {
        thresholds: flags.threshold,
        baseline,
        maxRegression,
        regressionMetrics: flags.regressionMetric.length > 0 ? flags.regressionMetric : undefined,
        alpha,
        minReplications,
        warnOnly: Boolean(flags.warnOnly),
        allowPartial: Boolean(flags.allowPartial),
        allowFailures: Boolean(flags.allowFailures),
      });
      if (flags.githubAnnotations) io.stdout(githubAnnotations(result));
      if (flags.junit) writeOutputFile(io.cwd, flags.junit, gateJUnit(result));
      if (flags.markdown) {
        const summary = io.env.GITHUB_STEP_SUMMARY;
        const append = summary !== undefined && resolve(io.cwd, summary) === resolve(io.cwd, flags.markdown);
        writeOutputFile(io.cwd, flags.markdown, gateMarkdown(result), append);
      }
      if (flags.benchmarkJson) {
        writeOutputFile(io.cwd, flags.benchmarkJson, JSON.stringify(benchmarkEntries(inputs.map((i) => i.doc)), null, 2) + '\n');
      }
      io.stdout(formatGateLines(result));
      if (result.passed + result.failed + result.warned === 0) {
        throw new InputError(`nothing was checked: ${result.skipped} check${result.skipped === 1 ? '' : 's'} skipped, none passed or failed (a gate that checks nothing is not a pass)`);
      }
      refuseUncheckedFlags(flags, result);
      if (result.exitCode !== ExitCode.OK) throw new ExitWith(ExitCode.GATE_FAILED, result.closingLine);
    });
}
