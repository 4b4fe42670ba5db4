// vhostVdpa.test.ts — the vhost-vdpa rules with the kernel's errno: backend features, groups/ASIDs, status, vrings, IOTLB.
import { describe, expect, it } from 'vitest';
import { mlx5Profile } from '../../../device/profiles/mlx5.js';
import { vdpaSimProfile } from '../../../device/profiles/vdpaSim.js';
import { platformIommuProfile } from '../../../device/profiles/platformIommu.js';
import { Status, backendBit, type BackendFeatureName } from '../../../device/uapi/uapi.js';
import type { Result } from '../../../device/uapi/errno.js';
import { GiB, MiB, run, setup, ZERO_HOST_COSTS, paVdpaSim } from '../helpers.js';

const errnoOf = (r: Result<unknown>): string => (r.ok ? 'ok' : r.errno);
const bits = (...n: BackendFeatureName[]): number => n.reduce((m, x) => m | backendBit(x), 0);

describe('SET_BACKEND_FEATURES', () => {
  it('offers features per capability', () => {
    const sim = setup(vdpaSimProfile);
    const offered = run(sim.kernel, sim.fd.getBackendFeatures()).value;
    expect(offered.ok && (offered.value & backendBit('DESC_ASID'))).toBe(0);
    expect(offered.ok && (offered.value & backendBit('IOTLB_ASID')) !== 0).toBe(true);
    const mlx = setup(mlx5Profile);
    const o2 = run(mlx.kernel, mlx.fd.getBackendFeatures()).value;
    expect(o2.ok && (o2.value & bits('DESC_ASID', 'IOTLB_PERSIST', 'SUSPEND', 'RESUME'))).toBe(bits('DESC_ASID', 'IOTLB_PERSIST', 'SUSPEND', 'RESUME'));
  });

  it('applies the kernel errno rules', () => {
    const sim = setup(vdpaSimProfile);
    const k = sim.kernel;
    expect(errnoOf(run(k, sim.fd.setBackendFeatures(1 << 20)).value)).toBe('EOPNOTSUPP');
    expect(errnoOf(run(k, sim.fd.setBackendFeatures(bits('DESC_ASID'))).value)).toBe('EINVAL');
    expect(errnoOf(run(k, sim.fd.setBackendFeatures(bits('IOTLB_ASID', 'DESC_ASID'))).value)).toBe('EOPNOTSUPP');
    const noPersist = setup({ ...vdpaSimProfile, capabilities: { ...vdpaSimProfile.capabilities, iotlbPersist: false, resetMap: false } });
    expect(errnoOf(run(noPersist.kernel, noPersist.fd.setBackendFeatures(bits('IOTLB_PERSIST'))).value)).toBe('EOPNOTSUPP');
    // Derived, not declared: reset_map alone makes vhost-vdpa offer IOTLB_PERSIST (vhost_vdpa_has_persistent_map).
    const resetMapOnly = setup({ ...vdpaSimProfile, capabilities: { ...vdpaSimProfile.capabilities, iotlbPersist: false, resetMap: true } });
    expect(errnoOf(run(resetMapOnly.kernel, resetMapOnly.fd.setBackendFeatures(bits('IOTLB_PERSIST'))).value)).toBe('ok');
    const noSuspend = setup({ ...vdpaSimProfile, capabilities: { ...vdpaSimProfile.capabilities, suspend: false } });
    expect(errnoOf(run(noSuspend.kernel, noSuspend.fd.setBackendFeatures(bits('SUSPEND'))).value)).toBe('EOPNOTSUPP');
    const mlx = setup(mlx5Profile);
    expect(errnoOf(run(mlx.kernel, mlx.fd.setBackendFeatures(bits('IOTLB_ASID', 'DESC_ASID', 'IOTLB_PERSIST'))).value)).toBe('ok');
  });
});

