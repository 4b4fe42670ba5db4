// aggregate.test.ts — stats on known data, canonical ordering, per-variant aggregates.

import { describe, expect, it } from 'vitest';
import { computeStats, percentileSorted, tQuantile975 } from '../../metrics/stats.js';
import { aggregate } from '../../metrics/aggregate.js';
import { makeRuns } from '../fixtures/results/makeFixture.js';
import { defined } from '../defined.js';

describe('stats', () => {
  it('computes mean, sample stdev, t-based CI and nearest-rank percentiles', () => {
    const s = computeStats([5, 1, 4, 2, 3]);
    expect(s.count).toBe(5);
    expect(s.min).toBe(1);
    expect(s.max).toBe(5);
    expect(s.mean).toBe(3);
    expect(s.stdev).toBeCloseTo(Math.sqrt(2.5), 12);
    const half = (2.776 * Math.sqrt(2.5)) / Math.sqrt(5);
    expect(s.ci95[0]).toBeCloseTo(3 - half, 9);
    expect(s.ci95[1]).toBeCloseTo(3 + half, 9);
    expect(s.p50).toBe(3);
    expect(s.p90).toBe(5);
    expect(s.p99).toBe(5);
  });

  it('percentiles of 1..100 are the ranks', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileSorted(v, 50)).toBe(50);
    expect(percentileSorted(v, 90)).toBe(90);
    expect(percentileSorted(v, 99)).toBe(99);
    expect(percentileSorted(v, 99.9)).toBe(100);
  });

  it('one value has a zero-width interval', () => {
    const s = computeStats([7]);
    expect(s.stdev).toBe(0);
    expect(s.ci95).toEqual([7, 7]);
  });

  it('t quantiles: table and large-df expansion', () => {
    expect(tQuantile975(1)).toBeCloseTo(12.706, 3);
    expect(tQuantile975(19)).toBeCloseTo(2.093, 3);
    expect(tQuantile975(60)).toBeCloseTo(2.0003, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.9799, 3);
  });
});

describe('aggregate', () => {
  it('keys by scenario/variant in sorted order with stats, histograms and mean counts', () => {
    const runs = [...makeRuns('s', 'desc-persist', 0, 5), ...makeRuns('s', 'baseline', 0, 5)];
    const agg = aggregate(runs);
    expect(Object.keys(agg)).toEqual(['s/baseline', 's/desc-persist']);
    const a = defined(agg['s/baseline'], 'aggregate s/baseline');
    expect(a.runs).toBe(5);
    expect(a.metrics.downtime2!.count).toBe(5);
    expect(a.metrics.downtime2!.max).toBe(Math.max(...runs.filter((r) => r.variant === 'baseline').map((r) => r.downtime2.totalNs)));
    expect(Object.keys(a.histograms)).toContain('downtime1');
    expect(a.meanCounts.downtime1!.update).toBe(21);
    expect(a.metrics.update!.mean).toBe(2 + 21 + 5);
    expect(Object.keys(a.metrics)).toEqual([...Object.keys(a.metrics)].sort());
  });

  it('does not depend on the order of the runs', () => {
    const runs = [...makeRuns('s', 'baseline', 0, 12), ...makeRuns('s', 'desc-persist', 0, 12)];
    const shuffled = [...runs].reverse();
    shuffled.push(shuffled.shift()!);
    expect(JSON.stringify(aggregate(shuffled))).toBe(JSON.stringify(aggregate(runs)));
  });
});
