// gate.ts — evaluate CI gates over result documents: absolute thresholds and regressions against a baseline.
//
// Checks, per variant ("<scenario>/<variant>") of every input document:
// - thresholds `<metric>.<stat> <op> <value>` from the command line (applied to every variant)
//   and from the scenario's `gates:` (applied to that scenario's variants). Count metrics are
//   whole-run totals per replication. A metric the variant does not have (e.g. `observed`
//   without a probe) makes the check "skip";
// - with `minReplications`, a check that the variant has at least that many runs; when it has
//   fewer, that check FAILS and so does every other check of the variant (an inconclusive result
//   is treated as a failure: too few replications cannot clear a gate);
// - with a baseline document, for each regression metric (default downtime1, downtime2) and each
//   variant present in both: the check fails when the current `regressionStat` (default p99) is
//   more than `maxRegression` worse than the baseline's AND a one-sided Mann–Whitney U test over
//   the replications says the current runs are stochastically larger (p < alpha). Both conditions
//   are needed so that noise alone does not fail CI and a significant but tiny shift does not either.
//   A variant missing from the baseline is skipped.
// With `warnOnly`, failures are reported as "warn" and do not fail the gate.

import { InputError } from '../sim/tool/inputError.js';
import { didYouMean } from '../sim/notation/didYouMean.js';
import { parseThreshold, type Threshold } from '../sim/notation/threshold.js';
import { groupRuns } from './aggregate.js';
import { mannWhitneyU } from './mannWhitney.js';
import type { ResultDocument, Stats } from './result.js';
import { isTimeMetric, runMetrics } from './runMetrics.js';
import { formatNs } from './display.js';

export type CheckStatus = 'pass' | 'fail' | 'skip' | 'warn';

/** One evaluated check. */
export interface GateCheck {
  /** Grouping for reports: "<result file>: <scenario>". */
  suite: string;
  /** "<scenario>/<variant>". */
  variant: string;
  /** What was checked ("downtime2.p99 < 300ms", "downtime2.p99 vs baseline (≤ +5%)", "replications >= 10"). */
  check: string;
  status: CheckStatus;
  /** One-line explanation with the measured values. */
  message: string;
  /** Where the check came from. */
  origin: 'cli' | 'scenario' | 'baseline' | 'replications' | 'integrity';
}

/** Gate options (all optional except the documents). */
export interface GateOptions {
  /** Thresholds from the command line. */
  thresholds?: string[];
  /** Baseline document to compare against, with its name for messages. */
  baseline?: { name: string; doc: ResultDocument };
  /** Allowed relative worsening for baseline checks (0.05 = 5%); default 0.05. */
  maxRegression?: number;
  /** Statistic compared against the baseline; default "p99". */
  regressionStat?: Threshold['stat'];
  /** Metrics compared against the baseline; default downtime1, downtime2. */
  regressionMetrics?: string[];
  /** Significance level of the Mann–Whitney test; default 0.05. */
  alpha?: number;
  /** Minimum runs per variant (0/undefined: no minimum). */
  minReplications?: number;
  /** Report failures as warnings. */
  warnOnly?: boolean;
  /** Accept a partial (interrupted) result instead of failing on it. */
  allowPartial?: boolean;
  /** Accept failed migrations (their rate is then checked only by a failures.rate threshold). */
  allowFailures?: boolean;
}

/** Outcome of the gate. */
export interface GateResult {
  checks: GateCheck[];
  passed: number;
  failed: number;
  skipped: number;
  warned: number;
  /** "N passed, N failed[, N skipped][, N warned]". */
  closingLine: string;
  /** 0 when nothing failed (or warnOnly), 3 otherwise. */
  exitCode: 0 | 3;
}

/** Parse a threshold or throw InputError naming where it came from. */
export function thresholdOrThrow(text: string, where: string): Threshold {
  const t = parseThreshold(text);
  if (typeof t === 'string') throw new InputError(`${where}: bad threshold: ${t}`);
  return t;
}

/**
 * Parse "5%" (0–1000%) or a fraction below 1 such as "0.05". A bare number of 1 or more is refused:
 * "5" could mean 5% or 500%.
 */
