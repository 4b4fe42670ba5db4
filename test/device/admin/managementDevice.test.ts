// managementDevice.test.ts — the device-normative statements of seed 004 ("Introduce admin
// virtqueue as a new transport", virtio RFC, Aug 2021) that the management device implements,
// each with the status bits it sets, and the virtio 1.4 device-parts commands' preconditions.

import { describe, expect, it } from 'vitest';
import { mgmtSetup, RAM_HVA } from './helpers.js';
import { run } from '../helpers.js';
import { Status } from '../../../device/uapi/uapi.js';
import { ADMIN_F_CAP_VDEV, MmuErrReason, MmuFlag, type AdminCommand, type DevParts } from '../../../device/uapi/adminVq.js';

const RW = MmuFlag.READ | MmuFlag.WRITE;

describe('seed 004 device_id rules', () => {
  it('CAP: supported on device_id 0, failed on any other', () => {
    const h = mgmtSetup();
    expect(h.one({ op: 'CAP_GET', deviceId: 0 })).toEqual({ ok: true, value: ADMIN_F_CAP_VDEV });
    const id = h.create();
    expect(h.one({ op: 'CAP_GET', deviceId: id }).ok).toBe(false);
  });

  it('VDEV_CREATE fails unless device_id is 0; VDEV_DESTROY fails for device_id 0; a destroyed device is gone', () => {
    const h = mgmtSetup();
    const id = h.create();
    expect(h.one({ op: 'VDEV_CREATE', deviceId: id, virtioId: 1, queuePairs: 1 }).ok).toBe(false);
    expect(h.one({ op: 'VDEV_DESTROY', deviceId: 0 }).ok).toBe(false);
    expect(h.one({ op: 'VDEV_DESTROY', deviceId: id }).ok).toBe(true);
    const after = h.one({ op: 'STATUS_GET', deviceId: id });
    expect(after.ok ? 'ok' : after.errno).toBe('ENOENT');
  });

  it('every class of a virtual device fails for device_id 0', () => {
    const h = mgmtSetup();
    h.create();
    const cmds: AdminCommand[] = [
      { op: 'FEAT_DEVICE_GET', deviceId: 0 },
      { op: 'FEAT_DRIVER_SET', deviceId: 0, features: 0n },
      { op: 'STATUS_SET', deviceId: 0, status: 1 },
      { op: 'STATUS_GET', deviceId: 0 },
      { op: 'GENERATION_GET', deviceId: 0 },
      { op: 'CONFIG_GET', deviceId: 0, offset: 0, size: 1 },
      { op: 'MSI_VQ_SET', deviceId: 0, vq: 0, addr: 0, data: 0 },
      { op: 'VQ_ADDR_SET', deviceId: 0, vq: 0, desc: 0, driver: 0, device: 0 },
      { op: 'VQ_ENABLE_GET', deviceId: 0, vq: 0 },
      { op: 'VQ_SIZE_GET', deviceId: 0, vq: 0 },
      { op: 'VQ_NOTIFY_GET', deviceId: 0, vq: 0 },
      { op: 'MMU_ENABLE', deviceId: 0, enable: true },
      { op: 'MMU_MAP', deviceId: 0, asid: 0, iovaStart: 0, iovaEnd: 4095, uaddr: RAM_HVA, flags: RW },
    ];
    for (const c of cmds) expect(h.one(c).ok, c.op).toBe(false);
  });
});

