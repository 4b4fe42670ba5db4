// switchover.golden.test.ts — exact vhost-vdpa traffic of downtime #2 (stop-and-copy) in a full
// run: the source device stopped in SVQ mode, the destination device started in passthrough. One
// NIC of 1 queue pair (3 vqs) on a 16 GiB q35 guest, per shipped profile. The destination's init
// (backend features, the CVQ isolation probe) happened during pre-copy and is not in the window.

import { describe, expect, it } from 'vitest';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import { messageSequence } from '../../messageSequence.js';
import { scenario, GiB } from './helpers.js';

// Source stop with every vq shadowed (vhost_net_stop), all of QEMU's memory in ASID 0:
const SOURCE_STOP = [
  'SUSPEND', // vhost_vdpa_suspend
  'IOTLB_INVALIDATE asid0 ×6', // vhost_vdpa_svqs_stop per dev: qp0's 2 vqs × 2 areas, then the CVQ's 2; no GET_VRING_BASE: QEMU holds the guest indices
  'SET_STATUS 0x0', // vhost_vdpa_reset_status → vhost_vdpa_reset_device
  'IOTLB_BATCH_BEGIN asid0', // listener unregister
  'IOTLB_INVALIDATE asid0 ×9',
  'IOTLB_BATCH_END asid0',
  'GET_STATUS', // ACKNOWLEDGE | DRIVER
  'SET_STATUS 0x3',
  'GET_STATUS',
  'IOTLB_INVALIDATE asid0 ×2', // vhost_vdpa_net_cvq_stop
];
// Destination start in passthrough (vhost_net_start after the incoming migration):
const DESTINATION_START = [
  'SET_VRING_CALL 0', // set_guest_notifiers: the vqs QEMU does not shadow
  'SET_VRING_CALL 1',
  'SET_FEATURES', // vhost_vdpa_set_features (first dev), FEATURES_OK on a device the probe left reset
  'GET_STATUS',
  'SET_STATUS 0x8',
  'GET_STATUS',
  'SET_VRING_NUM 0', // vhost_virtqueue_start: size, the migrated base, GPAs, kick
  'SET_VRING_BASE 0 =0',
  'SET_VRING_ADDR 0',
  'SET_VRING_KICK 0',
  'SET_VRING_NUM 1',
  'SET_VRING_BASE 1 =0',
  'SET_VRING_ADDR 1',
  'SET_VRING_KICK 1',
  'GET_VRING_GROUP 2', // vhost_vdpa_net_cvq_start: passthrough data, isolated CVQ → ASID 1
  'SET_GROUP_ASID group1 asid1',
  'IOTLB_UPDATE asid1 ×2', // the CVQ buffers
  'SET_VRING_NUM 2', // the CVQ's vhost_dev_start (shadowed)
  'SET_VRING_BASE 2 =0',
  'SET_VRING_KICK 2',
  'SET_VRING_CALL 2',
  'IOTLB_UPDATE asid1 ×2',
  'SET_VRING_ADDR 2',
  'IOTLB_BATCH_BEGIN asid0', // the listener (first start here: all guest RAM mapped and pinned)
  'IOTLB_UPDATE asid0 ×9',
  'IOTLB_BATCH_END asid0',
  'GET_STATUS', // DRIVER_OK
  'SET_STATUS 0xc',
  'GET_STATUS',
  'SET_VRING_ENABLE 2', // vhost_vdpa_net_cvq_load
  'SET_VRING_ENABLE 0',
  'SET_VRING_ENABLE 1',
];

// The same start on a device whose CVQ is not isolated (platform_iommu, one group): the CVQ runs
// on the guest's ring like a data vq, and QEMU loads no state (the CVQ is not shadowed).
const DESTINATION_START_NOT_ISOLATED = [
  'SET_VRING_CALL 0',
  'SET_VRING_CALL 1',
  'SET_VRING_CALL 2', // the CVQ too: not shadowed
  'SET_FEATURES',
  'GET_STATUS',
  'SET_STATUS 0x8',
  'GET_STATUS',
  'SET_VRING_NUM 0',
  'SET_VRING_BASE 0 =0',
  'SET_VRING_ADDR 0',
  'SET_VRING_KICK 0',
  'SET_VRING_NUM 1',
  'SET_VRING_BASE 1 =0',
  'SET_VRING_ADDR 1',
  'SET_VRING_KICK 1',
  'SET_VRING_NUM 2', // vhost_vdpa_net_cvq_start returns early (not isolated): no ASID, no buffers
  'SET_VRING_BASE 2 =0', // the guest's CVQ index, migrated
  'SET_VRING_ADDR 2',
  'SET_VRING_KICK 2',
  'IOTLB_BATCH_BEGIN asid0',
  'IOTLB_UPDATE asid0 ×9',
  'IOTLB_BATCH_END asid0',
  'GET_STATUS',
  'SET_STATUS 0xc',
  'GET_STATUS',
  'SET_VRING_ENABLE 2',
  'SET_VRING_ENABLE 0',
  'SET_VRING_ENABLE 1',
];