describe('groups and ASIDs', () => {
  it('SET_GROUP_ASID and the group queries check what the kernel checks, with its errno', () => {
    const { kernel: k, fd } = setup(mlx5Profile);
    // No backend feature is needed: SET_GROUP_ASID works on the op, GET_VRING_DESC_GROUP on the op.
    expect(errnoOf(run(k, fd.setGroupAsid(1, 1)).value)).toBe('ok');
    expect(run(k, fd.getVringDescGroup(0)).value).toEqual({ ok: true, value: 2 });
    expect(run(k, fd.getVringDescGroup(2)).value).toEqual({ ok: true, value: 1 }); // CVQ of 1 queue pair
    // The group number goes through the vring prelude (>= nvqs: ENOBUFS), the ASID against nas.
    expect(errnoOf(run(k, fd.setGroupAsid(3, 0)).value)).toBe('ENOBUFS'); // nvqs = 3
    expect(errnoOf(run(k, fd.setGroupAsid(0, 2)).value)).toBe('EINVAL'); // nas = 2
    expect(errnoOf(run(k, fd.getVringGroup(3)).value)).toBe('ENOBUFS');
    // A parent without get_vq_desc_group: EOPNOTSUPP.
    const sim = setup(vdpaSimProfile);
    expect(errnoOf(run(sim.kernel, sim.fd.getVringDescGroup(0)).value)).toBe('EOPNOTSUPP');
  });

  it('SUSPEND before DRIVER_OK does nothing; a device without the op is EOPNOTSUPP', () => {
    const { kernel: k, fd, device } = setup(mlx5Profile);
    expect(errnoOf(run(k, fd.suspend()).value)).toBe('ok');
    expect(device.suspended).toBe(false);
    const noSuspend = setup({ ...mlx5Profile, capabilities: { ...mlx5Profile.capabilities, suspend: false } });
    run(noSuspend.kernel, noSuspend.fd.setStatus(Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK));
    expect(errnoOf(run(noSuspend.kernel, noSuspend.fd.suspend()).value)).toBe('EOPNOTSUPP');
  });

  it('reset rebinds every group to ASID 0', () => {
    const { kernel: k, fd, device } = setup(mlx5Profile);
    run(k, fd.setBackendFeatures(bits('IOTLB_ASID', 'DESC_ASID')));
    run(k, fd.setGroupAsid(1, 1));
    run(k, fd.setGroupAsid(2, 1));
    expect(device.groupAsid).toEqual([0, 1, 1]);
    run(k, fd.setStatus(0));
    expect(device.groupAsid).toEqual([0, 0, 0]);
  });
});

describe('status and vring rules', () => {
  it('clearing status bits without reset is EINVAL; SET_FEATURES after FEATURES_OK is EBUSY', () => {
    const { kernel: k, fd } = setup(vdpaSimProfile);
    run(k, fd.setStatus(Status.ACKNOWLEDGE | Status.DRIVER));
    expect(errnoOf(run(k, fd.setStatus(Status.ACKNOWLEDGE)).value)).toBe('EINVAL');
    run(k, fd.setStatus(Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK));
    expect(errnoOf(run(k, fd.setFeatures(1n << 32n)).value)).toBe('EBUSY');
  });

  it('vring address/base/num change only before DRIVER_OK or while suspended', () => {
    const { kernel: k, fd } = setup(vdpaSimProfile);
    run(k, fd.setBackendFeatures(bits('SUSPEND', 'RESUME')));
    expect(errnoOf(run(k, fd.setVringNum(0, 100)).value)).toBe('EINVAL'); // not a power of two
    expect(errnoOf(run(k, fd.setVringNum(0, 256)).value)).toBe('ok');
    run(k, fd.setStatus(Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK));
    expect(errnoOf(run(k, fd.setVringAddr(0, { desc: 0, avail: 4096, used: 8192 })).value)).toBe('EINVAL');
    expect(errnoOf(run(k, fd.setVringBase(0, { lastAvailIdx: 5 })).value)).toBe('EINVAL');
    expect(errnoOf(run(k, fd.setVringNum(0, 128)).value)).toBe('EINVAL');
    run(k, fd.suspend());
    expect(errnoOf(run(k, fd.setVringBase(0, { lastAvailIdx: 5 })).value)).toBe('ok');
    expect(run(k, fd.getVringBase(0)).value).toEqual({ ok: true, value: { lastAvailIdx: 5 } });
    expect(errnoOf(run(k, fd.setVringAddr(9, { desc: 0, avail: 0, used: 0 })).value)).toBe('ENOBUFS');
  });

  it('every call costs at least ioctlNs and reports a MessageEvent with its errno', () => {
    const { kernel: k, fd, tally } = setup(vdpaSimProfile);
    const { t } = run(k, fd.getStatus());
    expect(t).toBe(vdpaSimProfile.costs.ioctlNs);
    run(k, fd.setBackendFeatures(1 << 20));
    expect(tally.msgs('GET_STATUS')).toBe(1);
    expect(tally.msgs('SET_BACKEND_FEATURES', 'EOPNOTSUPP')).toBe(1);
  });
});

