// ringOrder.test.ts — whole migrations with packed rings and with IN_ORDER or PARTIAL_ORDER
// offered. Upstream QEMU's shadow virtqueue refuses those bits at netdev init (a migration
// blocker: the migration fails at its start, nothing stops). With the packed-SVQ proposal
// (svqPacked) a packed ring runs through SVQ and the switchover, and the control plane (what the
// downtimes consist of) does not change; IN_ORDER stays a blocker.

import { describe, expect, it } from 'vitest';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import type { ModelEvent } from '../../../sim/events/events.js';
import type { NetStrategies } from '../../../vmm/vhostVdpaNet.js';
import { shippedProfile } from '../../device/helpers.js';
import { scenario, GiB } from './helpers.js';

const TRAFFIC = { packetsPerSecond: 200_000, packetSize: 1500, rxFraction: 0.5 };
const PROBE = { interval: 1_000_000 };

const mlx5 = shippedProfile('mlx5');

/** The mlx5 profile with both ring layouts and both orderings offered. */
const ordered: typeof mlx5 = {
  ...mlx5,
  name: 'mlx5-ordered',
  capabilities: { ...mlx5.capabilities, ringLayouts: ['split', 'packed'], inOrder: true, partialOrder: true },
};

/** The mlx5 profile offering packed rings, no ordering feature. */
const packedToo: typeof mlx5 = { ...mlx5, name: 'mlx5-packed', capabilities: { ...mlx5.capabilities, ringLayouts: ['split', 'packed'] } };

type Order = 'none' | 'inOrder' | 'partialOrder';

function run(ring: 'split' | 'packed', order: Order, profile: typeof ordered = ordered, strategies: Partial<NetStrategies> = {}) {
  const sc = scenario({ profile: 'mlx5', queuePairs: 2, memory: 2 * GiB, traffic: TRAFFIC, probe: PROBE, strategies });
  for (const d of sc.devices) Object.assign(d, { profile, ring, inOrder: order === 'inOrder', partialOrder: order === 'partialOrder' });
  return simulateMigration({ scenario: sc, variant: `${ring}/${order}`, params: {}, replication: 0, stream: 0, seed: 11 }, { keepEvents: true });
}

describe('ring layouts and orderings through a whole migration', () => {
  const base = run('split', 'none', mlx5).record;

  it('upstream: a device offering RING_PACKED, IN_ORDER or PARTIAL_ORDER blocks the migration whatever the guest negotiates', () => {
    for (const ring of ['split', 'packed'] as const) {
      for (const order of ['none', 'inOrder', 'partialOrder'] as const) {
        const out = run(ring, order);
        const r = out.record;
        expect(r.outcome).toMatchObject({ status: 'failed', step: 'migrate', device: 'src:net0', errno: 'EPERM', vmRunsOn: 'source', recovered: true });
        expect(r.outcome!.reason).toContain('net_vhost_vdpa_init: vhost_svq_valid_features: the device offers RING_PACKED (34), IN_ORDER (35), PARTIAL_ORDER (proposed) (39)');
        expect(r.outcome!.recovery).toBeUndefined();
        expect(r.downtime1.totalNs).toBe(0);
        expect(r.downtime2.totalNs).toBe(0);
        expect(r.migration).toMatchObject({ iterations: 0, bytesSent: 0, totalNs: 0 });
        const events = out.events as ModelEvent[];
        expect(events.some((e) => e.kind === 'phase' && (e.name === 'downtime1' || e.name === 'downtime2' || e.name === 'precopy'))).toBe(false);
        // The VM ran at the source in passthrough until the refused `migrate`.
        expect(events.filter((e) => e.kind === 'probe' && e.delivered).length).toBeGreaterThan(40);
        expect(r.invariants.violations).toEqual([]);
      }
    }
  });

  for (const ring of ['split', 'packed'] as const) {
    it(`svqPacked (proposal): ${ring} ring on a device offering packed: invariants hold, probes flow, the downtimes' messages are unchanged`, () => {
      const out = run(ring, 'none', packedToo, { svqPacked: true });
      const r = out.record;
      expect(r.outcome).toBeUndefined();
      expect(r.invariants.violations).toEqual([]);
      expect(r.invariants.checked).toBeGreaterThan(1000);
      const events = out.events as ModelEvent[];
      expect(events.filter((e) => e.kind === 'probe' && e.delivered).length).toBeGreaterThan(100);
      expect(events.some((e) => e.kind === 'fault')).toBe(false);
      expect(r.migration.converged).toBe(true);
      expect(r.downtime1.counts).toEqual(base.downtime1.counts);
      expect(r.downtime2.counts).toEqual(base.downtime2.counts);
    });
  }

  it('without svqPacked the same packed-offering device is blocked, naming only RING_PACKED', () => {
    const r = run('split', 'none', packedToo).record;
    expect(r.outcome?.step).toBe('migrate');
    expect(r.outcome?.reason).toMatch(/offers RING_PACKED \(34\), which SVQ cannot drive \(offered 0x[0-9a-f]+, SVQ-compatible 0x[0-9a-f]+\)$/);
  });

  it('IN_ORDER offered stays a blocker with svqPacked (no posted series lets SVQ accept it)', () => {
    const inOrder: typeof mlx5 = { ...packedToo, name: 'mlx5-in-order', capabilities: { ...packedToo.capabilities, inOrder: true } };
    const r = run('packed', 'inOrder', inOrder, { svqPacked: true }).record;
    expect(r.outcome?.step).toBe('migrate');
    expect(r.outcome?.reason).toContain('offers IN_ORDER (35), which SVQ cannot drive');
    expect(r.outcome?.reason).not.toContain('RING_PACKED');
  });

  // The shipped mlx5 offers neither: the feature bits are refused when the driver sets them, so
  // the runs above did negotiate what they name.
  it('a device that does not offer the layout or ordering refuses it (EINVAL) and the run says so', () => {
    for (const [ring, order, bit] of [
      ['packed', 'none', 34],
      ['split', 'inOrder', 35],
    ] as const) {
      const o = run(ring, order, mlx5).record.outcome;
      expect(o?.step).toBe('boot');
      expect(o?.errno).toBe('EINVAL');
      expect(o?.reason).toMatch(new RegExp(`src:net0: start: features 0x${(1n << BigInt(bit)).toString(16)} not offered`));
    }
  });
});
