// burstPeriod.test.ts — the burst period of a flow: whole packets per burst and on the probe's
// grid where a period in [100 µs, 1 ms] allows it, so that a skipped stretch can be replayed
// exactly (sim/guest/workload.ts).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { burstPeriod, wholeBursts } from '../../../sim/guest/workload.js';

const flow = (packetsPerSecond: number, rxFraction = 0.5) => ({ packetsPerSecond, packetSize: 1500, rxFraction });

describe('burstPeriod', () => {
  it('keeps a period whose bursts are whole and on the probe grid', () => {
    expect(burstPeriod(flow(50_000), 1_000_000, 1_000_000)).toBe(1_000_000);
    expect(burstPeriod(flow(500_000), null, 688_000)).toBe(688_000);
    expect(burstPeriod(null, 1_000_000, 100_000)).toBe(100_000);
  });

  it('moves a period off the probe grid to the nearest one on it, above first', () => {
    // 500 kpps of 1500-byte packets: 688 µs carry four work items; a 1 ms probe.
    expect(burstPeriod(flow(500_000), 1_000_000, 688_000)).toBe(1_000_000);
    // A 300 µs probe: 600 µs is its multiple and carries whole packets.
    expect(burstPeriod(flow(500_000), 300_000, 588_000)).toBe(600_000);
  });

  it('moves a period whose bursts carry fractions to the nearest whole one', () => {
    // 1.5 Mpps: whole packets every 2 µs; 460 µs carry 690 packets, 345 each way.
    expect(wholeBursts(flow(1_500_000), 458_667)).toBe(false);
    expect(burstPeriod(flow(1_500_000), null, 458_667)).toBe(460_000);
  });

  it('keeps the period when no period in range has whole bursts (the flow then runs in detail)', () => {
    expect(burstPeriod(flow(33_333), null, 1_000_000)).toBe(1_000_000);
    expect(burstPeriod(flow(320_002, 0.2), null, 1_000_000)).toBe(1_000_000);
  });

  it('stays within [100 µs, 1 ms], and a period it moves to has whole bursts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000_000 }),
        fc.constantFrom(0, 0.1, 0.25, 0.3, 0.5, 0.7, 1),
        fc.option(fc.integer({ min: 10_000, max: 20_000_000 }), { nil: null }),
        fc.integer({ min: 100_000, max: 1_000_000 }),
        (pps, rx, probe, want) => {
          const p = burstPeriod(flow(pps, rx), probe, want);
          expect(p).toBeGreaterThanOrEqual(100_000);
          expect(p).toBeLessThanOrEqual(1_000_000);
          if (p !== want) expect(wholeBursts(flow(pps, rx), p)).toBe(true);
        },
      ),
    );
  });
});
