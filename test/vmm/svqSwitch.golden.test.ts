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
//  - The CVQ, when shadowed, has 2 one-page buffers (command, status). In passthrough it is
//    shadowed and isolated in ASID 1 when the probe finds it alone in its group (vdpa_sim, mlx5);
//    on platform_iommu (one group) it is not isolated, so it runs on the guest's ring like a data
//    vq. Once the data vqs are shadowed it is shadowed too and stays in ASID 0 with everything
//    (vhost_vdpa_net_cvq_start with shared->shadow_data).

import { describe, expect, it } from 'vitest';
import { netHarness } from './netHarness.js';
import { shippedProfile } from '../device/helpers.js';
import type { NetStrategies } from '../../vmm/vhostVdpaNet.js';
import { messageSequence } from '../messageSequence.js';
import type { Proc } from '../../sim/kernel/index.js';

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
  // Stop and start in one process, as vhost_vdpa_net_log_global_enable runs them: background work
  // (the MR GC's delayed destroy) must not run between them.
  let split = 0;
  let startOk = false;
  const net = h.net;
  const stopOk = h.run(
    (function* (): Proc<boolean> {
      const st = yield* net.stop();
      split = h.tally.events.length;
      if (!st.ok) return false;
      startOk = (yield* net.start(true, net.vringBases, h.ctrl)).ok;
      return true;
    })(),
  );
  expect(stopOk).toBe(true);
  expect(startOk).toBe(true);
  const stopEvents = h.tally.events.slice(0, split);
  const startEvents = h.tally.events.slice(split);
  const asid0 = (ev: typeof stopEvents) => ev.filter((e) => e.kind === 'mapWork' && e.what === 'setMapRebuild' && e.asid === 0).length;
  const count = (ev: typeof stopEvents, what: string) => ev.filter((e) => e.kind === 'mapWork' && e.what === what).length;
  const mkeys = (ev: typeof stopEvents) => ev.reduce((n, e) => n + (e.kind === 'mapWork' ? (e.mkeysCreated ?? 0) : 0), 0);
  const pins = (ev: typeof stopEvents, sign: 1 | -1) => ev.reduce((n, e) => n + (e.kind === 'pin' && Math.sign(e.pages) === sign ? Math.abs(e.pages) : 0), 0);
  const stop = { sequence: messageSequence(stopEvents), ioctls: ioctls(stopEvents), rebuilds: count(stopEvents, 'setMapRebuild'), asid0Rebuilds: asid0(stopEvents), mkeys: mkeys(stopEvents), unpinned: pins(stopEvents, -1) };
  const start = { sequence: messageSequence(startEvents), ioctls: ioctls(startEvents), rebuilds: count(startEvents, 'setMapRebuild'), asid0Rebuilds: asid0(startEvents), mkeys: mkeys(startEvents), pinned: pins(startEvents, 1) };
  const errors = h.tally.events.filter((e) => e.kind === 'msg' && e.errno !== undefined);
  return { stop, start, errors, durationNs: h.endedAt() - t0, replayed: h.replayed };
}

