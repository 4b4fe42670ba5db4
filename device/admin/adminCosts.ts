// adminCosts.ts — the admin-vq transport's costs as a profile gives them, with the defaults for
// profiles that do not set them. No figure for a management device's admin commands, device MMU
// or device parts has been published for the shipped devices: every default here is unsourced.

import type { Costs } from '../profiles/profile.js';

/** The admin-vq costs of one device, resolved. */
export interface AdminCosts {
  /** Descriptors of the admin virtqueue (two per command: command-out-data, ack and command-in-data). */
  queueSize: number;
  /** Device work per admin command. */
  commandNs: number;
  /** One submission's doorbell write, completion interrupt and wake-up. */
  notifyNs: number;
  /** A device MMU MAP or UNMAP besides commandNs. */
  mmuMapNs: number;
  /** Device MMU table update per 4 KiB page mapped. */
  mmuMapPerPageNs: number;
  /** VDEV_CREATE. */
  vdevCreateNs: number;
  /** DEV_PARTS_GET/SET per byte of parts. */
  devPartsPerByteNs: number;
}

/** Defaults, all unsourced. */
const DEFAULTS: AdminCosts = {
  queueSize: 64, // unsourced: Linux's virtio_pci admin vq takes the size the device offers
  commandNs: 10_000, // unsourced: of the order of a firmware command (a CVQ command is 3.35 µs on vp_vdpa, Aug 2023)
  notifyNs: 5_000, // unsourced: doorbell MMIO write + MSI-X + wake-up
  mmuMapNs: 2_000, // unsourced
  mmuMapPerPageNs: 0.5, // unsourced
  vdevCreateNs: 10_000_000, // unsourced
  devPartsPerByteNs: 1, // unsourced: ~1 GB/s for the device to DMA its parts
};

/** The admin-vq costs of a profile: its fields where set, the defaults otherwise. */
export function adminCosts(c: Costs): AdminCosts {
  return {
    queueSize: c.adminVqSize ?? DEFAULTS.queueSize,
    commandNs: c.adminCommandNs ?? DEFAULTS.commandNs,
    notifyNs: c.adminNotifyNs ?? DEFAULTS.notifyNs,
    mmuMapNs: c.mmuMapNs ?? DEFAULTS.mmuMapNs,
    mmuMapPerPageNs: c.mmuMapPerPageNs ?? DEFAULTS.mmuMapPerPageNs,
    vdevCreateNs: c.vdevCreateNs ?? DEFAULTS.vdevCreateNs,
    devPartsPerByteNs: c.devPartsPerByteNs ?? DEFAULTS.devPartsPerByteNs,
  };
}
