// index.ts — svqsim's programmatic API (the package's entry, `import { run } from 'svqsim'`): run
// scenarios into result documents, compare their variants and gate them, as the CLI's run,
// compare and gate do, on objects instead of files and terminal text.

import type { z } from 'zod';
import { planCampaign, resultDocument, type CampaignOptions } from '../campaign/campaign.js';
import { executeCampaign } from '../campaign/executor.js';
import { loadScenarioObject, type LoadedScenario } from '../scenario/index.js';
import { MAX_REPLICATIONS, type scenarioSchema } from '../scenario/schema.js';
import { InputError } from '../tool/inputError.js';
import { toolVersion } from '../tool/version.js';
import { compareRows, type CompareRow } from '../../metrics/compare.js';
import { checkRegressionMetric, evaluateGate, parseFraction, thresholdOrThrow, type GateResult } from '../../metrics/gate.js';
import type { ResultDocument, RunRecord } from '../../metrics/result.js';

export { InputError } from '../tool/inputError.js';
export { scenarioJsonSchema, profileJsonSchema } from '../scenario/index.js';
export type { ResultDocument, RunRecord, VariantAggregate, Stats, Counts, Downtime, PhaseSpan, PageFaultRecord, FaultLatency } from '../../metrics/result.js';
export type { CompareRow } from '../../metrics/compare.js';
export type { GateResult, GateCheck, CheckStatus } from '../../metrics/gate.js';

/**
 * A scenario as data: what a scenario file holds, parsed (sizes, durations and rates as strings
 * with units, such as "16GiB", or plain numbers in bytes, ns, bytes/s, packets/s).
 */
export type ScenarioDocument = z.input<typeof scenarioSchema>;

/** A scenario to run: the path of a scenario file (YAML or JSON), or the scenario as data. */
export type ScenarioSource = string | ScenarioDocument;

/** Options of `run`; each overrides what the scenarios say, as the CLI's flags do. */
export interface RunOptions {
  /** Directory relative file paths (and profile paths in scenario objects) resolve against; default the process's. */
  cwd?: string;
  /** The seed of every scenario (32-bit unsigned integer). */
  seed?: number;
  /** Recorded replications per variant. */
  replications?: number;
  /** Run only shard `index` (1-based) of `count`; shards merge exactly (`svqsim merge`). */
  shard?: { index: number; count: number };
  /** Worker threads the runs execute on (default one per core). */
  jobs?: number;
  /** Aborting it stops the campaign: no queued run starts, runs in progress stop, and the runs finished come back marked `partial: true`. */
  signal?: AbortSignal;
  /** Called with each recorded run as it finishes. */
  onRecord?: (record: RunRecord) => void;
}

function checkInt(name: string, v: number | undefined, min: number, max: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) {
    throw new InputError(`${name}: expected an integer in ${min}..${max}, found ${String(v)}`);
  }
}

function checkRunOptions(opts: RunOptions): void {
  checkInt('seed', opts.seed, 0, 0xffff_ffff);
  checkInt('replications', opts.replications, 1, MAX_REPLICATIONS);
  checkInt('jobs', opts.jobs, 1, Number.MAX_SAFE_INTEGER);
  if (opts.shard !== undefined) {
    checkInt('shard.count', opts.shard.count, 1, Number.MAX_SAFE_INTEGER);
    checkInt('shard.index', opts.shard.index, 1, opts.shard.count);
  }
}

/** Messages about a scenario object point at its field; a line of its JSON form would mean nothing. */
function withoutPositions(labels: readonly string[], e: unknown): unknown {
  if (!(e instanceof InputError)) return e;
  const label = labels.find((l) => e.message.startsWith(`${l}:`));
  return label === undefined ? e : new InputError(e.message.replace(/^(.*?):\d+:\d+: /, '$1: '));
}

/**
 * Runs every variant × replication of the scenarios and returns the result document — the one
 * `svqsim run --json` prints (the same document for the same scenarios and seed). Scenario objects are
 * shown as "(scenario object)" (numbered when there are several) in results and messages. Bad
 * input (a scenario, a profile file, an option) rejects with an InputError naming the field.
 * `options.signal` stops it, and so do SIGINT, SIGTERM and SIGHUP while it runs, as they stop the
 * CLI: the runs finished so far come back marked `partial: true`.
 */
