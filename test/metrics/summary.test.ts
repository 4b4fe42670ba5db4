// summary.test.ts — terminal summary content and the colour switch.

import { describe, expect, it } from 'vitest';
import { formatSummary, wantsColor } from '../../metrics/summary.js';
import { makeDocument } from '../fixtures/results/makeFixture.js';

describe('formatSummary', () => {
  it('shows both downtimes with phases, counts, migration totals and percentiles', () => {
    const text = formatSummary(makeDocument({}), { color: false });
    expect(text).not.toContain('\u001b[');
    expect(text).toMatch(/^switch-128g\/baseline {2}20 replications; replication \d+ shown/);
    expect(text).toMatch(/downtime #1 {2}\d+\.\d+ s/);
    expect(text).toMatch(/registerListener\s+\S+ \S+\s+\d+\.\d+ s/);
    expect(text).toContain('UPDATE 21  INVALIDATE 8  batches 2  set_map rebuilds 20  MKEYs +260/-130');
    expect(text).toMatch(/migration {2}\d iterations, \d+\.\d GiB sent, pre-copy \d+\.\d s/);
    expect(text).toMatch(/over 20 runs {2}downtime1 p50 .* p99 .*; downtime2 p50/);
    expect(text).toContain('switch-128g/desc-persist');
  });

  it('a single run has no percentile line; colour only when asked', () => {
    const one = makeDocument({ to: 1, variants: ['baseline'] });
    expect(formatSummary(one, { color: false })).not.toContain('over ');
    expect(formatSummary(one, { color: true })).toContain('\u001b[1m');
  });

  it('NO_COLOR or a non-TTY turns colour off', () => {
    expect(wantsColor({}, true)).toBe(true);
    expect(wantsColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({}, false)).toBe(false);
  });
});
