// svqSwitch.golden.test.ts — exact vhost-vdpa traffic of one SVQ switch (downtime #1: stop in
// passthrough, start with shadow virtqueues) for one NIC of 1 queue pair (RX, TX, CVQ = 3 vqs)
// on a 16 GiB q35 guest, per shipped profile and strategy. Each number is derived in a comment.
//
// Shared facts used below:
//  - q35 16 GiB after SeaBIOS has 9 listener sections: RAM [0, 0xa0000), five PAM pieces of
//    [0xc0000, 0x100000) alternating RO/RW, RAM [1 MiB, 2 GiB), pc.bios (256 KiB, RO), RAM above 4G
//    (14 GiB). Pages: 16 GiB / 4 KiB = 4194304, minus the VGA hole 0xa0000–0xc0000 (32 pages), plus
//    the BIOS (64 pages) = 4194336 guest pages mapped.
//  - A split vring of 256: descriptors 4096 B + avail 518 B → SVQ driver area 2 pages; used 2054 B
//    → device area 1 page: 3 pages per shadowed vq, 2 UPDATEs (one per area).
//  - The CVQ is always shadowed (ASID 1) and has 2 one-page buffers (command, status).

import { describe, expect, it } from 'vitest';
import { netHarness } from './netHarness.js';
import { shippedProfile } from '../device/helpers.js';
import type { NetStrategies } from '../../vmm/vhostVdpaNet.js';

const GUEST_PAGES = 4194336;

