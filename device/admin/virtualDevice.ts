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
  private readonly msiVqs: MsiEntry[];
  /** MSI entry of the config space. */
  private msiCfg: MsiEntry = freshMsi();
  /** config_generation: changes once a config value the driver read has changed. */
  private gen = 0;
  /** Virtio 1.4 device mode: stopped (DEV_MODE_SET with VIRTIO_ADMIN_CMD_DEV_MODE_F_STOPPED). */
  private isStopped = false;
  /** Resource objects (VIRTIO_RESOURCE_OBJ_DEV_PARTS) by id, with the parts a GET object captured. */
  private readonly objs = new Map<number, { type: DevPartsObjType; parts: DevParts | null }>();
  /** The VMM's MSI handler per vq (the interrupt the device raises). */
  private readonly handlers: (((vq: number) => void) | null)[];

  constructor(id: number, dev: AddedDevice, core: DeviceCore, keepMapsAtReset: boolean) {
    this.id = id;
    this.dev = dev;
    this.core = core;
    this.mmu = new DeviceMmu(core, keepMapsAtReset);
    this.msiVqs = Array.from({ length: core.nvqs }, freshMsi);
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

  /** MSI entry of each vq (read-only outside this file). */
  get msiVq(): readonly Readonly<MsiEntry>[] {
    return this.msiVqs;
  }
  /** MSI entry of the config space. */
  get msiConfig(): Readonly<MsiEntry> {
    return this.msiCfg;
  }
  /** config_generation. */
  get generation(): number {
    return this.gen;
  }
  /** The device mode is stopped. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** MSI_VQ_SET / MSI_CONFIG_SET (vq -1: the config space). */
  setMsi(vq: number, addr: number, data: number): void {
    const m = vq < 0 ? this.msiCfg : this.msiVqs[vq]!;
    m.addr = addr;
    m.data = data;
  }
  /** MSI_VQ_ENABLE / MSI_CONFIG_ENABLE. */
  enableMsi(vq: number, on: boolean): void {
    (vq < 0 ? this.msiCfg : this.msiVqs[vq]!).enabled = on;
  }
  /** A config write changed a value the driver may have read: the generation moves. */
  configWritten(): void {
    this.gen++;
  }
  /** DEV_MODE_SET took effect. */
  setStopped(stopped: boolean): void {
    this.isStopped = stopped;
  }
  /** RESOURCE_OBJ_CREATE under the given id. */
  addObject(id: number, type: DevPartsObjType): void {
    this.objs.set(id, { type, parts: null });
  }
  /** A resource object, if it exists. */
  object(id: number): Readonly<{ type: DevPartsObjType; parts: DevParts | null }> | undefined {
    return this.objs.get(id);
  }
  /** A GET object keeps the parts it captured (the metadata and the parts read agree). */
  captureParts(id: number, parts: DevParts): void {
    const o = this.objs.get(id);
    if (o !== undefined) o.parts = parts;
  }
  /** RESOURCE_OBJ_DESTROY: whether it existed. */
  removeObject(id: number): boolean {
    return this.objs.delete(id);
  }

  /** The device used buffers of `vq`: its MSI fires, or is recorded as pending while masked. */
  private interrupt(vq: number): void {
    const m = this.msiVqs[vq];
    if (m === undefined || !m.enabled) return;
    if (m.masked) {
      m.pending = true;
      return;
    }
    this.handlers[vq]?.(vq);
  }

  /** MSI_CONFIG_MASK. */
  maskConfig(masked: boolean): void {
    this.msiCfg.masked = masked;
  }

  /** MSI_VQ_MASK: unmasking delivers an interrupt that was pending (the seed's MUST). */
  maskVq(vq: number, masked: boolean): void {
    const m = this.msiVqs[vq]!;
    m.masked = masked;
    if (!masked && m.pending) {
      m.pending = false;
      if (m.enabled) this.handlers[vq]?.(vq);
    }
  }

  /** What reset clears besides the core: every MSI disabled (the seed's MUST), the MMU (off, ASID 0), the device mode and its objects. */
  reset(): void {
    for (let vq = 0; vq < this.msiVqs.length; vq++) this.msiVqs[vq] = freshMsi();
    this.msiCfg = freshMsi();
    this.mmu.reset();
    this.isStopped = false;
    this.objs.clear();
  }
}
