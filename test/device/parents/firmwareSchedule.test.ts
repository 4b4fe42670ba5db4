// firmwareSchedule.test.ts — a firmware batch scheduled directly (idle firmware) gives exactly the
// schedule of one submitter process per firmware slot: same run record, byte for byte.
import { afterEach, describe, expect, it } from 'vitest';
import { setDirectFirmwareSchedules } from '../../../device/parents/mlx5Mr.js';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import { scenario, GiB } from '../../sim/testbed/helpers.js';

afterEach(() => setDirectFirmwareSchedules(true));

function record(direct: boolean, strategies = {}): string {
  setDirectFirmwareSchedules(direct);
  const sc = scenario({ profile: 'mlx5', queuePairs: 2, memory: 64 * GiB, strategies, traffic: { packetsPerSecond: 20_000, packetSize: 1500, rxFraction: 0.5 }, probe: { interval: 1_000_000 } });
  return JSON.stringify(simulateMigration({ scenario: sc, variant: 'v', params: {}, replication: 0, stream: 3, seed: 9 }).record);
}

describe('direct firmware schedules', () => {
  for (const strategies of [{}, { descGroup: true }, { iotlbPersist: true, batchMaps: true }]) {
    it(`match the submitter processes exactly (${JSON.stringify(strategies)})`, () => {
      expect(record(true, strategies)).toBe(record(false, strategies));
    });
  }
});
