// adminVqFaults.test.ts — injected faults on the admin-vq transport end the migration as results,
// recovered as QEMU recovers, through admin commands: a cancel in SVQ mode, a CVQ NACK or a
// DRIVER_OK that does not stick at the destination (the source VM started again).
import { describe, expect, it } from 'vitest';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import { scenario, GiB } from './helpers.js';
import type { AdminVqChoices, Scenario } from '../../../sim/scenario/scenario.js';

function run(faults: Scenario['faults'], choices: Partial<AdminVqChoices> = {}) {
  const sc = scenario({ profile: 'mlx5', memory: 4 * GiB, queuePairs: 2, probe: { interval: 1_000_000 }, traffic: { packetsPerSecond: 20_000, packetSize: 1500, rxFraction: 0.5 }, faults, everWritten: 0.5 });
  sc.migration.transport = 'admin-vq';
  sc.migration.adminVq = { mode: 'svq', pipeline: 'serial', destinationCreate: 'init', mmuMapsAtReset: 'keep', dirtyTracking: 'iommu', dirtyReadPerEntryNs: 1, ...choices };
  return simulateMigration({ scenario: sc, variant: 'v', params: {}, replication: 0, stream: 0, seed: 5 }, {}).record;
}

describe('injected faults on the admin-vq transport', () => {
  it('a cancel during pre-copy: the source leaves SVQ by a reset and returns to passthrough', () => {
    const r = run([{ kind: 'cancel', afterPass: 1 }]);
    expect(r.outcome).toMatchObject({ step: 'precopy', errno: 'ECANCELED', vmRunsOn: 'source', recovered: true });
    const rec = r.outcome!.recovery!;
    expect(rec.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['reset', 'vqSetup', 'driverOk', 'enable']));
    expect(rec.counts.ioctls.STATUS_SET).toBeGreaterThan(0);
    expect(rec.counts.ioctls.SUSPEND).toBeUndefined();
    expect(r.invariants.violations).toEqual([]);
  });

  it('the destination NACKs the replayed state: the source VM is started again', () => {
    const r = run([{ kind: 'cvqNack', device: 'net0', host: 'destination', during: 'downtime2', nth: 1, errno: 'EIO' }]);
    expect(r.outcome).toMatchObject({ step: 'destinationStart', device: 'dst:net0', vmRunsOn: 'source', recovered: true });
    expect(r.invariants.violations).toEqual([]);
  });

  it('DRIVER_OK does not stick at the destination (STATUS_GET reads DEVICE_NEEDS_RESET): EIO, the source takes over', () => {
    const r = run([{ kind: 'driverOk', device: 'net0', host: 'destination', during: 'downtime2', nth: 1, errno: 'EIO' }]);
    expect(r.outcome).toMatchObject({ step: 'destinationStart', errno: 'EIO', vmRunsOn: 'source', recovered: true });
    expect(r.outcome!.reason).toMatch(/DRIVER_OK did not stick \(status 0x4b\)/);
  });

  it('device parts: a destination whose device fails at DEV_PARTS_SET stays down (nothing reads its status)', () => {
    const r = run([{ kind: 'driverOk', device: 'net0', host: 'destination', during: 'downtime2', nth: 1, errno: 'EIO' }], { mode: 'deviceParts' });
    expect(r.outcome).toMatchObject({ step: 'dataPlane', vmRunsOn: 'destination', recovered: false });
  });
});