describe('seed 004 basic facilities', () => {
  it('the virtual device does not offer VIRTIO_F_ADMIN_VQ (bit 41)', () => {
    const h = mgmtSetup();
    const id = h.create();
    const f = h.one({ op: 'FEAT_DEVICE_GET', deviceId: id });
    expect(f.ok && typeof f.value === 'bigint' && (f.value & (1n << 41n)) === 0n).toBe(true);
  });

  it('STATUS_SET 0 resets: STATUS_GET presents 0, every vq disabled (VQ_ENABLE_GET 0), sizes back to the maximum', () => {
    const h = mgmtSetup();
    const id = h.create();
    expect(h.one({ op: 'STATUS_SET', deviceId: id, status: Status.ACKNOWLEDGE | Status.DRIVER }).ok).toBe(true);
    expect(h.one({ op: 'VQ_SIZE_SET', deviceId: id, vq: 0, size: 256 }).ok).toBe(true);
    expect(h.one({ op: 'VQ_SIZE_GET', deviceId: id, vq: 0 })).toEqual({ ok: true, value: 256 });
    expect(h.one({ op: 'VQ_ENABLE_SET', deviceId: id, vq: 0, enable: true }).ok).toBe(true);
    expect(h.one({ op: 'VQ_ENABLE_GET', deviceId: id, vq: 0 })).toEqual({ ok: true, value: 1 });
    expect(h.one({ op: 'STATUS_SET', deviceId: id, status: 0 }).ok).toBe(true);
    expect(h.one({ op: 'STATUS_GET', deviceId: id })).toEqual({ ok: true, value: 0 });
    expect(h.one({ op: 'VQ_ENABLE_GET', deviceId: id, vq: 0 })).toEqual({ ok: true, value: 0 });
    const max = h.mgmt.vdev(id)!.core.caps.maxQueueSize;
    expect(h.one({ op: 'VQ_SIZE_GET', deviceId: id, vq: 0 })).toEqual({ ok: true, value: max });
  });

  it('a disabled vq is not live at DRIVER_OK: the vq worker takes nothing from it', () => {
    const h = mgmtSetup();
    const id = h.create();
    const core = h.mgmt.vdev(id)!.core;
    h.one({ op: 'STATUS_SET', deviceId: id, status: Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK });
    h.one({ op: 'VQ_ENABLE_SET', deviceId: id, vq: 1, enable: false });
    expect(core.running).toBe(true);
    expect(h.one({ op: 'VQ_ENABLE_GET', deviceId: id, vq: 1 })).toEqual({ ok: true, value: 0 });
    expect(core.vqLive(1)).toBe(false);
  });

  it('config accesses outside the config space fail; a config write changes the generation', () => {
    const h = mgmtSetup();
    const id = h.create();
    expect(h.one({ op: 'CONFIG_GET', deviceId: id, offset: 8, size: 2 }).ok).toBe(true);
    expect(h.one({ op: 'CONFIG_GET', deviceId: id, offset: 11, size: 2 }).ok).toBe(false);
    expect(h.one({ op: 'CONFIG_SET', deviceId: id, offset: 12, size: 1 }).ok).toBe(false);
    const g0 = h.one({ op: 'GENERATION_GET', deviceId: id });
    h.one({ op: 'CONFIG_SET', deviceId: id, offset: 0, size: 6 });
    const g1 = h.one({ op: 'GENERATION_GET', deviceId: id });
    expect(g0.ok && g1.ok && g1.value !== g0.value).toBe(true);
  });

  it('MSI: an interrupt raised while masked is pending and delivered on unmask; reset disables every MSI', () => {
    const h = mgmtSetup();
    const id = h.create();
    const v = h.mgmt.vdev(id)!;
    const got: number[] = [];
    v.setHandler(0, (vq) => got.push(vq));
    h.one({ op: 'MSI_VQ_SET', deviceId: id, vq: 0, addr: 0xfee00000, data: 0 });
    h.one({ op: 'MSI_VQ_ENABLE', deviceId: id, vq: 0, on: true });
    h.one({ op: 'MSI_VQ_MASK', deviceId: id, vq: 0, on: true });
    h.one({ op: 'MSI_CONFIG_ENABLE', deviceId: id, on: true });
    // The device signals used buffers of vq 0 (what its vq worker calls).
    (v as unknown as { interrupt(vq: number): void }).interrupt(0);
    expect(got).toEqual([]);
    expect(v.msiVq[0]!.pending).toBe(true);
    h.one({ op: 'MSI_VQ_MASK', deviceId: id, vq: 0, on: false });
    expect(got).toEqual([0]);
    h.one({ op: 'STATUS_SET', deviceId: id, status: 0 });
    expect(v.msiVq.every((m) => !m.enabled)).toBe(true);
    expect(v.msiConfig.enabled).toBe(false);
  });

  it('VQ_NOTIFY_GET: one area per vq, none for a vq the device lacks, and no device owns another one\'s', () => {
    const h = mgmtSetup();
    const a = h.create();
    const b = h.create();
    const na = h.one({ op: 'VQ_NOTIFY_GET', deviceId: a, vq: 1 });
    expect(na.ok).toBe(true);
    expect(h.one({ op: 'VQ_NOTIFY_GET', deviceId: a, vq: 99 }).ok).toBe(false);
    const addr = na.ok ? (na.value as { addr: number }).addr : -1;
    expect(h.mgmt.vdev(a)!.ownsNotify(addr)).toBe(1);
    expect(h.mgmt.vdev(b)!.ownsNotify(addr)).toBeNull();
  });
});

