// firmwareSchedule.test.ts — a firmware batch scheduled directly (idle firmware) gives exactly the
// schedule of one submitter process per firmware slot: same run record, byte for byte.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Resource } from '../../../sim/kernel/index.js';
import { setDirectFirmwareSchedules } from '../../../device/parents/mlx5Mr.js';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import { scenario, GiB } from '../../sim/testbed/helpers.js';

afterEach(() => setDirectFirmwareSchedules(true));

function record(direct: boolean, strategies = {}, profile = 'mlx5', memory = 64 * GiB): string {
  setDirectFirmwareSchedules(direct);
  const sc = scenario({ profile, queuePairs: 2, memory, strategies, traffic: { packetsPerSecond: 20_000, packetSize: 1500, rxFraction: 0.5 }, probe: { interval: 1_000_000 } });
  return JSON.stringify(simulateMigration({ scenario: sc, variant: 'v', params: {}, replication: 0, stream: 3, seed: 9 }).record);
}

describe('direct firmware schedules', () => {
  for (const strategies of [{}, { descGroup: true }, { iotlbPersist: true, batchMaps: true }]) {
    it(`match the submitter processes exactly (${JSON.stringify(strategies)})`, () => {
      expect(record(true, strategies)).toBe(record(false, strategies));
    });
  }
  // 2 TiB: a map's 2,048 direct MKEYs, the GC work destroying the replaced MR while the next map
  // creates its own and single commands (indirect MKEYs) queueing behind both.
  it('match them where batches overlap (2 TiB, deferred destroy)', () => {
    const direct = record(true, {}, 'mlx5', 2048 * GiB);
    // Count the slots the reference hands straight to a waiting submitter: batches did overlap.
    let handoffs = 0;
    const proto = Resource.prototype;
    const release = Object.getOwnPropertyDescriptor(proto, 'release')?.value as (this: Resource) => void;
    const spy = vi.spyOn(proto, 'release').mockImplementation(function (this: Resource) {
      if (this.queued > 0) handoffs++;
      release.call(this);
    });
    const processes = record(false, {}, 'mlx5', 2048 * GiB);
    spy.mockRestore();
    expect(handoffs).toBeGreaterThan(100);
    expect(direct).toBe(processes);
  }, 60_000);
  it('match them with serial commands and synchronous destroy (mlx5-linux6.10, 1 TiB)', () => {
    expect(record(true, {}, 'mlx5-linux6.10', 1024 * GiB)).toBe(record(false, {}, 'mlx5-linux6.10', 1024 * GiB));
  }, 60_000);
});
