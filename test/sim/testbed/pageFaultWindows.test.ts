// pageFaultWindows.test.ts — when a page-fault NIC may sleep: never with discards; without, only
// with no fault in flight on the carrying device, every RX pool buffer resident on its host and
// a steady batch count; runs without the strategy are left alone. Whole runs in windows give
// the record of full detail.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { simulateMigration, type RunOutput } from '../../../sim/testbed/simulateMigration.js';
import type { ModelEvent } from '../../../sim/events/events.js';
import { pageFaultWindows } from '../../../sim/testbed/pageFaultWindows.js';
import { GUEST_BUFFER_BYTES, type GuestNet } from '../../../sim/guest/virtioNet.js';
import type { GuestMemory } from '../../../vmm/guestMemory.js';
import type { HostMemory } from '../../../device/shared/hostMemory.js';
import type { IopfView } from '../../../device/core/iopf.js';
import { scenario, windowedRecord, type ScenarioOpts } from './helpers.js';

const POOL = 0x200000;
const PER_QUEUE = 4;
const guest = { poolGpa: POOL, perQueue: PER_QUEUE } as unknown as GuestNet;
/** Guest RAM at HVA 1 GiB + GPA. */
const memory = { gpaToHva: (gpa: number) => 0x40000000 + gpa } as unknown as GuestMemory;

/** A host whose cold pages are the given HVA ranges. */
function host(cold: [number, number][]): HostMemory {
  const coldPages = (hva: number, size: number): number =>
    cold.reduce((n, [a, len]) => n + Math.max(0, Math.min(hva + size, a + len) - Math.max(hva, a)) / 4096, 0);
  return { coldPages } as unknown as HostMemory;
}

function rules(discarded: number, pageFaults = true, traffic: ScenarioOpts['traffic'] = { packetsPerSecond: 100_000, packetSize: 1500, rxFraction: 0.5 }) {
  const sc = scenario({ strategies: { pageFaults }, rxRefillDiscarded: discarded, traffic, probe: { interval: 1_000_000 } });
  const state = { inFlight: 0, cold: [] as [number, number][], steady: true };
  const carrier = () => ({ host: host(state.cold), dev: { iopf: { inFlight: state.inFlight } as IopfView } });
  return { state, pf: pageFaultWindows(sc, guest, memory, 2, carrier, () => state.steady) };
}

describe('pageFaultWindows', () => {
  it('leaves runs without page faults alone', () => {
    expect(rules(0, false).pf).toBeNull();
  });

  it('with discards the NIC never sleeps', () => {
    const { pf } = rules(0.01);
    expect(pf!.dormancy).toBe(false);
    expect(pf!.canSleep()).toBe(false);
  });

  it('nor in a run with a device error at a time', () => {
    const sc = scenario({ strategies: { pageFaults: true }, faults: [{ kind: 'needsReset', device: 'net0', host: 'source', during: 'precopy', after: 1 }] });
    expect(pageFaultWindows(sc, guest, memory, 2, () => null, () => true)!.dormancy).toBe(false);
  });

  it('without discards it sleeps once nothing can fault and the batch count is steady', () => {
    const { pf, state } = rules(0);
    expect(pf!.dormancy).toBe(true);
    expect(pf!.canSleep()).toBe(true);
    state.inFlight = 1;
    expect(pf!.canSleep()).toBe(false);
    state.inFlight = 0;
    state.steady = false;
    expect(pf!.canSleep()).toBe(false);
    state.steady = true;
    // The last RX buffer of queue pair 1 (pool buffers [2·4, 3·4)) is cold: it would fault.
    const lastRx1 = 0x40000000 + POOL + (3 * PER_QUEUE - 1) * GUEST_BUFFER_BYTES;
    state.cold = [[lastRx1, 4096]];
    expect(pf!.canSleep()).toBe(false);
    // A cold TX buffer (device reads only) does not stop the sleep.
    state.cold = [[0x40000000 + POOL + PER_QUEUE * GUEST_BUFFER_BYTES, 4096]];
    expect(pf!.canSleep()).toBe(true);
  });

  it('with the probe alone only queue pair 0 counts: its pings are all the device writes', () => {
    const { pf, state } = rules(0, true, null);
    state.cold = [[0x40000000 + POOL + (3 * PER_QUEUE - 1) * GUEST_BUFFER_BYTES, 4096]];
    expect(pf!.canSleep()).toBe(true);
    state.cold = [[0x40000000 + POOL, 4096]];
    expect(pf!.canSleep()).toBe(false);
  });
});