describe('seed 004 device MMU', () => {
  function mmuDevice(keepMapsAtReset = true) {
    const h = mgmtSetup(undefined, { keepMapsAtReset });
    const id = h.create();
    h.one({ op: 'MMU_ENABLE', deviceId: id, enable: true });
    return { ...h, id, v: h.mgmt.vdev(id)! };
  }

  it('MAP fails on any intersection with a mapped range (ends inclusive)', () => {
    const h = mmuDevice();
    const map = (s: number, e: number) => h.one({ op: 'MMU_MAP', deviceId: h.id, asid: 0, iovaStart: s, iovaEnd: e, uaddr: RAM_HVA + s, flags: RW });
    expect(map(0x1000, 0x1fff).ok).toBe(true);
    const overlap = map(0x1fff, 0x2fff);
    expect(overlap.ok ? 'ok' : overlap.errno).toBe('EEXIST');
    expect(map(0x0, 0x1000).ok).toBe(false);
    expect(map(0x2000, 0x2fff).ok).toBe(true);
    expect(map(0x0, 0xfff).ok).toBe(true);
  });

  it('UNMAP removes every mapped range intersecting its range', () => {
    const h = mmuDevice();
    for (const s of [0x0, 0x10000, 0x20000]) h.one({ op: 'MMU_MAP', deviceId: h.id, asid: 0, iovaStart: s, iovaEnd: s + 0xfff, uaddr: RAM_HVA + s, flags: RW });
    expect(h.one({ op: 'MMU_UNMAP', deviceId: h.id, asid: 0, iovaStart: 0x800, iovaEnd: 0x10000 })).toEqual({ ok: true, value: 2 });
    expect(h.v.mmu.mappedBytes(0)).toBe(0x1000);
  });

  it('a translation failure sets DEVICE_NEEDS_RESET and DEVICE_MMU_FAIL, and MMU_ERR_GET reports it', () => {
    const h = mmuDevice();
    h.one({ op: 'MMU_MAP', deviceId: h.id, asid: 0, iovaStart: 0, iovaEnd: 0xfff, uaddr: RAM_HVA, flags: MmuFlag.READ });
    expect(h.one({ op: 'MMU_ERR_GET', deviceId: h.id }).ok).toBe(false);
    const d = h.v.core.dma(1, 'buffer', 0x100, 64, 'write');
    expect(d.ok).toBe(false);
    expect(h.v.core.status & (Status.DEVICE_NEEDS_RESET | Status.DEVICE_MMU_FAIL)).toBe(Status.DEVICE_NEEDS_RESET | Status.DEVICE_MMU_FAIL);
    expect(h.one({ op: 'MMU_ERR_GET', deviceId: h.id })).toEqual({
      ok: true,
      value: { reason: MmuErrReason.ACC_VIOLATION, queueIndex: 1, asid: 0, iovaStart: 0x100, iovaEnd: 0x13f, flags: MmuFlag.WRITE },
    });
    h.v.core.dma(0, 'buffer', 0x5000, 8, 'read');
    const e = h.one({ op: 'MMU_ERR_GET', deviceId: h.id });
    expect(e.ok && (e.value as { reason: number }).reason).toBe(MmuErrReason.NON_EXIST);
    expect(h.tally.faults()).toHaveLength(2);
  });

  it('ASIDs are per virtqueue: two vqs of one group translate through different address spaces', () => {
    const h = mmuDevice();
    const core = h.v.core;
    expect(core.vqGroup(0)).toBe(core.vqGroup(1));
    expect(h.one({ op: 'MMU_ASID_SET', deviceId: h.id, vq: 1, asid: 1 }).ok).toBe(true);
    h.one({ op: 'MMU_MAP', deviceId: h.id, asid: 0, iovaStart: 0, iovaEnd: 0xfff, uaddr: RAM_HVA, flags: RW });
    h.one({ op: 'MMU_MAP', deviceId: h.id, asid: 1, iovaStart: 0, iovaEnd: 0xfff, uaddr: RAM_HVA + 0x100000, flags: RW });
    expect(core.dma(0, 'buffer', 0x10, 4, 'read')).toEqual({ ok: true, value: RAM_HVA + 0x10 });
    expect(core.dma(1, 'desc', 0x10, 4, 'read')).toEqual({ ok: true, value: RAM_HVA + 0x100010 });
    expect(h.one({ op: 'MMU_ASID_SET', deviceId: h.id, vq: 1, asid: core.caps.nas }).ok).toBe(false);
  });

  it('reset disables the MMU and returns every vq to ASID 0; the maps stay or go as the scenario chose', () => {
    for (const keep of [true, false]) {
      const h = mmuDevice(keep);
      h.one({ op: 'MMU_ASID_SET', deviceId: h.id, vq: 2, asid: 1 });
      h.one({ op: 'MMU_MAP', deviceId: h.id, asid: 0, iovaStart: 0, iovaEnd: 0xfff, uaddr: RAM_HVA, flags: RW });
      h.one({ op: 'STATUS_SET', deviceId: h.id, status: 0 });
      expect(h.v.mmu.enabled).toBe(false);
      expect(h.v.core.spaces.every((s) => s.identity)).toBe(true);
      expect([0, 1, 2].map((vq) => h.v.core.asidFor(vq, 'buffer'))).toEqual([0, 0, 0]);
      expect(h.v.mmu.mappedBytes(0)).toBe(keep ? 0x1000 : 0);
    }
  });

  it('the management driver pins what a MAP maps and unpins what an UNMAP removes', () => {
    const h = mmuDevice();
    const cmd: AdminCommand = { op: 'MMU_MAP', deviceId: h.id, asid: 0, iovaStart: 0, iovaEnd: 0x3fff, uaddr: RAM_HVA, flags: RW };
    expect(run(h.kernel, h.driver.exec([cmd], true)).value.ok).toBe(true);
    expect(h.hostMemory.pinnedVm).toBe(4);
    // The device refuses the same map again: the driver's pins stay as they were.
    expect(run(h.kernel, h.driver.exec([cmd], true)).value.ok).toBe(false);
    expect(h.hostMemory.pinnedVm).toBe(4);
    expect(run(h.kernel, h.driver.exec([{ op: 'MMU_UNMAP', deviceId: h.id, asid: 0, iovaStart: 0x1000, iovaEnd: 0x1000 }], true)).value.ok).toBe(true);
    expect(h.hostMemory.pinnedVm).toBe(0);
    expect(h.tally.pinnedPages()).toBe(4);
    expect(h.tally.unpinnedPages()).toBe(4);
  });
});

