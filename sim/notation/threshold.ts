// threshold.ts — gate thresholds such as "downtime2.p99 < 300ms": syntax and parsing.
// Scenario validation checks the syntax only; gate evaluation (metrics/) reuses parseThreshold.

import { didYouMean } from './didYouMean.js';
import { parseDuration, quoted } from './units.js';

/** Metrics a threshold may name, and whether their values are times (ns) or counts. */
const THRESHOLD_METRICS = {
  downtime1: 'time',
  downtime2: 'time',
  observed: 'time',
  update: 'count',
  invalidate: 'count',
  batches: 'count',
  setMapRebuilds: 'count',
  pagesPinned: 'count',
  failures: 'ratio',
  // Runs with the pageFaults strategy (metrics/runMetrics.ts).
  pageFaults: 'count',
  faultLatencyP99: 'time',
  faultStall: 'time',
} as const;
type ThresholdMetric = keyof typeof THRESHOLD_METRICS;

/** Statistics of a metric's distribution over replications. */
const THRESHOLD_STATS = ['p50', 'p90', 'p99', 'p99.9', 'max', 'min', 'mean', 'count', 'rate'] as const;
type ThresholdStat = (typeof THRESHOLD_STATS)[number];

/** Comparison operators. */
export const THRESHOLD_OPS = ['<', '<=', '>', '>=', '=='] as const;
type ThresholdOp = (typeof THRESHOLD_OPS)[number];

/** A parsed threshold: `<metric>.<stat> <op> <value>`; time values are in ns. */
export interface Threshold {
  metric: ThresholdMetric;
  stat: ThresholdStat;
  op: ThresholdOp;
  /** Nanoseconds for time metrics (except stat `count`), a plain number otherwise. */
  value: number;
  /** Whether `value` is a time in ns, a count, or a fraction (failures.rate, written as a percentage). */
  kind: 'time' | 'count' | 'ratio';
  /** The text as written. */
  text: string;
}

const SHAPE = /^\s*([A-Za-z0-9_]+)\.([A-Za-z0-9_.]+)\s*(<=|>=|==|<|>)\s*(\S+)\s*$/;
const NUMBER = /^\d+(\.\d+)?$/;

/** Parse a threshold; a string result is the reason it is not one. */
export function parseThreshold(text: string): Threshold | string {
  const m = SHAPE.exec(text);
  if (m === null) {
    return `expected "<metric>.<stat> <op> <value>" like "downtime2.p99 < 300ms", found ${quoted(text)}`;
  }
  // Every group of SHAPE takes part in a match.
  const metricText = m[1]!;
  const statText = m[2]!;
  const opText = m[3]!;
  const valueText = m[4]!;
  const metrics = Object.keys(THRESHOLD_METRICS);
  if (!Object.hasOwn(THRESHOLD_METRICS, metricText)) {
    const near = didYouMean(metricText, metrics);
    return near !== null
      ? `unknown metric ${quoted(metricText)} (did you mean "${near}"?)`
      : `unknown metric ${quoted(metricText)} (one of ${metrics.join(', ')})`;
  }
  const metric = metricText as ThresholdMetric;
  if (!(THRESHOLD_STATS as readonly string[]).includes(statText)) {
    const near = didYouMean(statText, THRESHOLD_STATS);
    return near !== null
      ? `unknown statistic ${quoted(statText)} (did you mean "${near}"?)`
      : `unknown statistic ${quoted(statText)} (one of ${THRESHOLD_STATS.join(', ')})`;
  }
  const stat = statText as ThresholdStat;
  const op = opText as ThresholdOp;
  if ((metric === 'failures') !== (stat === 'rate')) {
    return metric === 'failures' ? `failures takes the statistic "rate" (failed runs over all runs), found ${quoted(statText)}` : `the statistic "rate" is for failures, found ${quoted(`${metricText}.${statText}`)}`;
  }
  if (metric === 'failures') {
    const pct = /^(\d+(\.\d+)?)%$/.exec(valueText);
    if (pct === null) return `expected a percentage for failures.rate, like 1%, found ${quoted(valueText)}`;
    return { metric, stat, op, value: Number(pct[1]) / 100, kind: 'ratio', text };
  }
  const kind = stat === 'count' ? 'count' : THRESHOLD_METRICS[metric];
  if (kind === 'count') {
    if (!NUMBER.test(valueText)) {
      return `expected a plain number for ${metric}.${stat}, found ${quoted(valueText)}`;
    }
    return { metric, stat, op, value: Number(valueText), kind, text };
  }
  // A bare number would silently be nanoseconds: a time limit says its unit.
  if (NUMBER.test(valueText.trim())) return `${metric}.${stat}: a time limit needs a unit (ns, us, ms, s), as in ${valueText.trim().length <= 20 ? valueText.trim() : '2'}ms, found ${quoted(valueText.trim())}`;
  const v = parseDuration(valueText);
  if (!v.ok) return `${metric}.${stat}: ${v.message}`;
  return { metric, stat, op, value: v.value, kind, text };
}