function ioctls(events: { kind: string; type?: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) if (e.kind === 'msg' && e.type) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

/** Boots in passthrough, then runs the SVQ switch; returns the tallies of its two halves. */
function svqSwitch(profile: string, strategies: Partial<NetStrategies> = {}) {
  const h = netHarness({ profile: shippedProfile(profile), strategies });
  expect(h.run(h.net.init()).ok).toBe(true);
  expect(h.run(h.net.start(false, [], h.ctrl)).ok).toBe(true);
  h.tally.events.length = 0;
  const t0 = h.kernel.now;
  expect(h.run(h.net.stop()).ok).toBe(true);
  const asid0 = () => h.tally.events.filter((e) => e.kind === 'mapWork' && e.what === 'setMapRebuild' && e.asid === 0).length;
  const stop = { ioctls: ioctls(h.tally.events), rebuilds: h.tally.mapWork('setMapRebuild'), asid0Rebuilds: asid0(), mkeys: h.tally.mkeysCreated(), unpinned: h.tally.unpinnedPages() };
  h.tally.events.length = 0;
  expect(h.run(h.net.start(true, h.net.vringBases, h.ctrl)).ok).toBe(true);
  const start = { ioctls: ioctls(h.tally.events), rebuilds: h.tally.mapWork('setMapRebuild'), asid0Rebuilds: asid0(), mkeys: h.tally.mkeysCreated(), pinned: h.tally.pinnedPages() };
  const errors = h.tally.events.filter((e) => e.kind === 'msg' && e.errno !== undefined);
  return { stop, start, errors, durationNs: h.kernel.now - t0, replayed: h.replayed };
}

// Stop: SUSPEND; GET_VRING_BASE × 3 vqs; reset (SET_STATUS 0); listener unregister = BATCH_BEGIN,
// INVALIDATE × 9 sections, BATCH_END; CVQ shadow vring INVALIDATE × 2; CVQ buffers INVALIDATE × 2.
const UPSTREAM_STOP = {
  SUSPEND: 1,
  GET_VRING_BASE: 3,
  SET_STATUS: 1,
  IOTLB_BATCH_BEGIN: 1,
  IOTLB_INVALIDATE: 9 + 2 + 2,
  IOTLB_BATCH_END: 1,
};
// Start: SET_GROUP_ASID(cvq group, 1); CVQ buffer UPDATE × 2; SET_STATUS(ACK|DRIVER), SET_FEATURES,
// GET_STATUS + SET_STATUS(FEATURES_OK); per vq × 3: NUM, BASE, KICK, CALL, 2 shadow vring UPDATEs,
// ADDR; listener register = BATCH_BEGIN, UPDATE × 9, BATCH_END; GET_STATUS + SET_STATUS(DRIVER_OK);
// SET_VRING_ENABLE × 3. UPDATEs: 2 + 3 × 2 + 9 = 17.
const UPSTREAM_START = {
  SET_GROUP_ASID: 1,
  IOTLB_UPDATE: 2 + 3 * 2 + 9,
  SET_STATUS: 3,
  SET_FEATURES: 1,
  GET_STATUS: 2,
  SET_VRING_NUM: 3,
  SET_VRING_BASE: 3,
  SET_VRING_KICK: 3,
  SET_VRING_CALL: 3,
  SET_VRING_ADDR: 3,
  IOTLB_BATCH_BEGIN: 1,
  IOTLB_BATCH_END: 1,
  SET_VRING_ENABLE: 3,
};

describe('SVQ switch, upstream QEMU sequence', () => {
  for (const profile of ['vdpa_sim', 'mlx5', 'platform_iommu']) {
    it(`${profile}: the same messages on every device`, () => {
      const r = svqSwitch(profile);
      expect(r.errors).toEqual([]);
      expect(r.stop.ioctls).toEqual(UPSTREAM_STOP);
      expect(r.start.ioctls).toEqual(UPSTREAM_START);
      // All guest RAM is unpinned and pinned again, plus QEMU's own pages: the stop unpins the CVQ
      // buffers (2) and the CVQ shadow vring (3); the start pins 2 + 3 vqs × 3 = 11.
      expect(r.stop.unpinned).toBe(GUEST_PAGES + 5);
      expect(r.start.pinned).toBe(GUEST_PAGES + 11);
      // The replay: the guest's MAC only (no MQ with one queue pair).
      expect(r.replayed).toEqual([1, 1]);
    });
  }

  it('vdpa_sim rebuilds its whole map once per unbatched message and once per batch', () => {
    const r = svqSwitch('vdpa_sim');
    // Stop: the listener batch (1) + 2 CVQ vring INVALIDATEs + 2 CVQ buffer INVALIDATEs = 5.
    expect(r.stop.rebuilds).toBe(5);
    // Start: 2 CVQ buffer UPDATEs + 6 shadow vring UPDATEs + the listener batch = 9.
    expect(r.start.rebuilds).toBe(9);
    expect(r.start.mkeys).toBe(0);
  });

  it('platform_iommu maps incrementally: no whole-map rebuilds', () => {
    const r = svqSwitch('platform_iommu');
    expect(r.stop.rebuilds + r.start.rebuilds).toBe(0);
  });

  it('mlx5 builds MKEYs for every rebuild of the data ASID', () => {
    const r = svqSwitch('mlx5');
    expect(r.stop.rebuilds).toBe(5);
    expect(r.start.rebuilds).toBe(9);
    // Stop: only the listener batch rebuilds ASID 0, to an empty map: 1 indirect MKEY. The CVQ's
    // ASID 1 is a software copy in mlx5 (no MKEYs).
    expect(r.stop.mkeys).toBe(1);
    // Start, ASID 0: shadow vrings get IOVAs first-fit from 0x1000 (RO 2 pages, RW 1 page per data
    // vq), each UPDATE rebuilding the MR: direct MKEYs per IOVA-contiguous same-permission run,
    // +1 indirect: 1+1, 2+1, 3+1, 4+1 = 14. Then the listener batch maps the 9 sections right after
    // (the first RAM section, RW, continues the last RW ring run): runs RO,RO,RW (rings) and
    // RW (rings + RAM [0,0xa0000)) = 4, PAM pieces 5, RAM [1M,2G) 2 chunks of ≤1 GiB, BIOS 1, RAM
    // above 4G 14 chunks: 26 direct + 1 indirect = 27. Total 41.
    expect(r.start.mkeys).toBe(14 + 27);
  });
});

describe('SVQ switch with strategies', () => {
  it('persistent IOTLB: RAM stays mapped and pinned; only QEMU memory is remapped', () => {
    const r = svqSwitch('vdpa_sim', { iotlbPersist: true });
    expect(r.errors).toEqual([]);
    // Stop: no listener batch; CVQ vring 2 + CVQ buffers 2 INVALIDATEs.
    expect(r.stop.ioctls.IOTLB_INVALIDATE).toBe(4);
    expect(r.stop.ioctls.IOTLB_BATCH_BEGIN).toBeUndefined();
    // Start: CVQ buffers 2 + shadow vrings 3 × 2 UPDATEs; no listener batch.
    expect(r.start.ioctls.IOTLB_UPDATE).toBe(8);
    expect(r.start.ioctls.IOTLB_BATCH_END).toBeUndefined();
    expect(r.stop.unpinned).toBe(5);
    expect(r.start.pinned).toBe(11);
    // Every one of those 12 messages is unbatched: 12 whole-map rebuilds.
    expect(r.stop.rebuilds + r.start.rebuilds).toBe(12);
  });

  it('map batching: one rebuild per ASID batch instead of one per message', () => {
    const r = svqSwitch('vdpa_sim', { batchMaps: true });
    expect(r.errors).toEqual([]);
    expect(r.stop.ioctls.IOTLB_INVALIDATE).toBe(13);
    expect(r.start.ioctls.IOTLB_UPDATE).toBe(17);
    // Stop: listener batch + one ASID 1 batch (CVQ vring + buffers) = 2.
    expect(r.stop.ioctls.IOTLB_BATCH_END).toBe(2);
    expect(r.stop.rebuilds).toBe(2);
    // Start: ASID 0 batch (data vrings), ASID 1 batch (CVQ buffers + vring), listener batch = 3.
    expect(r.start.ioctls.IOTLB_BATCH_END).toBe(3);
    expect(r.start.rebuilds).toBe(3);
  });

  it('persistent IOTLB and batching on mlx5: two small batches, no RAM work', () => {
    const r = svqSwitch('mlx5', { iotlbPersist: true, batchMaps: true });
    expect(r.errors).toEqual([]);
    expect(r.stop.ioctls.IOTLB_BATCH_END).toBe(1);
    expect(r.start.ioctls.IOTLB_BATCH_END).toBe(2);
    expect(r.stop.unpinned + r.start.pinned).toBe(5 + 11);
    const upstream = svqSwitch('mlx5');
    expect(r.durationNs).toBeLessThan(upstream.durationNs / 2);
  });

  it('descriptor group on mlx5: data vqs\' shadow vrings go to ASID 1 next to the CVQ', () => {
    const r = svqSwitch('mlx5', { descGroup: true, iotlbPersist: true });
    expect(r.errors).toEqual([]);
    // One more SET_GROUP_ASID (the descriptor group to ASID 1).
    expect(r.start.ioctls.SET_GROUP_ASID).toBe(2);
    // No shadow vring lands in ASID 0, so the MR of guest RAM is never rebuilt …
    expect(r.stop.asid0Rebuilds + r.start.asid0Rebuilds).toBe(0);
    // … while without the descriptor group each data-vring UPDATE rebuilds it (4 times).
    expect(svqSwitch('mlx5', { iotlbPersist: true }).start.asid0Rebuilds).toBe(4);
  });
});

describe('SVQ switch with the descriptor group alone', () => {
  it('keeps guest RAM mapped and pinned; one empty batch makes the device rebuild from the vhost side', () => {
    const r = svqSwitch('mlx5', { descGroup: true });
    expect(r.errors).toEqual([]);
    // Stop: no listener unregister; CVQ vring 2 + CVQ buffer 2 INVALIDATEs only.
    expect(r.stop.ioctls.IOTLB_INVALIDATE).toBe(4);
    expect(r.stop.unpinned).toBe(5);
    // Start: CVQ buffers 2 + shadow vrings 3 × 2 UPDATEs, all in ASID 1; no RAM UPDATE …
    expect(r.start.ioctls.IOTLB_UPDATE).toBe(8);
    expect(r.start.pinned).toBe(11);
    // … but the reset (no IOTLB_PERSIST) dropped the device's map of guest RAM: one empty
    // BATCH_BEGIN/BATCH_END on ASID 0 hands it the vhost-side map again — one ASID 0 rebuild,
    // whose MKEYs cover the 9 RAM sections at IOVA = GPA, one run per section (neighbours differ in
    // permission or are not contiguous): RW [0,0xa0000) 1, the 5 PAM pieces 5, RW [1M,2G) 2 chunks
    // of at most 1 GiB, the BIOS 1, RAM above 4G 14: 23 direct + 1 indirect = 24 more MKEYs than
    // with IOTLB_PERSIST, where the device keeps its map.
    expect(r.start.ioctls.IOTLB_BATCH_BEGIN).toBe(1);
    expect(r.start.asid0Rebuilds).toBe(1);
    expect(r.start.mkeys - svqSwitch('mlx5', { descGroup: true, iotlbPersist: true }).start.mkeys).toBe(24);
  });
});