describe('IOTLB messages', () => {
  // A failed message handler surfaces from write() as EFAULT (vhost_chr_write_iter); the
  // handler's errno is kept in the reason.
  const handlerErrno = (r: Result<unknown>): string => (r.ok ? 'ok' : `${r.errno}/${/handler: (E[A-Z]+)/.exec(r.reason)?.[1] ?? '-'}`);

  it('UPDATE overlapping, a foreign ASID inside a batch, an ASID >= nas, unmapped memory: write() fails with EFAULT', () => {
    const { kernel: k, fd, ramHva } = setup(vdpaSimProfile);
    run(k, fd.setBackendFeatures(bits('IOTLB_MSG_V2', 'IOTLB_BATCH', 'IOTLB_ASID')));
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: MiB, uaddr: ramHva, perm: 3 })).value)).toBe('ok');
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'update', asid: 0, iova: 4096, size: MiB, uaddr: ramHva, perm: 3 })).value)).toBe('EFAULT/EEXIST');
    run(k, fd.iotlbMsg({ type: 'batchBegin', asid: 0 }));
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'update', asid: 1, iova: 0, size: 4096, uaddr: ramHva, perm: 3 })).value)).toBe('EFAULT/EINVAL');
    run(k, fd.iotlbMsg({ type: 'batchEnd', asid: 0 }));
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'update', asid: 2, iova: 0, size: 4096, uaddr: ramHva, perm: 3 })).value)).toBe('EFAULT/EINVAL');
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'update', asid: 1, iova: 0, size: 4096, uaddr: 0, perm: 3 })).value)).toBe('EFAULT/EFAULT');
  });

  it('an UPDATE outside the device\'s IOVA range (get_iova_range) is EINVAL in the handler, EFAULT from write()', () => {
    const s = setup({ ...paVdpaSim, capabilities: { ...paVdpaSim.capabilities, iovaRange: { first: 0x1000, last: 0xffff_ffff } } }, { hostCosts: ZERO_HOST_COSTS });
    const range = run(s.kernel, s.fd.getIovaRange()).value;
    expect(range.ok && range.value).toEqual({ first: 0x1000, last: 0xffff_ffff });
    for (const iova of [0, 0xffff_f000 + 0x1000]) {
      const r = run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova, size: 4096, uaddr: s.ramHva, perm: 3 })).value;
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.errno).toBe('EFAULT');
        expect(r.reason).toContain('EINVAL');
      }
    }
    expect(run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0xffff_f000, size: 4096, uaddr: s.ramHva, perm: 3 })).value.ok).toBe(true);
  });

  it('size 0 is EINVAL before the handler runs', () => {
    const { kernel: k, fd, ramHva } = setup(vdpaSimProfile);
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: 0, uaddr: ramHva, perm: 3 })).value)).toBe('EINVAL/-');
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'invalidate', asid: 0, iova: 0, size: 0 })).value)).toBe('EINVAL/-');
  });

  it('an ASID gets its IOTLB at its first UPDATE or BATCH_BEGIN; INVALIDATE or BATCH_END before that fails', () => {
    const { kernel: k, fd, ramHva } = setup(vdpaSimProfile);
    run(k, fd.setBackendFeatures(bits('IOTLB_MSG_V2', 'IOTLB_BATCH', 'IOTLB_ASID')));
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'invalidate', asid: 1, iova: 0, size: 4096 })).value)).toBe('EFAULT/EINVAL');
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'batchEnd', asid: 1 })).value)).toBe('EFAULT/EINVAL');
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'batchBegin', asid: 1 })).value)).toBe('ok');
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'batchEnd', asid: 1 })).value)).toBe('ok');
    // Allocated now: an INVALIDATE of nothing succeeds, and so does a BATCH_END without BEGIN.
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'invalidate', asid: 1, iova: 0, size: 4096 })).value)).toBe('ok');
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'batchEnd', asid: 1 })).value)).toBe('ok');
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: 4096, uaddr: ramHva, perm: 3 })).value)).toBe('ok');
  });

  it('without IOTLB_ASID a non-zero ASID is padding: the message goes to ASID 0', () => {
    const { kernel: k, fd, ramHva, device } = setup(vdpaSimProfile);
    expect(handlerErrno(run(k, fd.iotlbMsg({ type: 'update', asid: 1, iova: 0, size: 4096, uaddr: ramHva, perm: 3 })).value)).toBe('ok');
    expect(fd.as[0]!.count).toBe(1);
    expect(fd.as[1]!.count).toBe(0);
    expect(device.spaces[0]!.iotlb.count).toBe(1);
  });

  it('set_map device: N unbatched UPDATEs rebuild N times, one batch of N rebuilds once', () => {
    const N = 10;
    const a = setup(vdpaSimProfile);
    for (let i = 0; i < N; i++) run(a.kernel, a.fd.iotlbMsg({ type: 'update', asid: 0, iova: i * MiB, size: MiB, uaddr: a.ramHva + i * MiB, perm: 3 }));
    expect(a.tally.mapWork('setMapRebuild')).toBe(N);
    const b = setup(vdpaSimProfile);
    run(b.kernel, b.fd.iotlbMsg({ type: 'batchBegin', asid: 0 }));
    for (let i = 0; i < N; i++) run(b.kernel, b.fd.iotlbMsg({ type: 'update', asid: 0, iova: i * MiB, size: MiB, uaddr: b.ramHva + i * MiB, perm: 3 }));
    expect(b.tally.mapWork('setMapRebuild')).toBe(0);
    run(b.kernel, b.fd.iotlbMsg({ type: 'batchEnd', asid: 0 }));
    expect(b.tally.mapWork('setMapRebuild')).toBe(1);
    expect(b.tally.msgs('IOTLB_UPDATE')).toBe(N);
    // Unbatched INVALIDATE also rebuilds once.
    run(b.kernel, b.fd.iotlbMsg({ type: 'invalidate', asid: 0, iova: 0, size: 3 * MiB }));
    expect(b.tally.mapWork('setMapRebuild')).toBe(2);
    expect(b.device.spaces[0]!.iotlb.count).toBe(N - 3);
  });

  it('dma_map device pays per range immediately, inside a batch too', () => {
    const p = setup(platformIommuProfile, { hostCosts: ZERO_HOST_COSTS });
    const c = platformIommuProfile.costs;
    run(p.kernel, p.fd.iotlbMsg({ type: 'batchBegin', asid: 0 }));
    const t0 = p.kernel.now;
    const { t } = run(p.kernel, p.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: 2 * MiB, uaddr: p.ramHva, perm: 3 }));
    // ioctl + one range per 4 KiB run (512 of them: one dma_map call each) + 512 pages of IOMMU updates (host costs zero here).
    expect(t - t0).toBe(c.ioctlNs + 512 * c.dmaMapPerRangeNs + 512 * c.dmaMapPerPageNs);
    expect(p.tally.mapWork('dmaMap')).toBe(1);
    expect(p.device.spaces[0]!.iotlb.count).toBe(512);
  });

  it('every UPDATE pins its pages (pin_user_pages per call), INVALIDATE unpins; host memory counts each page once', () => {
    const s = setup(paVdpaSim, { hostCosts: ZERO_HOST_COSTS });
    run(s.kernel, s.fd.setBackendFeatures(bits('IOTLB_ASID')));
    const c = vdpaSimProfile.costs;
    const t0 = s.kernel.now;
    const { t: t1 } = run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: 4 * MiB, uaddr: s.ramHva, perm: 3 }));
    // 1024 pages = 2 chunks of 512.
    expect(t1 - t0).toBe(c.ioctlNs + c.setMapBaseNs);
    expect(s.hostMemory.pinnedPages).toBe(1024);
    // The same host pages mapped again in ASID 1: pinned (and paid) again, one more pin each.
    const { t: t2 } = run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 1, iova: 0, size: 4 * MiB, uaddr: s.ramHva, perm: 1 }));
    expect(t2 - t1).toBe(c.ioctlNs + c.setMapBaseNs);
    expect(s.tally.pinnedPages()).toBe(2048);
    expect(s.hostMemory.pinnedPages).toBe(1024);
    run(s.kernel, s.fd.iotlbMsg({ type: 'invalidate', asid: 0, iova: 0, size: 4 * MiB }));
    expect(s.hostMemory.pinnedPages).toBe(1024); // still pinned by ASID 1
    run(s.kernel, s.fd.iotlbMsg({ type: 'invalidate', asid: 1, iova: 0, size: 4 * MiB }));
    expect(s.hostMemory.pinnedPages).toBe(0);
    expect(s.tally.unpinnedPages()).toBe(2048);
  });

  it('vdpa_sim: past 2048 entries an unbatched UPDATE fails (set_map ENOSPC, write() EFAULT) and is rolled back', () => {
    const s = setup({ ...paVdpaSim, capabilities: { ...paVdpaSim.capabilities, maxIotlbEntries: 2048 } }, { hostCosts: ZERO_HOST_COSTS });
    for (let i = 0; i < 2048; i++) run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: i * 8192, size: 4096, uaddr: s.ramHva + i * 4096, perm: 3 }));
    const r = run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 2048 * 8192, size: 4096, uaddr: s.ramHva + 2048 * 4096, perm: 3 })).value;
    expect(errnoOf(r)).toBe('EFAULT');
    expect(r.ok ? '' : r.reason).toContain('ENOSPC');
    expect(s.fd.as[0]!.count).toBe(2048);
    expect(s.hostMemory.pinnedPages).toBe(2048);
  });
});

