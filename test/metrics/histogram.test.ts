// histogram.test.ts — HDR encode/decode/add exactness, percentiles, log export.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addEncoded, decodeHistogram, encodeValues, HIST_MAX_NS, histogramOf, percentileNs } from '../../metrics/histogram.js';
import { hdrLog } from '../../metrics/hdrLogExport.js';
import { defined } from '../defined.js';

describe('histogram', () => {
  it('merging encodings of any split equals the encoding of the whole', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: HIST_MAX_NS }), { maxLength: 200 }), fc.nat(), (values, cut) => {
        const k = values.length === 0 ? 0 : cut % (values.length + 1);
        const whole = encodeValues(values);
        expect(addEncoded(encodeValues(values.slice(0, k)), encodeValues(values.slice(k)))).toBe(whole);
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips through the encoding with counts and percentiles intact', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i + 1) * 1_000_000); // 1..1000 ms
    const h = decodeHistogram(encodeValues(values));
    expect(h.totalCount).toBe(1000);
    const p99 = percentileNs(h, 99);
    expect(Math.abs(p99 - 990_000_000) / 990_000_000).toBeLessThan(0.001);
    expect(percentileNs(h, 50)).toBeGreaterThanOrEqual(500_000_000 * 0.999);
  });

  it('clamps values above one hour and rejects negative ones', () => {
    const h = histogramOf([HIST_MAX_NS * 10]);
    expect(h.totalCount).toBe(1);
    expect(() => histogramOf([-1])).toThrow(RangeError);
  });

  it('writes an HdrHistogram log with one tagged interval line per histogram', () => {
    const log = hdrLog([
      { tag: 's/a/downtime2', encoded: encodeValues([1_000_000, 2_000_000]) },
      { tag: 's/b/downtime2', encoded: encodeValues([5_000_000]) },
    ]);
    const lines = log.trim().split('\n');
    expect(lines).toContain('#[Histogram log format version 1.3]');
    const intervals = lines.filter((l) => l.startsWith('Tag='));
    expect(intervals).toHaveLength(2);
    expect(intervals[0]).toMatch(/^Tag=s\/a\/downtime2,0\.000,1\.000,2\.00\d,HISTF/);
    // The logged payload decodes back to the same histogram.
    const payload = defined(intervals[1]!.split(',')[4], 'payload of the second interval');
    expect(decodeHistogram(payload).totalCount).toBe(1);
  });
});
