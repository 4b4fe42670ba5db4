// virtualDevice.ts — one virtual (managed) device of a management device, as seed 004 describes
// it: a virtio device created by VDEV_CREATE and driven only through admin commands. It is the
// generic vDPA device core (device/parents/vdpaDevAdd.ts) seen through its ops, plus what the
// seed adds around it: the device MMU, MSI entries with their enable and mask bits (pending
// interrupts recorded while masked), the config generation, per-vq notification areas, and the
// virtio 1.4 device mode and resource objects of device-parts migration.

import type { AddedDevice } from '../parents/vdpaDevAdd.js';
import type { DeviceCore } from '../core/deviceCore.js';
import type { DevParts, DevPartsObjType } from '../uapi/adminVq.js';
import { DeviceMmu } from './deviceMmu.js';

/** One MSI entry (seed 004 MSI class): address and data, enabled, masked, and an interrupt pending behind the mask. */
export interface MsiEntry {
  addr: number;
  data: number;
  enabled: boolean;
  masked: boolean;
  pending: boolean;
}

function freshMsi(): MsiEntry {
  return { addr: 0, data: 0, enabled: false, masked: false, pending: false };
}

/** Bytes of a virtual device's notification area per vq (one doorbell register each). */
export const NOTIFY_STRIDE = 4;
/** Where the management device's notification areas start, and how far apart two devices' are. */
const NOTIFY_BASE = 0x1000_0000;
const NOTIFY_PER_DEVICE = 0x1_0000;

export class VirtualDevice {
  /** The identifier VDEV_CREATE returned (never 0: 0 is the management device). */
  readonly id: number;
  /** The device as the management device drives it (its ops, port, views). */
  readonly dev: AddedDevice;
  /** The device core (the MMU binds vq ASIDs and installs address spaces through its mutators). */
  readonly core: DeviceCore;
  /** The device MMU. */
  readonly mmu: DeviceMmu;
  /** MSI entry of each vq. */
  readonly msiVq: MsiEntry[];
  /** MSI entry of the config space. */
  msiConfig: MsiEntry = freshMsi();
  /** config_generation: changes once a config value the driver read has changed. */
  generation = 0;
  /** Virtio 1.4 device mode: stopped (DEV_MODE_SET with VIRTIO_ADMIN_CMD_DEV_MODE_F_STOPPED). */
  stopped = false;
  /** Resource objects (VIRTIO_RESOURCE_OBJ_DEV_PARTS) by id, with the parts a GET object captured. */
  readonly objects = new Map<number, { type: DevPartsObjType; parts: DevParts | null }>();
  /** The VMM's MSI handler per vq (the interrupt the device raises). */
  private readonly handlers: (((vq: number) => void) | null)[];

  constructor(id: number, dev: AddedDevice, core: DeviceCore, keepMapsAtReset: boolean) {
    this.id = id;
    this.dev = dev;
    this.core = core;
    this.mmu = new DeviceMmu(core, keepMapsAtReset);
    this.msiVq = Array.from({ length: core.nvqs }, freshMsi);
    this.handlers = new Array<((vq: number) => void) | null>(core.nvqs).fill(null);
    for (let vq = 0; vq < core.nvqs; vq++) dev.ops.setVqCb(vq, (v) => this.interrupt(v));
  }

  /** The vq's notification area (VQ_NOTIFY_GET): one register per vq, disjoint between devices. */
  notifyArea(vq: number): { addr: number; size: number } {
    return { addr: NOTIFY_BASE + this.id * NOTIFY_PER_DEVICE + vq * NOTIFY_STRIDE, size: NOTIFY_STRIDE };
  }

  /** Whether `addr` is a notification register of this device (another device's is refused). */
  ownsNotify(addr: number): number | null {
    const off = addr - (NOTIFY_BASE + this.id * NOTIFY_PER_DEVICE);
    if (off < 0 || off % NOTIFY_STRIDE !== 0) return null;
    const vq = off / NOTIFY_STRIDE;
    return vq < this.core.nvqs ? vq : null;
  }

  /** Sets the VMM's handler of a vq's MSI. */
  setHandler(vq: number, h: ((vq: number) => void) | null): void {
    if (vq >= 0 && vq < this.handlers.length) this.handlers[vq] = h;
  }

  /** The device used buffers of `vq`: its MSI fires, or is recorded as pending while masked. */
  private interrupt(vq: number): void {
    const m = this.msiVq[vq];
    if (m === undefined || !m.enabled) return;
    if (m.masked) {
      m.pending = true;
      return;
    }
    this.handlers[vq]?.(vq);
  }

  /** MSI_VQ_MASK: unmasking delivers an interrupt that was pending (the seed's MUST). */
  maskVq(vq: number, masked: boolean): void {
    const m = this.msiVq[vq]!;
    m.masked = masked;
    if (!masked && m.pending) {
      m.pending = false;
      if (m.enabled) this.handlers[vq]?.(vq);
    }
  }

  /** What reset clears besides the core: every MSI disabled (the seed's MUST), the MMU (off, ASID 0), the device mode and its objects. */
  reset(): void {
    for (let vq = 0; vq < this.msiVq.length; vq++) this.msiVq[vq] = freshMsi();
    this.msiConfig = freshMsi();
    this.mmu.reset();
    this.stopped = false;
    this.objects.clear();
  }
}