describe('virtio 1.4 device parts', () => {
  function running() {
    const h = mgmtSetup();
    const id = h.create();
    for (const c of [
      { op: 'STATUS_SET', deviceId: id, status: Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK },
      { op: 'VQ_SIZE_SET', deviceId: id, vq: 0, size: 256 },
      { op: 'VQ_STATE_SET', deviceId: id, vq: 0, state: { lastAvailIdx: 77 } },
      { op: 'STATUS_SET', deviceId: id, status: Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK },
    ] as AdminCommand[]) {
      expect(h.one(c).ok, c.op).toBe(true);
    }
    return { ...h, id };
  }

  it('the parts are read only from a stopped device, through a parts-get object', () => {
    const h = running();
    const get = h.one({ op: 'RESOURCE_OBJ_CREATE', deviceId: h.id, objType: 'get' });
    const set = h.one({ op: 'RESOURCE_OBJ_CREATE', deviceId: h.id, objType: 'set' });
    const objId = get.ok ? (get.value as number) : -1;
    const busy = h.one({ op: 'DEV_PARTS_GET', deviceId: h.id, objId });
    expect(busy.ok ? 'ok' : busy.errno).toBe('EBUSY');
    expect(h.one({ op: 'DEV_MODE_SET', deviceId: h.id, stopped: true }).ok).toBe(true);
    expect(h.mgmt.vdev(h.id)!.core.running).toBe(false);
    expect(h.one({ op: 'DEV_PARTS_GET', deviceId: h.id, objId: set.ok ? (set.value as number) : -1 }).ok).toBe(false);
    const size = h.one({ op: 'DEV_PARTS_METADATA_GET', deviceId: h.id, objId });
    const parts = h.one({ op: 'DEV_PARTS_GET', deviceId: h.id, objId });
    expect(parts.ok && size.ok && (parts.value as DevParts).bytes === size.value).toBe(true);
    // 3 common parts, 2 per vq (3 vqs), 2 net parts; 16-byte headers.
    expect((parts.ok ? (parts.value as DevParts) : null)?.parts).toHaveLength(3 + 6 + 2);
    expect(h.one({ op: 'RESOURCE_OBJ_DESTROY', deviceId: h.id, objId }).ok).toBe(true);
    expect(h.one({ op: 'DEV_PARTS_METADATA_GET', deviceId: h.id, objId }).ok).toBe(false);
  });

  it('DEV_PARTS_SET brings a stopped device to the parts\' state; DEV_MODE_SET running resumes it', () => {
    const src = running();
    src.one({ op: 'DEV_MODE_SET', deviceId: src.id, stopped: true });
    const g = src.one({ op: 'RESOURCE_OBJ_CREATE', deviceId: src.id, objType: 'get' });
    const p = src.one({ op: 'DEV_PARTS_GET', deviceId: src.id, objId: g.ok ? (g.value as number) : -1 });
    const parts = p.ok ? (p.value as DevParts) : null;
    expect(parts).not.toBeNull();
    const dst = mgmtSetup();
    const id = dst.create();
    const s = dst.one({ op: 'RESOURCE_OBJ_CREATE', deviceId: id, objType: 'set' });
    const objId = s.ok ? (s.value as number) : -1;
    const busy = dst.one({ op: 'DEV_PARTS_SET', deviceId: id, objId, parts: parts! });
    expect(busy.ok ? 'ok' : busy.errno).toBe('EBUSY');
    dst.one({ op: 'DEV_MODE_SET', deviceId: id, stopped: true });
    expect(dst.one({ op: 'DEV_PARTS_SET', deviceId: id, objId, parts: parts! }).ok).toBe(true);
    const core = dst.mgmt.vdev(id)!.core;
    expect(core.vqs[0]!.lastAvailIdx).toBe(77);
    expect(core.status & Status.DRIVER_OK).toBe(Status.DRIVER_OK);
    expect(core.running).toBe(false);
    dst.one({ op: 'DEV_MODE_SET', deviceId: id, stopped: false });
    expect(core.running).toBe(true);
  });
});