// The stop, in passthrough with the CVQ shadowed and isolated in ASID 1 (vhost_net_stop:
// the queue pair's vhost_dev, then the CVQ's):
const UPSTREAM_STOP_SEQUENCE = [
  'SUSPEND', // vhost_vdpa_suspend (first dev)
  'GET_VRING_BASE 0', // vhost_vdpa_get_vring_base: passthrough vqs ask the suspended device
  'GET_VRING_BASE 1',
  'IOTLB_INVALIDATE asid1 ×2', // CVQ dev: vhost_vdpa_svqs_stop → vhost_vdpa_svq_unmap_rings (its base stays in QEMU)
  'SET_STATUS 0x0', // vhost_vdpa_reset_status → vhost_vdpa_reset_device
  'IOTLB_BATCH_BEGIN asid0', // … which unregisters the listener: one INVALIDATE per RAM section
  'IOTLB_INVALIDATE asid0 ×9',
  'IOTLB_BATCH_END asid0',
  'GET_STATUS', // vhost_vdpa_add_status(ACKNOWLEDGE | DRIVER)
  'SET_STATUS 0x3',
  'GET_STATUS',
  'IOTLB_INVALIDATE asid1 ×2', // vhost_vdpa_net_cvq_stop: the command and status buffers
];
// The same stop on a device whose CVQ is not isolated (platform_iommu): the CVQ is a passthrough vq.
const NOT_ISOLATED_STOP_SEQUENCE = [
  'SUSPEND',
  'GET_VRING_BASE 0',
  'GET_VRING_BASE 1',
  'GET_VRING_BASE 2', // the CVQ's vhost_dev: not shadowed, so the device's index
  'SET_STATUS 0x0',
  'IOTLB_BATCH_BEGIN asid0',
  'IOTLB_INVALIDATE asid0 ×9',
  'IOTLB_BATCH_END asid0',
  'GET_STATUS',
  'SET_STATUS 0x3',
  'GET_STATUS', // vhost_vdpa_net_cvq_stop: no buffers were mapped
];
// The start with shadow virtqueues (vhost_net_start: qp0's vhost_dev, the CVQ client, the CVQ's vhost_dev):
const UPSTREAM_SVQ_START_SEQUENCE = [
  'SET_FEATURES', // vhost_vdpa_set_features (first dev) …
  'GET_STATUS', // … and vhost_vdpa_add_status(FEATURES_OK): read, set, read back
  'SET_STATUS 0xb',
  'GET_STATUS',
  'SET_VRING_NUM 0', // vhost_virtqueue_start: only the size reaches a shadowed vq
  'SET_VRING_NUM 1',
  'SET_VRING_BASE 0 =0', // vhost_vdpa_svqs_start → vhost_vdpa_svq_setup: the shadow vring starts at 0
  'SET_VRING_KICK 0', // vhost_vdpa_svq_set_fds
  'SET_VRING_CALL 0',
  'IOTLB_UPDATE asid0 ×2', // vhost_vdpa_svq_map_rings: driver area, device area, each on its own
  'SET_VRING_ADDR 0', // vhost_vdpa_set_vring_dev_addr with the IOVAs
  'SET_VRING_BASE 1 =0',
  'SET_VRING_KICK 1',
  'SET_VRING_CALL 1',
  'IOTLB_UPDATE asid0 ×2',
  'SET_VRING_ADDR 1',
  'IOTLB_UPDATE asid0 ×2', // vhost_vdpa_net_cvq_start: data shadowed, so no ASID move; the two buffers in ASID 0
  'SET_VRING_NUM 2', // the CVQ's vhost_dev_start
  'SET_VRING_BASE 2 =0',
  'SET_VRING_KICK 2',
  'SET_VRING_CALL 2',
  'IOTLB_UPDATE asid0 ×2',
  'SET_VRING_ADDR 2',
  'IOTLB_BATCH_BEGIN asid0', // vhost_vdpa_dev_start (last dev): the listener registers again
  'IOTLB_UPDATE asid0 ×9',
  'IOTLB_BATCH_END asid0',
  'GET_STATUS', // DRIVER_OK
  'SET_STATUS 0xf',
  'GET_STATUS',
  'SET_VRING_ENABLE 2', // vhost_vdpa_net_cvq_load: the CVQ first, the replay, then the data vqs
  'SET_VRING_ENABLE 0',
  'SET_VRING_ENABLE 1',
];

