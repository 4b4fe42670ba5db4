// pageFaults.golden.test.ts — the page-fault counts of one small scenario, pinned: a 1 GiB THP
// guest (prealloc off, a quarter ever written), one mlx5-like NIC with PRI and PARTIAL_ORDER, one
// queue pair at 200 kpps, a 1 ms probe, 5% of RX refills on discarded memory. The fault latency is
// fixed by the mechanism: a 2,000 ns page request, the host faulting in and zeroing one 2 MiB
// folio (2 MiB / 46.7 GB/s = 44,907 ns; faultLargeNs 0), a 1,000 ns page response.

import { describe, expect, it } from 'vitest';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import type { ModelEvent } from '../../../sim/events/events.js';
import { scenario, GiB } from './helpers.js';

function run() {
  const sc = scenario({
    profile: 'mlx5',
    queuePairs: 1,
    memory: 1 * GiB,
    prealloc: false,
    everWritten: 0.25,
    traffic: { packetsPerSecond: 200_000, packetSize: 1500, rxFraction: 0.5 },
    probe: { interval: 1_000_000 },
    bandwidth: 3.125e9,
    rxRefillDiscarded: 0.05,
    partialOrder: true,
    capabilities: { pageFaults: 'pri', partialOrder: true },
    costs: { jitter: 0 },
    strategies: { earlyMap: true, pageFaults: true },
  });
  return simulateMigration({ scenario: sc, variant: 'golden', params: {}, replication: 0, stream: 0, seed: 3 }, { keepEvents: true });
}

describe('golden: one small page-fault scenario', () => {
  const out = run();
  const r = out.record;

  it('pins nothing in either downtime', () => {
    expect(r.invariants.violations).toEqual([]);
    expect(r.downtime1.counts.pagesPinned).toBe(0);
    expect(r.downtime2.counts.pagesPinned).toBe(0);
    expect((out.events as ModelEvent[]).some((e) => e.kind === 'pin')).toBe(false);
  });

  it('pins the page-fault record', () => {
    expect(r.pageFaults).toEqual({
      // "other": outside every top-level phase — the VM running at the source between boot (which ends
      // once the source devices started) and the migration start.
      faultsByPhase: { other: 9, precopy: 29, postSwitchover: 1 },
      faultsByDevice: { 'src:net0': { other: 9, precopy: 29 }, 'dst:net0': { postSwitchover: 1 } },
      pages: 394,
      latency: {
        count: 39,
        meanNs: 46_756,
        p50Ns: 47_907,
        p90Ns: 47_907,
        p99Ns: 47_907,
        maxNs: 47_907,
        // 38 faults in [32.8, 65.5) µs; one in [2, 4) µs: its folio was faulted in by another fault meanwhile.
        log2Counts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 38],
      },
      stallNs: 0,
      outOfOrder: 28,
      flushBatches: 469,
      invalidations: { unmap: 44, mmNotifier: 94 },
      postSwitchover: { windowNs: 20_000_000, rxFrames: 80, rxDropped: 0 },
    });
  });

  it('each fault: page request, host fault-in of one cold THP folio, page response', () => {
    const first = (out.events as ModelEvent[]).filter((e) => e.kind === 'iopf').slice(0, 3);
    expect(first.map((e) => [e.device, e.vq, e.pages, e.latencyNs, e.stalled])).toEqual([
      // The first probe (98 bytes: one page) on a never-touched buffer at the source.
      ['src:net0', 0, 1, 2_000 + 44_907 + 1_000, false],
      ['src:net0', 0, 16, 47_907, false],
      ['src:net0', 0, 6, 47_907, false],
    ]);
  });
});