describe('the admin virtqueue', () => {
  it('serial: a doorbell and a completion per command; queued: one per ring-full of commands', () => {
    const cmds = (id: number, n: number): AdminCommand[] => Array.from({ length: n }, () => ({ op: 'GENERATION_GET', deviceId: id }));
    const timeOf = (serial: boolean, n: number): number => {
      const h = mgmtSetup();
      const id = h.create();
      const t0 = h.kernel.now;
      const r = run(h.kernel, h.mgmt.queue.submit(cmds(id, n), serial));
      expect(r.value.every((x) => x.ok)).toBe(true);
      return r.t - t0;
    };
    const c = mgmtSetup().mgmt.costs;
    const cap = mgmtSetup().mgmt.queue.capacity;
    expect(cap).toBe(c.queueSize / 2);
    expect(timeOf(true, 40)).toBe(40 * (c.notifyNs + c.commandNs));
    // 40 commands, 32 per ring: two doorbells; the device's work per command is the same.
    expect(timeOf(false, 40)).toBe(Math.ceil(40 / cap) * c.notifyNs + 40 * c.commandNs);
  });

  it('returns every command\'s result in order, a failed one beside the others', () => {
    const h = mgmtSetup();
    const id = h.create();
    const r = run(h.kernel, h.mgmt.queue.submit([{ op: 'STATUS_GET', deviceId: id }, { op: 'STATUS_GET', deviceId: 0 }, { op: 'GENERATION_GET', deviceId: id }], false)).value;
    expect(r.map((x) => x.ok)).toEqual([true, false, true]);
  });
});