export async function run(scenarios: ScenarioSource | readonly ScenarioSource[], opts: RunOptions = {}): Promise<ResultDocument> {
  checkRunOptions(opts);
  const list: readonly ScenarioSource[] = Array.isArray(scenarios) ? scenarios : [scenarios as ScenarioSource];
  if (list.length === 0) throw new InputError('run: no scenarios given');
  const objects = list.filter((s) => typeof s !== 'string').length;
  const labels: string[] = [];
  const campaignOpts: CampaignOptions = { cwd: opts.cwd ?? process.cwd(), seed: opts.seed, replications: opts.replications, shard: opts.shard };
  try {
    const inputs: (string | LoadedScenario)[] = list.map((s) => {
      if (typeof s === 'string') return s;
      const label = objects === 1 ? '(scenario object)' : `(scenario object ${labels.length + 1})`;
      labels.push(label);
      return loadScenarioObject(s, label, { cwd: campaignOpts.cwd });
    });
    const campaign = await planCampaign(inputs, campaignOpts);
    const outcome = await executeCampaign(campaign, { jobs: opts.jobs, progress: false, onRecord: (r) => opts.onRecord?.(r), stop: opts.signal });
    return resultDocument(campaign, outcome.records, toolVersion(), outcome.interrupted);
  } catch (e) {
    throw withoutPositions(labels, e);
  }
}

const asList = (docs: ResultDocument | readonly ResultDocument[]): readonly ResultDocument[] =>
  Array.isArray(docs) ? (docs as readonly ResultDocument[]) : [docs as ResultDocument];

/** Options of `compare`. */
export interface CompareOptions {
  /**
   * The baseline the ratios refer to, as `svqsim compare --baseline` takes it: a variant name (each
   * variant is compared with it at its own sweep point), sweep values, or a variant id; default per
   * scenario, as the CLI's.
   */
  baseline?: string;
  /** The metric of the ratios; default "downtime2". */
  metric?: string;
}

/**
 * The variants of the results side by side, one row each, with the ratio of means to the baseline
 * and its 95% interval — what `svqsim compare --format json` prints as `rows`.
 */
export function compare(results: ResultDocument | readonly ResultDocument[], opts: CompareOptions = {}): CompareRow[] {
  return compareRows(asList(results), opts);
}

/** Options of `gate`; absent fields take the CLI's defaults. */
export interface GateOptions {
  /** Thresholds "<metric>.<stat> <op> <value><unit>" checked on every variant, besides each scenario's `gates`. */
  thresholds?: string[];
  /** A saved result to compare each variant with (the same variant in it). */
  baseline?: ResultDocument;
  /** Allowed worsening against the baseline: a fraction (0.05) or a percentage ("5%"); default 5%. */
  maxRegression?: number | string;
  /** Metrics compared with the baseline (at p99); default downtime1 and downtime2. */
  regressionMetrics?: string[];
  /** Significance level of the one-sided Mann–Whitney U test against the baseline; default 0.05. */
  alpha?: number;
  /** Fewest runs per variant for a conclusive check (fewer fails). */
  minReplications?: number;
  /** Report failures as warnings (`exitCode` 0). */
  warnOnly?: boolean;
  /** Accept an interrupted (partial) result instead of failing on it. */
  allowPartial?: boolean;
  /** Accept failed migrations (gate their share with a `failures.rate` threshold). */
  allowFailures?: boolean;
}

function maxRegressionOf(v: number | string | undefined): number | undefined {
  if (typeof v === 'string') return parseFraction(v, 'maxRegression');
  if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 10)) {
    throw new InputError(`maxRegression: expected a fraction from 0 to 10 (0.05 is 5%), found ${String(v)}`);
  }
  return v;
}

/** Runs `check`, naming `option` instead of the CLI flag `flag` in the InputError it throws. */
function asOption(flag: string, option: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof InputError && e.message.startsWith(`${flag}:`)) throw new InputError(`${option}:${e.message.slice(flag.length + 1)}`);
    throw e;
  }
}

