// detailWindows.property.test.ts — the observation windows against full detail on arbitrary
// NICs and flows: whatever the profile, queue layout (split, or packed with the proposed packed
// SVQ), traffic, probe interval, guest size and backing, CPU dirtying, downtime limit, strategies
// and injected faults, a run whose data plane sleeps through its steady stretches gives the
// record of the run that simulates every burst and probe (all of it but the count of invariant
// checks).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import { GiB, MiB, scenario, windowedRecord } from './helpers.js';
import { shippedProfile } from '../../device/helpers.js';
import type { ScenarioFault } from '../../../sim/scenario/scenario.js';

/** The faults.yaml kinds, on net0: one or none per case. */
const FAULTS: ScenarioFault[] = [
  { kind: 'cancel', afterPass: 1 },
  { kind: 'iotlbUpdate', device: 'net0', host: 'source', during: 'downtime1', nth: 3, errno: 'ENOMEM' },
  { kind: 'iotlbUpdate', device: 'net0', host: 'destination', during: 'downtime2', nth: 1, errno: 'ENOSPC' },
  { kind: 'cvqNack', device: 'net0', host: 'destination', during: 'downtime2', nth: 1, errno: 'EIO' },
  { kind: 'driverOk', device: 'net0', host: 'destination', during: 'downtime2', nth: 1, errno: 'EIO' },
  { kind: 'needsReset', device: 'net0', host: 'destination', during: 'downtime2', after: 2_000_000 },
  { kind: 'needsReset', device: 'net0', host: 'source', during: 'precopy', after: 100_000_000 },
];

describe('observation windows against full detail, arbitrary NICs and flows', () => {
  it('the same record', () => {
    fc.assert(
      fc.property(
        fc.record({
          profile: fc.constantFrom('vdpa_sim', 'mlx5', 'platform_iommu'),
          devices: fc.integer({ min: 1, max: 2 }),
          queuePairs: fc.integer({ min: 1, max: 4 }),
          queueSize: fc.constantFrom(64, 256, 1024),
          traffic: fc.option(
            fc.record({
              // Round rates (whose bursts are alike once their period is chosen for it) and any others.
              packetsPerSecond: fc.oneof(fc.constantFrom(20_000, 75_000, 250_000, 1_000_000, 1_500_000, 2_500_000), fc.integer({ min: 1_000, max: 400_000 })),
              packetSize: fc.constantFrom(64, 1500, 9000),
              rxFraction: fc.constantFrom(0, 0.2, 0.5, 1),
            }),
            { nil: null },
          ),
          probe: fc.option(fc.record({ interval: fc.integer({ min: 200_000, max: 20_000_000 }) }), { nil: null }),
          memoryGiB: fc.constantFrom(1, 2, 4),
          bandwidth: fc.constantFrom(0.5e9, 1.25e9, 3.125e9),
          strategies: fc.record({ earlyMap: fc.boolean(), iotlbPersist: fc.boolean(), batchMaps: fc.boolean() }),
          backing: fc.constantFrom('thp', '4k', 'hugetlb-2M'),
          // Packed rings need the proposed packed SVQ (upstream's feature check refuses them).
          packed: fc.boolean(),
          // CPU dirtying and a tight downtime limit make several passes, each slept through.
          dirtyRate: fc.constantFrom(0, 64 * MiB, 512 * MiB),
          downtimeLimit: fc.constantFrom(300_000_000, 20_000_000),
          seed: fc.integer({ min: 0, max: 10_000 }),
          // One injected fault, or none: the failures and recoveries as in full detail too.
          fault: fc.constantFrom<ScenarioFault | null>(null, ...FAULTS),
        }),
        (p) => {
          const caps = shippedProfile(p.profile).capabilities;
          const nic = { queuePairs: Math.min(p.queuePairs, caps.maxQueuePairs), queueSize: Math.min(p.queueSize, caps.maxQueueSize) };
          const packed = p.packed ? { capabilities: { ringLayouts: ['split' as const, 'packed' as const] } } : {};
          const made = scenario({ ...p, ...nic, ...packed, memory: p.memoryGiB * GiB, prealloc: false, everWritten: 0.5, strategies: { ...p.strategies, svqPacked: p.packed } });
          const base = p.packed ? { ...made, devices: made.devices.map((d) => ({ ...d, ring: 'packed' as const })) } : made;
          const sc = {
            ...base,
            faults: p.fault === null ? [] : [p.fault],
            seed: p.seed,
            workload: { ...base.workload, dirtyRate: p.dirtyRate, hotSet: 256 * MiB },
            migration: { ...base.migration, downtimeLimit: p.downtimeLimit },
          };
          const go = (detail: 'windows' | 'full') => simulateMigration({ scenario: sc, variant: 'v', params: {}, replication: 0, stream: 0, seed: p.seed }, { detail });
          const windows = go('windows');
          const full = go('full');
          expect(windowedRecord(windows)).toEqual(windowedRecord(full));
        },
      ),
      { numRuns: 60 },
    );
  }, 300_000);
});