/** The run's events inside downtime #2. */
function window(events: NonNullable<ReturnType<typeof simulateMigration>['events']>) {
  const edges = events.filter((e) => e.kind === 'phase' && e.name === 'downtime2');
  const from = edges[0]!.t;
  const to = edges[1]!.t;
  return events.filter((e) => e.t >= from && e.t <= to);
}

function runWithEvents(profile: string, strategies = {}) {
  const sc = scenario({ profile, memory: 16 * GiB, strategies });
  return simulateMigration({ scenario: sc, variant: 'v', params: {}, replication: 0, stream: 0, seed: 1 }, { keepEvents: true });
}

function run(profile: string, strategies = {}) {
  return runWithEvents(profile, strategies).record;
}

describe('downtime #2, upstream QEMU sequence', () => {
  for (const profile of ['vdpa_sim', 'mlx5', 'platform_iommu']) {
    it(`${profile}: the exact messages of the source stop and the destination start`, () => {
      const out = runWithEvents(profile);
      const r = out.record;
      expect(r.invariants.violations).toEqual([]);
      const w = window(out.events!);
      expect(messageSequence(w, 'src:net0')).toEqual(SOURCE_STOP);
      const isolated = profile !== 'platform_iommu';
      expect(messageSequence(w, 'dst:net0')).toEqual(isolated ? DESTINATION_START : DESTINATION_START_NOT_ISOLATED);
      const c = r.downtime2.counts;
      expect(c.update).toBe((isolated ? 4 : 0) + 9);
      expect(c.invalidate).toBe(6 + 9 + 2);
      expect(c.batches).toBe(2);
      // The destination pins all guest RAM inside the window (4194336 pages, see the SVQ switch
      // golden test) plus its CVQ buffers (2) and CVQ shadow vring (3); the source unpins the same
      // guest pages plus its CVQ buffers (2) and the shadow vrings of 3 vqs (9).
      // vdpa_sim (use_va) pins nothing.
      const pins = profile !== 'vdpa_sim';
      expect(c.pagesPinned).toBe(pins ? 4194336 + (isolated ? 5 : 0) : 0);
      expect(c.pagesUnpinned).toBe(pins ? 4194336 + 11 : 0);
      // The two sides split by device.
      expect(r.countsByDevice?.['src:net0']?.downtime2?.invalidate).toBe(17);
      expect(r.countsByDevice?.['dst:net0']?.downtime2?.update).toBe(isolated ? 13 : 9);
    });
  }

  it('early map as merged (QEMU 10.1): RAM faulted in at init, the machine reset drops the listener, the start re-pins warm memory', () => {
    const at = (earlyMap: boolean) =>
      simulateMigration({ scenario: scenario({ profile: 'mlx5', memory: 16 * GiB, everWritten: 0, strategies: { earlyMap } }), variant: 'v', params: {}, replication: 0, stream: 0, seed: 1 }, {}).record;
    const merged = at(true);
    const before = at(false);
    expect(merged.invariants.violations).toEqual([]);
    // Pinned at init (set_owner), unpinned by the machine reset, pinned again inside the window.
    expect(merged.countsByPhase.destInit!.pagesPinned).toBe(4194336);
    expect(merged.countsByPhase.destInit!.pagesUnpinned).toBe(4194336);
    expect(merged.downtime2.counts.pagesPinned).toBe(4194336 + 5);
    expect(before.downtime2.counts.pagesPinned).toBe(4194336 + 5);
    // Same pages, but warm: the faulting-in moved out of the downtime.
    expect(merged.downtime2.totalNs).toBeLessThan(before.downtime2.totalNs);
  });

  it('phases of the window follow the upstream order', () => {
    const r = run('vdpa_sim');
    const names = r.downtime2.phases.map((p) => `${p.name}${p.device ? `@${p.device}` : ''}`);
    expect(names).toEqual([
      'vmStop',
      'suspend@src:net0',
      'svqStop@src:net0', // the queue pair's vhost_dev
      'svqStop@src:net0', // the CVQ's
      'reset@src:net0',
      'unmap@src:net0',
      'ackDriver@src:net0',
      'cvqStop@src:net0',
      'transfer',
      'stateLoad',
      'vqSetup@dst:net0',
      'map@dst:net0',
      'driverOk@dst:net0',
      'cvqReplay@dst:net0',
      'enable@dst:net0',
    ]);
    // The phases tile the window: each starts where the previous one ended.
    const ps = r.downtime2.phases;
    for (let i = 1; i < ps.length; i++) expect(ps[i]!.startNs).toBe(ps[i - 1]!.startNs + ps[i - 1]!.durNs);
    expect(ps.at(-1)!.startNs + ps.at(-1)!.durNs).toBe(r.downtime2.totalNs);
  });
});

describe('destination timing', () => {
  it('a -incoming destination initialises (and with early map pins) before the migration starts, not inside the switchover', () => {
    for (const strategies of [{}, { earlyMap: true }]) {
      const out = runWithEvents('mlx5', strategies);
      const ev = out.events!;
      const edge = (name: string, e: 'begin' | 'end') => ev.find((x) => x.kind === 'phase' && x.name === name && x.edge === e)!.t;
      expect(edge('destInit', 'end')).toBeLessThanOrEqual(edge('downtime1', 'begin'));
      expect(out.record.downtime2.phases.map((p) => p.name)).not.toContain('destInitWait');
    }
  });
});