/** The input checks of the gate that come before evaluating it, as the CLI makes them. */
function checkGateInput(docs: readonly ResultDocument[], opts: GateOptions): void {
  if (!opts.baseline) {
    const given = [
      opts.maxRegression !== undefined ? 'maxRegression' : '',
      (opts.regressionMetrics ?? []).length > 0 ? 'regressionMetrics' : '',
      opts.alpha !== undefined ? 'alpha' : '',
    ].filter((k) => k !== '');
    if (given.length > 0) throw new InputError(`${given.join(', ')}: only used with a baseline, which is not given`);
  }
  if (opts.alpha !== undefined && !(opts.alpha > 0 && opts.alpha < 1)) throw new InputError(`alpha: expected a number between 0 and 1, found ${opts.alpha}`);
  checkInt('minReplications', opts.minReplications, 0, Number.MAX_SAFE_INTEGER);
  for (const t of opts.thresholds ?? []) thresholdOrThrow(t, 'thresholds');
  const known = [...new Set(docs.flatMap((d) => Object.values(d.aggregates).flatMap((a) => Object.keys(a.metrics))))].sort();
  for (const m of opts.regressionMetrics ?? []) asOption('--regression-metric', 'regressionMetrics', () => checkRegressionMetric(m, known.length > 0 ? known : ['downtime1', 'downtime2']));
  if (opts.baseline) {
    const variants = new Set(Object.keys(opts.baseline.aggregates));
    if (!docs.some((d) => Object.keys(d.aggregates).some((k) => variants.has(k)))) {
      throw new InputError('baseline: it has none of the variants of the results (is it a result of another scenario?)');
    }
  }
  const scenarioGates = docs.some((d) => d.scenarios.some((s) => (s.gates ?? []).length > 0));
  if ((opts.thresholds ?? []).length === 0 && !opts.baseline && !scenarioGates && !((opts.minReplications ?? 0) > 0)) {
    throw new InputError('nothing to check: give thresholds, a baseline or minReplications, or add gates: to the scenario');
  }
}

/** A threshold or regression metric asked for that every variant skipped is a mistake, not a pass. */
function checkSomethingChecked(result: GateResult, opts: GateOptions): void {
  if (result.passed + result.failed + result.warned === 0) {
    throw new InputError(`nothing was checked: ${result.skipped} check${result.skipped === 1 ? '' : 's'} skipped, none passed or failed`);
  }
  const asked = [
    ...(opts.thresholds ?? []).map((t) => {
      const text = t.trim().replace(/\s+/g, ' ');
      return { option: 'thresholds', text, origin: 'cli', match: (c: string) => c === text };
    }),
    ...(opts.regressionMetrics ?? []).map((m) => ({ option: 'regressionMetrics', text: m, origin: 'baseline', match: (c: string) => c.startsWith(`${m}.p99 vs baseline`) })),
  ];
  for (const u of asked) {
    const mine = result.checks.filter((c) => c.origin === u.origin && u.match(c.check));
    if (mine.length > 0 && mine.every((c) => c.status === 'skip')) {
      throw new InputError(`${u.option}: ${u.text} checked nothing, skipped for every variant (${mine[0]!.message})`);
    }
  }
}

/**
 * Checks the results as `svqsim gate` does and returns every check with the totals; `exitCode` is
 * 3 when a check failed. Input the CLI refuses is refused here too, with an InputError: a bad
 * threshold or option, baseline options without a baseline, a baseline with none of the results'
 * variants, a gate with nothing to check, a threshold or regression metric skipped for every
 * variant, a gate whose every check was skipped.
 */
export function gate(results: ResultDocument | readonly ResultDocument[], opts: GateOptions = {}): GateResult {
  const docs = asList(results);
  const maxRegression = maxRegressionOf(opts.maxRegression);
  checkGateInput(docs, opts);
  const result = evaluateGate(
    docs.map((doc, i) => ({ name: docs.length === 1 ? 'result' : `result ${i + 1}`, doc })),
    {
      ...opts,
      baseline: opts.baseline ? { name: 'baseline', doc: opts.baseline } : undefined,
      maxRegression,
      regressionMetrics: (opts.regressionMetrics ?? []).length > 0 ? opts.regressionMetrics : undefined,
    },
  );
  checkSomethingChecked(result, opts);
  return result;
}