export function parseFraction(text: string, flag = '--max-regression'): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(%?)\s*$/.exec(text);
  if (!m) throw new InputError(`${flag}: expected a percentage like "5%" or a fraction like 0.05, found ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  if (m[2]) {
    if (n > 1000) throw new InputError(`${flag}: expected at most 1000%, found ${JSON.stringify(text)}`);
    return n / 100;
  }
  if (n >= 1) throw new InputError(`${flag}: ${JSON.stringify(text)} is ambiguous: write ${n}% for a percentage, or a fraction below 1 such as ${(n / 100).toString()}`);
  return n;
}

/** The metrics `--regression-metric` may name: every per-run metric of the result documents. */
export function checkRegressionMetric(name: string, known: readonly string[]): void {
  if (known.includes(name)) return;
  const stat = /^(.*)\.(p50|p90|p99|p99\.9|max|min|mean)$/.exec(name);
  if (stat !== null && known.includes(stat[1]!)) {
    throw new InputError(`--regression-metric: expected a metric name such as ${stat[1]}, found ${JSON.stringify(name)} (the statistic compared against the baseline is p99)`);
  }
  const near = didYouMean(name, known);
  const top = known.filter((k) => !/^downtime[12]\./.test(k) || k.endsWith('.observed'));
  const hint = near !== null ? ` (did you mean "${near}"?)` : name === 'observed' || name.endsWith('.observed') ? ' (observed gaps need a probe: workload.probe)' : '';
  throw new InputError(`--regression-metric: ${JSON.stringify(name)} is not a metric of these results${hint}; they have ${top.join(', ')}, and downtime1.<count>, downtime2.<count>`);
}

/** The Stats field of a threshold statistic. */
function statValue(s: Stats, stat: Threshold['stat']): number {
  switch (stat) {
    case 'p99.9':
      return s.p999;
    case 'rate':
      return s.mean;
    default:
      return s[stat];
  }
}

function holds(actual: number, op: Threshold['op'], limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
  }
}

function fmt(metric: string, stat: string, v: number): string {
  if (stat === 'rate') return `${(v * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
  if (stat !== 'count' && isTimeMetric(metric)) return formatNs(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** Evaluate every check over the named documents. */
export function evaluateGate(inputs: readonly { name: string; doc: ResultDocument }[], opts: GateOptions = {}): GateResult {
  const cli = (opts.thresholds ?? []).map((t) => thresholdOrThrow(t, '--threshold'));
  const maxReg = opts.maxRegression ?? 0.05;
  const alpha = opts.alpha ?? 0.05;
  const regStat = opts.regressionStat ?? 'p99';
  const regMetrics = opts.regressionMetrics ?? ['downtime1', 'downtime2'];
  const baseRuns = opts.baseline ? groupRuns(opts.baseline.doc.runs) : undefined;
  const checks: GateCheck[] = [];

  for (const { name, doc } of inputs) {
    const scenarioGates = new Map<string, Threshold[]>();
    for (const s of doc.scenarios) {
      scenarioGates.set(
        s.name,
        (s.gates ?? []).map((g) => thresholdOrThrow(g, `${name}: scenario ${s.name} gates`)),
      );
    }
    const groups = groupRuns(doc.runs);
    // An interrupted campaign is not a result to pass on (unless asked).
    if (doc.partial === true && opts.allowPartial !== true) {
      checks.push({ suite: name, variant: '(all)', check: 'complete result', origin: 'integrity', status: 'fail', message: 'the result is partial (the campaign was interrupted); rerun it, or pass --allow-partial' });
    }
    for (const [key, agg] of Object.entries(doc.aggregates)) {
      const suite = `${name}: ${agg.scenario}`;
      const add = (check: string, origin: GateCheck['origin'], ok: boolean | 'skip', message: string) =>
        checks.push({ suite, variant: key, check, origin, message, status: ok === 'skip' ? 'skip' : ok ? 'pass' : 'fail' });
      // Runs whose invariants broke do not measure what the scenario describes.
      const broken = (groups.get(key) ?? []).filter((r) => r.invariants.violations.length > 0);
      if (broken.length > 0) {
        add('invariants hold', 'integrity', false, `${broken.length} run${broken.length === 1 ? '' : 's'} with invariant violations (first: ${broken[0]!.invariants.violations[0] ?? '?'})`);
      }
      // A failed migration is a result, but not one a gate passes silently.
      const failedRuns = (groups.get(key) ?? []).filter((r) => r.outcome !== undefined);
      if (failedRuns.length > 0 && opts.allowFailures !== true) {
        const f = failedRuns[0]!.outcome!;
        add('migrations complete', 'integrity', false, `${failedRuns.length} failed migration${failedRuns.length === 1 ? '' : 's'} (first: ${f.step}, ${f.errno}); pass --allow-failures and gate on failures.rate`);
      }

      const tooFew = opts.minReplications !== undefined && agg.runs < opts.minReplications;
      if (opts.minReplications !== undefined && opts.minReplications > 0) {
        add(`replications >= ${opts.minReplications}`, 'replications', !tooFew, `${agg.runs} replications${tooFew ? `, need ${opts.minReplications}: results are inconclusive` : ''}`);
      }
      const inconclusive = tooFew ? ` (inconclusive: only ${agg.runs} replications)` : '';

      const thresholds: [Threshold, GateCheck['origin']][] = [
        ...cli.map((t): [Threshold, GateCheck['origin']] => [t, 'cli']),
        ...(scenarioGates.get(agg.scenario) ?? []).map((t): [Threshold, GateCheck['origin']] => [t, 'scenario']),
      ];
      for (const [t, origin] of thresholds) {
        const text = t.text.trim().replace(/\s+/g, ' ');
        const stats = agg.metrics[t.metric];
        if (!stats) {
          add(text, origin, 'skip', `no ${t.metric} values in this variant`);
          continue;
        }
        const actual = statValue(stats, t.stat);
        const ok = holds(actual, t.op, t.value) && !tooFew;
        add(text, origin, ok, `${t.metric}.${t.stat} = ${fmt(t.metric, t.stat, actual)}, limit ${t.op} ${fmt(t.metric, t.stat, t.value)}${inconclusive}`);
      }

      if (opts.baseline && baseRuns) {
        const base = opts.baseline.doc.aggregates[key];
        for (const metric of regMetrics) {
          const check = `${metric}.${regStat} vs baseline (<= +${(maxReg * 100).toFixed(1)}%)`;
          if (!base) {
            add(check, 'baseline', 'skip', `variant not in baseline ${opts.baseline.name}`);
            continue;
          }
          const cur = agg.metrics[metric];
          const old = base.metrics[metric];
          if (!cur || !old) {
            add(check, 'baseline', 'skip', `no ${metric} values in ${!cur ? 'this result' : 'the baseline'}`);
            continue;
          }
          const x = (groups.get(key) ?? []).map((r) => runMetrics(r)[metric]).filter((v) => v !== undefined);
          const y = (baseRuns.get(key) ?? []).map((r) => runMetrics(r)[metric]).filter((v) => v !== undefined);
          const baseTooFew = opts.minReplications !== undefined && y.length < opts.minReplications;
          const a = statValue(cur, regStat);
          const b = statValue(old, regStat);
          const change = b === 0 ? (a === 0 ? 0 : Infinity) : a / b - 1;
          const worse = change > maxReg;
          const test = x.length > 0 && y.length > 0 ? mannWhitneyU(x, y, 'greater') : undefined;
          const significant = test ? test.p < alpha : false;
          const pText = test ? `Mann–Whitney p = ${test.p.toPrecision(3)} (one-sided, current worse; alpha ${alpha})` : 'no per-run values for the Mann–Whitney test';
          const msg = `${regStat} ${fmt(metric, regStat, a)} vs ${fmt(metric, regStat, b)} (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%), ${pText}`;
          if (tooFew || baseTooFew) {
            add(check, 'baseline', false, `${msg} (inconclusive: ${x.length} current / ${y.length} baseline replications, need ${opts.minReplications})`);
          } else add(check, 'baseline', !(worse && significant), msg);
        }
      }
    }
  }

  if (opts.warnOnly) for (const c of checks) if (c.status === 'fail') c.status = 'warn';
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const passed = count('pass');
  const failed = count('fail');
  const skipped = count('skip');
  const warned = count('warn');
  let closingLine = `${passed} passed, ${failed} failed`;
  if (skipped > 0) closingLine += `, ${skipped} skipped`;
  if (warned > 0) closingLine += `, ${warned} warned`;
  return { checks, passed, failed, skipped, warned, closingLine, exitCode: failed > 0 ? 3 : 0 };
}

/** The terminal lines: one per check, then the closing line. */
export function formatGateLines(result: GateResult): string {
  const tag: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', warn: 'WARN' };
  const lines = result.checks.map((c) => `${tag[c.status]}  ${c.variant}  ${c.check}  — ${c.message}`);
  lines.push(result.closingLine);
  return lines.join('\n') + '\n';
}
