// coldPin.test.ts — vhost_vdpa_pa_map's pinning cost by page class: resident folios cost the pin,
// folios not resident yet are faulted in and zeroed first (once); one IOTLB entry per run.
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../sim/events/events.js';
import { Kernel } from '../../../sim/kernel/index.js';
import { HostMemory } from '../../../device/shared/hostMemory.js';
import { backingOf, type BackingKind } from '../../../device/shared/backing.js';
import { vdpaSimProfile } from '../../../device/profiles/vdpaSim.js';
import { defaultHostCosts } from '../../../device/vhost/hostCosts.js';
import type { Profile } from '../../../device/profiles/profile.js';
import { openDevice, run, MiB } from '../helpers.js';

/** vdpa_sim in pa mode (use_va=0): vhost-vdpa pins what it maps. */
const paSim: Profile = { ...vdpaSimProfile, capabilities: { ...vdpaSimProfile.capabilities, useVa: false, maxIotlbEntries: null }, costs: { ...vdpaSimProfile.costs, jitter: 0 } };
const h = defaultHostCosts;

function host(resident: boolean, backing: BackingKind = '4k') {
  const kernel = new Kernel();
  const hostMemory = new HostMemory();
  const hva = 2 ** 40;
  hostMemory.map('pc.ram', hva, 64 * MiB, 'guestRam', resident, backingOf(backing));
  const { fd } = openDevice({ kernel, bus: new EventBus(), hostMemory }, paSim, 'd', 1);
  return { kernel, fd, hostMemory, hva };
}

const c = paSim.costs;
const update = (iova: number, uaddr: number) => ({ type: 'update' as const, asid: 0, iova, size: 4 * MiB, uaddr, perm: 3 as const });

describe('pinning by page class', () => {
  it('4 KiB pages: cold pages pay fault, zeroing and pin, then only the pin once resident; one entry per page', () => {
    const s = host(false);
    expect(s.hostMemory.coldPages(s.hva, 4 * MiB)).toBe(1024);
    const { t: t1 } = run(s.kernel, s.fd.iotlbMsg(update(0, s.hva)));
    const cold = Math.round(1024 * (h.pinSmallPerPageNs + h.faultSmallNs) + ((4 * MiB) / h.zeroBytesPerSecond) * 1e9);
    expect(t1).toBe(c.ioctlNs + cold + Math.round(1024 * h.iotlbEntryAddNs) + c.setMapBaseNs);
    expect(s.hostMemory.coldPages(s.hva, 4 * MiB)).toBe(0);
    expect(s.fd.as[0]!.count).toBe(1024);
    const { t: t2 } = run(s.kernel, s.fd.iotlbMsg(update(8 * MiB, s.hva)));
    expect(t2 - t1).toBe(c.ioctlNs + Math.round(1024 * h.pinSmallPerPageNs) + Math.round(1024 * h.iotlbEntryAddNs) + c.setMapBaseNs);
  });

  it('THP: a resident 4 MiB range is two 2 MiB runs pinned at the large-folio rate; a cold one faults whole folios', () => {
    const s = host(true, 'thp');
    const { t } = run(s.kernel, s.fd.iotlbMsg(update(0, s.hva)));
    expect(t).toBe(c.ioctlNs + Math.round(1024 * h.pinLargePerSubpageNs) + Math.round(2 * h.iotlbEntryAddNs) + c.setMapBaseNs);
    expect(s.fd.as[0]!.count).toBe(2);
    const k = host(false, 'thp');
    k.hostMemory.touch(k.hva, 4096); // a write to one page populates its whole 2 MiB folio
    expect(k.hostMemory.coldPages(k.hva, 4 * MiB)).toBe(512);
    const { t: tk } = run(k.kernel, k.fd.iotlbMsg(update(0, k.hva)));
    const fault = Math.round(1024 * h.pinLargePerSubpageNs + h.faultLargeNs + ((2 * MiB) / h.zeroBytesPerSecond) * 1e9);
    expect(tk).toBe(c.ioctlNs + fault + Math.round(2 * h.iotlbEntryAddNs) + c.setMapBaseNs);
  });

  it('RLIMIT_MEMLOCK: a pin past the limit fails (ENOMEM in the handler, EFAULT from write()) and pins nothing', () => {
    const kernel = new Kernel();
    const hostMemory = new HostMemory();
    hostMemory.map('pc.ram', 2 ** 40, 64 * MiB, 'guestRam');
    const { fd } = openDevice({ kernel, bus: new EventBus(), hostMemory, hostCosts: { ...h, memlockLimitBytes: 6 * MiB } }, paSim, 'd', 1);
    expect(run(kernel, fd.iotlbMsg(update(0, 2 ** 40))).value.ok).toBe(true);
    const r = run(kernel, fd.iotlbMsg(update(8 * MiB, 2 ** 40 + 4 * MiB))).value;
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errno).toBe('EFAULT');
      expect(r.reason).toContain('ENOMEM');
    }
    expect(hostMemory.pinnedVm).toBe(1024);
  });

  it('use_va (vdpa_sim default): one entry per VMA piece, nothing pinned', () => {
    const kernel = new Kernel();
    const hostMemory = new HostMemory();
    hostMemory.map('pc.ram', 2 ** 40, 64 * MiB, 'guestRam', false);
    const { fd } = openDevice({ kernel, bus: new EventBus(), hostMemory }, vdpaSimProfile, 'd', 1);
    expect(run(kernel, fd.iotlbMsg(update(0, 2 ** 40))).value.ok).toBe(true);
    expect(hostMemory.pinnedPages).toBe(0);
    expect(fd.as[0]!.count).toBe(1);
  });
});