describe('reset and maps', () => {
  function mapped(profile = paVdpaSim, persist = false) {
    const s = setup(profile);
    run(s.kernel, s.fd.setBackendFeatures(bits('IOTLB_MSG_V2', 'IOTLB_BATCH', 'IOTLB_ASID') | (persist ? bits('IOTLB_PERSIST') : 0)));
    run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: GiB, uaddr: s.ramHva, perm: 3 }));
    return s;
  }

  it('without IOTLB_PERSIST reset drops the device\'s map; the vhost-side map and its pins stay until INVALIDATE', () => {
    const s = mapped();
    expect(s.hostMemory.pinnedPages).toBe(GiB / 4096);
    run(s.kernel, s.fd.setStatus(0));
    expect(s.device.spaces[0]!.identity).toBe(true); // vdpa_sim returns to its passthrough map
    expect(s.fd.as[0]!.count).toBe(GiB / 4096); // one entry per 4 KiB run (small pages)
    expect(s.hostMemory.pinnedPages).toBe(GiB / 4096);
    run(s.kernel, s.fd.iotlbMsg({ type: 'invalidate', asid: 0, iova: 0, size: GiB }));
    expect(s.fd.as[0]!.count).toBe(0);
    expect(s.hostMemory.pinnedPages).toBe(0);
  });

  it('with IOTLB_PERSIST maps and pins survive reset', () => {
    const s = mapped(paVdpaSim, true);
    run(s.kernel, s.fd.setStatus(0));
    expect(s.fd.as[0]!.count).toBe(GiB / 4096);
    expect(s.device.spaces[0]!.iotlb.count).toBe(GiB / 4096);
    expect(s.device.spaces[0]!.identity).toBe(false);
    expect(s.hostMemory.pinnedPages).toBe(GiB / 4096);
  });

  it('mlx5 starts 1:1, loses it at the first set_map, and gets it back through reset_map', () => {
    const s = setup(mlx5Profile);
    expect(s.device.spaces[0]!.identity).toBe(true);
    expect(s.device.dma(0, 'buffer', 0x1234, 64, 'write')).toEqual({ ok: true, value: 0x1234 });
    run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: GiB, uaddr: s.ramHva, perm: 3 }));
    expect(s.device.spaces[0]!.identity).toBe(false);
    expect(s.device.dma(0, 'buffer', 0x1234, 64, 'write')).toEqual({ ok: true, value: s.ramHva + 0x1234 });
    run(s.kernel, s.added.ops.resetMap!(0));
    expect(s.device.spaces[0]!.identity).toBe(true);
    expect(s.tally.mapWork('resetMap')).toBe(1);
  });
});