describe('SVQ switch, upstream QEMU sequence', () => {
  for (const profile of ['vdpa_sim', 'mlx5', 'platform_iommu']) {
    it(`${profile}: the same ordered messages on every device`, () => {
      const r = svqSwitch(profile);
      expect(r.errors).toEqual([]);
      const isolated = profile !== 'platform_iommu';
      expect(r.stop.sequence).toEqual(isolated ? UPSTREAM_STOP_SEQUENCE : NOT_ISOLATED_STOP_SEQUENCE);
      expect(r.start.sequence).toEqual(UPSTREAM_SVQ_START_SEQUENCE);
      // All guest RAM is unpinned and pinned again, plus QEMU's own pages: the stop unpins the CVQ
      // shadow vring (3) and buffers (2) when the CVQ was shadowed; the start pins 3 vqs × 3 + 2 =
      // 11. vdpa_sim in its default use_va mode pins nothing (vhost_vdpa_va_map).
      const pins = profile !== 'vdpa_sim';
      expect(r.stop.unpinned).toBe(pins ? GUEST_PAGES + (isolated ? 5 : 0) : 0);
      expect(r.start.pinned).toBe(pins ? GUEST_PAGES + 11 : 0);
      // The replay: the guest's MAC only (no MQ with one queue pair), at the boot start and at the
      // switch; a CVQ that is not isolated loads nothing at the boot start (not shadowed).
      expect(r.replayed).toEqual(isolated ? [1, 1] : [1]);
    });
  }

  it('vdpa_sim rebuilds its whole map once per unbatched message and once per batch', () => {
    const r = svqSwitch('vdpa_sim');
    // Stop: 2 CVQ vring INVALIDATEs + the listener batch + 2 CVQ buffer INVALIDATEs = 5.
    expect(r.stop.rebuilds).toBe(5);
    // Start: 4 data shadow vring UPDATEs + 2 CVQ buffers + 2 CVQ vring + the listener batch = 9.
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
    // Stop. ASID 1 (the CVQ) holds, by IOVA: command buffer RO, status RW, shadow vring driver
    // area RO (2 pages), device area RW — 4 runs. Every set_map builds a hardware MR for its ASID
    // (set_map_data), the CVQ's too: unmapping the driver area leaves 3 runs (3 direct + 1
    // indirect = 4 MKEYs), the device area 2 runs (3). The reset (CLEAN_MAP) gives ASID 0 back its
    // identity MR (1). The listener batch leaves ASID 0 empty (no MR). The CVQ buffers: 1 run (2),
    // then none: 4 + 3 + 1 + 2 = 10.
    expect(r.stop.mkeys).toBe(10);
    // Start: everything is in ASID 0 now. IOVAs first-fit from 0x1000: vq0 RO 2 pages, RW 1;
    // vq1 RO 2, RW 1; CVQ command buffer RO 1, status RW 1; CVQ vring RO 2, RW 1 — each a run of
    // its own (the permission alternates). Each UPDATE rebuilds the MR with one direct MKEY per run
    // plus the indirect one: 2 + 3 + … + 9 = 44. The listener batch then maps the 9 sections right
    // after (the first RAM section, RW, continues the last RW ring run): 8 ring runs, the PAM
    // pieces 5, RAM [1M,2G) 2 chunks of ≤ 1 GiB, the BIOS 1, RAM above 4G 14: 30 + 1 = 31.
    expect(r.start.mkeys).toBe(44 + 31);
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
    // use_va: nothing is pinned.
    expect(r.stop.unpinned).toBe(0);
    expect(r.start.pinned).toBe(0);
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
    // Start: with the data shadowed every shadow vring and the CVQ buffers sit in ASID 0: one
    // batch for them, then the listener batch = 2.
    expect(r.start.ioctls.IOTLB_BATCH_END).toBe(2);
    expect(r.start.rebuilds).toBe(2);
  });

  it('persistent IOTLB and batching on mlx5: two small batches, no RAM work', () => {
    const r = svqSwitch('mlx5', { iotlbPersist: true, batchMaps: true });
    expect(r.errors).toEqual([]);
    // Stop: the CVQ's vring and buffers in ASID 1; start: all QEMU memory in ASID 0.
    expect(r.stop.ioctls.IOTLB_BATCH_END).toBe(1);
    expect(r.start.ioctls.IOTLB_BATCH_END).toBe(1);
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
    // … while without the descriptor group each unbatched UPDATE of QEMU memory rebuilds it: 4
    // data ring areas, 2 CVQ buffers, 2 CVQ ring areas (the CVQ joins ASID 0 in SVQ mode) = 8.
    expect(svqSwitch('mlx5', { iotlbPersist: true }).start.asid0Rebuilds).toBe(8);
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

describe('SVQ switch with two queue pairs: one vhost_dev after the other, the CVQ last', () => {
  it('orders the stop and the start per vhost_dev, with features once, at the first', () => {
    const h = netHarness({ profile: shippedProfile('mlx5'), queuePairs: 2 });
    expect(h.run(h.net.init()).ok).toBe(true);
    expect(h.run(h.net.start(false, [], h.ctrl)).ok).toBe(true);
    h.tally.events.length = 0;
    expect(h.run(h.net.stop()).ok).toBe(true);
    const stop = messageSequence(h.tally.events).filter((l) => /^(SUSPEND|GET_VRING_BASE|IOTLB_INVALIDATE asid1|SET_STATUS 0x0)/.test(l));
    // qp0 and qp1 read their bases from the suspended device; the CVQ's shadow vring is unmapped
    // before the reset; its buffers after it.
    expect(stop).toEqual(['SUSPEND', 'GET_VRING_BASE 0', 'GET_VRING_BASE 1', 'GET_VRING_BASE 2', 'GET_VRING_BASE 3', 'IOTLB_INVALIDATE asid1 ×2', 'SET_STATUS 0x0', 'IOTLB_INVALIDATE asid1 ×2']);
    h.tally.events.length = 0;
    expect(h.run(h.net.start(true, h.net.vringBases, h.ctrl)).ok).toBe(true);
    const start = messageSequence(h.tally.events).filter((l) => /^(SET_FEATURES|SET_VRING_NUM|SET_VRING_ADDR|SET_GROUP_ASID)/.test(l));
    expect(start).toEqual([
      'SET_FEATURES',
      'SET_VRING_NUM 0',
      'SET_VRING_NUM 1',
      'SET_VRING_ADDR 0',
      'SET_VRING_ADDR 1',
      'SET_VRING_NUM 2',
      'SET_VRING_NUM 3',
      'SET_VRING_ADDR 2',
      'SET_VRING_ADDR 3',
      'SET_VRING_NUM 4',
      'SET_VRING_ADDR 4',
    ]);
    // The replay restores the two active queue pairs before the data vqs are enabled.
    const tail = messageSequence(h.tally.events).slice(-5);
    expect(tail).toEqual(['SET_VRING_ENABLE 4', 'SET_VRING_ENABLE 0', 'SET_VRING_ENABLE 1', 'SET_VRING_ENABLE 2', 'SET_VRING_ENABLE 3']);
  });
});

// Strategy stacks (proposals) on mlx5: the exact ordered messages of the switch. With persistent
// maps the reset keeps the listener (no RAM batch at all); with the descriptor group the data
// vqs' ring areas and the CVQ sit in ASID 1; with map batching QEMU's own maps go in one batch
// per ASID, the stop's after the reset and the start's before the features.
const PERSIST_STOP = ['SUSPEND', 'GET_VRING_BASE 0', 'GET_VRING_BASE 1'];
const STRATEGY_STACKS: { strategies: Partial<NetStrategies>; stop: string[]; start: string[] }[] = [
  {
    strategies: { descGroup: true, iotlbPersist: true },
    stop: [...PERSIST_STOP, 'IOTLB_INVALIDATE asid1 ×2', 'SET_STATUS 0x0', 'GET_STATUS', 'SET_STATUS 0x3', 'GET_STATUS', 'IOTLB_INVALIDATE asid1 ×2'],
    start: [
      'SET_GROUP_ASID group2 asid1', // proposal: the data vqs' descriptor group to ASID 1 before anything is mapped there
      'SET_FEATURES',
      'GET_STATUS',
      'SET_STATUS 0xb',
      'GET_STATUS',
      'SET_VRING_NUM 0',
      'SET_VRING_NUM 1',
      'SET_VRING_BASE 0 =0',
      'SET_VRING_KICK 0',
      'SET_VRING_CALL 0',
      'IOTLB_UPDATE asid1 ×2', // the shadow vring areas, in ASID 1
      'SET_VRING_ADDR 0',
      'SET_VRING_BASE 1 =0',
      'SET_VRING_KICK 1',
      'SET_VRING_CALL 1',
      'IOTLB_UPDATE asid1 ×2',
      'SET_VRING_ADDR 1',
      'GET_VRING_GROUP 2', // the CVQ joins them in ASID 1 (the reset bound every group to ASID 0)
      'SET_GROUP_ASID group1 asid1',
      'IOTLB_UPDATE asid1 ×2',
      'SET_VRING_NUM 2',
      'SET_VRING_BASE 2 =0',
      'SET_VRING_KICK 2',
      'SET_VRING_CALL 2',
      'IOTLB_UPDATE asid1 ×2',
      'SET_VRING_ADDR 2',
      'GET_STATUS', // no listener work: guest RAM stayed mapped in ASID 0
      'SET_STATUS 0xf',
      'GET_STATUS',
      'SET_VRING_ENABLE 2',
      'SET_VRING_ENABLE 0',
      'SET_VRING_ENABLE 1',
    ],
  },
  {
    strategies: { iotlbPersist: true, batchMaps: true },
    stop: [...PERSIST_STOP, 'SET_STATUS 0x0', 'GET_STATUS', 'SET_STATUS 0x3', 'GET_STATUS', 'IOTLB_BATCH_BEGIN asid1', 'IOTLB_INVALIDATE asid1 ×4', 'IOTLB_BATCH_END asid1'],
    start: [
      'IOTLB_BATCH_BEGIN asid0', // every shadow vring area and the CVQ buffers, one batch: one MR rebuild
      'IOTLB_UPDATE asid0 ×8',
      'IOTLB_BATCH_END asid0',
      'SET_FEATURES',
      'GET_STATUS',
      'SET_STATUS 0xb',
      'GET_STATUS',
      'SET_VRING_NUM 0',
      'SET_VRING_NUM 1',
      'SET_VRING_BASE 0 =0',
      'SET_VRING_KICK 0',
      'SET_VRING_CALL 0',
      'SET_VRING_ADDR 0',
      'SET_VRING_BASE 1 =0',
      'SET_VRING_KICK 1',
      'SET_VRING_CALL 1',
      'SET_VRING_ADDR 1',
      'SET_VRING_NUM 2',
      'SET_VRING_BASE 2 =0',
      'SET_VRING_KICK 2',
      'SET_VRING_CALL 2',
      'SET_VRING_ADDR 2',
      'GET_STATUS',
      'SET_STATUS 0xf',
      'GET_STATUS',
      'SET_VRING_ENABLE 2',
      'SET_VRING_ENABLE 0',
      'SET_VRING_ENABLE 1',
    ],
  },
];

describe('SVQ switch, strategy stacks on mlx5: exact ordered messages', () => {
  for (const stack of STRATEGY_STACKS) {
    it(Object.keys(stack.strategies).join(' + '), () => {
      const r = svqSwitch('mlx5', stack.strategies);
      expect(r.errors).toEqual([]);
      expect(r.stop.sequence).toEqual(stack.stop);
      expect(r.start.sequence).toEqual(stack.start);
    });
  }
});
