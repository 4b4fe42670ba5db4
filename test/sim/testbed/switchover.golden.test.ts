// switchover.golden.test.ts — exact vhost-vdpa traffic of downtime #2 (stop-and-copy) in a full
// run: the source device stopped in SVQ mode, the destination device started in passthrough. One
// NIC of 1 queue pair (3 vqs) on a 16 GiB q35 guest, per shipped profile; numbers derived below.
//
//  Source stop (SVQ mode): SUSPEND; GET_VRING_BASE × 3; reset (SET_STATUS 0); listener
//  unregister = BATCH_BEGIN, INVALIDATE × 9 sections, BATCH_END; shadow vrings of 3 vqs × 2
//  INVALIDATEs; CVQ buffers × 2 INVALIDATEs → 17 INVALIDATEs.
//  Destination start (passthrough): SET_GROUP_ASID(cvq group, 1); CVQ buffers × 2 UPDATEs;
//  SET_STATUS(ACK|DRIVER), SET_FEATURES, GET_STATUS + SET_STATUS(FEATURES_OK); per vq NUM, BASE,
//  KICK, CALL, ADDR (× 3), the CVQ's shadow vring × 2 UPDATEs; listener = BATCH_BEGIN, UPDATE × 9,
//  BATCH_END; GET_STATUS + SET_STATUS(DRIVER_OK); SET_VRING_ENABLE of the CVQ (before the replay)
//  and of the 2 data vqs → 13 UPDATEs. Destination init (backend features, groups) happened
//  during pre-copy and is not in the window.

import { describe, expect, it } from 'vitest';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import { scenario, GiB } from './helpers.js';

const DOWNTIME2 = {
  SUSPEND: 1,
  GET_VRING_BASE: 3,
  SET_STATUS: 1 + 3,
  IOTLB_BATCH_BEGIN: 2,
  IOTLB_BATCH_END: 2,
  IOTLB_INVALIDATE: 9 + 6 + 2,
  SET_GROUP_ASID: 1,
  IOTLB_UPDATE: 2 + 2 + 9,
  SET_FEATURES: 1,
  GET_STATUS: 2,
  SET_VRING_NUM: 3,
  SET_VRING_BASE: 3,
  SET_VRING_KICK: 3,
  SET_VRING_CALL: 3,
  SET_VRING_ADDR: 3,
  SET_VRING_ENABLE: 3,
};

function run(profile: string, strategies = {}) {
  const sc = scenario({ profile, memory: 16 * GiB, strategies });
  return simulateMigration({ scenario: sc, variant: 'v', params: {}, replication: 0, stream: 0, seed: 1 }).record;
}

describe('downtime #2, upstream QEMU sequence', () => {
  for (const profile of ['vdpa_sim', 'mlx5', 'platform_iommu']) {
    it(`${profile}: the exact messages of the source stop and the destination start`, () => {
      const r = run(profile);
      expect(r.invariants.violations).toEqual([]);
      const c = r.downtime2.counts;
      expect(c.ioctls).toEqual(DOWNTIME2);
      expect(c.update).toBe(13);
      expect(c.invalidate).toBe(17);
      expect(c.batches).toBe(2);
      // The destination pins all guest RAM inside the window (4194336 pages, see the SVQ switch
      // golden test) plus its CVQ buffers (2) and CVQ shadow vring (3); the source unpins the same
      // guest pages plus its CVQ buffers (2) and the shadow vrings of 3 vqs (9).
      expect(c.pagesPinned).toBe(4194336 + 5);
      expect(c.pagesUnpinned).toBe(4194336 + 11);
      // The two sides split by device.
      expect(r.countsByDevice?.['src:net0']?.downtime2?.invalidate).toBe(17);
      expect(r.countsByDevice?.['dst:net0']?.downtime2?.update).toBe(13);
    });
  }

  it('with early map the destination pinned during pre-copy: nothing pinned in the window', () => {
    const r = run('mlx5', { earlyMap: true });
    expect(r.invariants.violations).toEqual([]);
    // Only QEMU's own CVQ buffers and CVQ shadow vring are pinned at the destination start.
    expect(r.downtime2.counts.pagesPinned).toBe(5);
    expect(r.downtime2.counts.update).toBe(4);
    expect(r.countsByPhase.destInit!.pagesPinned).toBe(4194336);
    expect(r.downtime2.totalNs).toBeLessThan(run('mlx5').downtime2.totalNs);
  });

  it('phases of the window follow the upstream order', () => {
    const r = run('vdpa_sim');
    const names = r.downtime2.phases.map((p) => `${p.name}${p.device ? `@${p.device}` : ''}`);
    expect(names).toEqual([
      'vmStop',
      'suspend@src:net0',
      'vringState@src:net0',
      'reset@src:net0',
      'unmap@src:net0',
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