describe('page-fault runs in observation windows against full detail', () => {
  const TRAFFIC = { packetsPerSecond: 500_000, packetSize: 1500, rxFraction: 0.5 };
  function both(o: ScenarioOpts, seed: number) {
    const sc = scenario({
      profile: 'mlx5',
      queuePairs: 2,
      memory: 1 << 30,
      prealloc: false,
      everWritten: 0.25,
      traffic: TRAFFIC,
      probe: { interval: 1_000_000 },
      bandwidth: 3.125e9,
      capabilities: { pageFaults: 'pri', partialOrder: true },
      strategies: { earlyMap: true, pageFaults: true },
      ...o,
    });
    const go = (detail: 'windows' | 'full') => simulateMigration({ scenario: sc, variant: 'v', params: {}, replication: 0, stream: 0, seed }, { detail, keepEvents: true });
    return { windows: go('windows'), full: go('full') };
  }
  const slept = (r: RunOutput) => (r.events as ModelEvent[]).some((e) => e.kind === 'probePause' && e.edge === 'pause');

  it('without discards, under arbitrary fault timings, credits, orderings and devices: the same record, and the NIC slept', () => {
    fc.assert(
      fc.property(
        fc.record({
          priRequestNs: fc.integer({ min: 0, max: 3_000_000 }),
          pageResponseNs: fc.integer({ min: 0, max: 3_000_000 }),
          priCredits: fc.integer({ min: 1, max: 64 }),
          partialOrder: fc.boolean(),
          va: fc.boolean(),
          probeOnly: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        (p) => {
          const dev = p.va ? { profile: 'vdpa_sim', queuePairs: 1, capabilities: {} } : {};
          const { windows, full } = both(
            // vdpa_sim offers no PARTIAL_ORDER.
            { ...dev, ...(p.probeOnly ? { traffic: null } : {}), partialOrder: p.partialOrder && !p.va, rxRefillDiscarded: 0, costs: { priRequestNs: p.priRequestNs, pageResponseNs: p.pageResponseNs, priCredits: p.priCredits } },
            p.seed,
          );
          expect(windows.record.outcome).toBeUndefined();
          expect(windows.record.pageFaults!.latency.count).toBeGreaterThan(0);
          expect(windowedRecord(windows)).toEqual(windowedRecord(full));
          expect(windows.record.invariants.violations).toEqual([]);
          expect(slept(windows)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);

  // Found by the property above once a suspend holds the vqs until the reset: with the earlier
  // mlx5 MKEY costs the observed downtime #2 came out 1 ms longer in windows than in full detail
  // (the NIC that went down at the stop replayed its last bursts into the destination device).
  // With the MKEY costs split into host and firmware shares it agrees; kept as a regression case.
  it('slow page responses, 4 credits, PARTIAL_ORDER: observed downtime #2 as in full detail', () => {
    const { windows, full } = both(
      { partialOrder: true, rxRefillDiscarded: 0, costs: { priRequestNs: 1_808_139, pageResponseNs: 2_999_998, priCredits: 4 } },
      322,
    );
    expect(windowedRecord(windows)).toEqual(windowedRecord(full));
  }, 60_000);

  it('without discards, with a cancel, a device error mid pre-copy or a failed destination start: the record of full detail', () => {
    const cases: ScenarioOpts['faults'][] = [
      [{ kind: 'cancel', afterPass: 1 }],
      [{ kind: 'needsReset', device: 'net0', host: 'source', during: 'precopy', after: 50_000_000 }],
      [{ kind: 'driverOk', device: 'net0', host: 'destination', during: 'downtime2', nth: 1, errno: 'ENOMEM' }],
    ];
    for (const faults of cases) {
      const { windows, full } = both({ partialOrder: true, rxRefillDiscarded: 0, faults }, 5);
      expect(windows.record.invariants.violations, faults![0]!.kind).toEqual([]);
      expect(windowedRecord(windows), faults![0]!.kind).toEqual(windowedRecord(full));
    }
  });

  it('with discards the NIC never sleeps, and the record is that of full detail', () => {
    const { windows, full } = both({ partialOrder: true, rxRefillDiscarded: 0.05 }, 3);
    expect(slept(windows)).toBe(false);
    expect(windowedRecord(windows)).toEqual(windowedRecord(full));
  });
});
