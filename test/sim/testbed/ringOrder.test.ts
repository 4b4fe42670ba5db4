// ringOrder.test.ts — whole migrations with traffic and probes on packed rings and with IN_ORDER
// or PARTIAL_ORDER negotiated: the data plane runs through SVQ and the switchover on every ring
// layout and order, and the control plane (what the downtimes consist of) does not change.

import { describe, expect, it } from 'vitest';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import type { ModelEvent } from '../../../sim/events/events.js';
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

function run(ring: 'split' | 'packed', order: 'none' | 'inOrder' | 'partialOrder', profile: typeof ordered = ordered) {
  const sc = scenario({ profile: 'mlx5', queuePairs: 2, memory: 2 * GiB, traffic: TRAFFIC, probe: PROBE });
  for (const d of sc.devices) Object.assign(d, { profile, ring, inOrder: order === 'inOrder', partialOrder: order === 'partialOrder' });
  return simulateMigration({ scenario: sc, variant: `${ring}/${order}`, params: {}, replication: 0, stream: 0, seed: 11 }, { keepEvents: true });
}

describe('ring layouts and orderings through a whole migration', () => {
  const base = run('split', 'none').record;

  for (const ring of ['split', 'packed'] as const) {
    for (const order of ['none', 'inOrder', 'partialOrder'] as const) {
      it(`${ring} ring, ${order}: invariants hold, probes flow, the downtimes' messages are unchanged`, () => {
        const out = run(ring, order);
        const r = out.record;
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
  }

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
