// guestRingSlot.ts — where the guest's virtio-net driver puts the rings of one vq, as QEMU's net
// clients read them back for passthrough (the guest-physical addresses they program the device with).

import type { SvqAreaSizes } from './svqRings.js';

/**
 * The guest's vring of `vq`, in low RAM from the NIC's slot start (1 MiB for the first NIC): one
 * slot per vq, 64 KiB (used ring at +32 KiB) unless the ring needs more, then its page-rounded
 * areas in 64 KiB units.
 */
export function guestVringAddrOf(sizes: SvqAreaSizes, guestRingGpa: number, vq: number): { desc: number; avail: number; used: number } {
  const usedAt = Math.max(0x8000, sizes.driverAreaBytes);
  const slot = Math.ceil((usedAt + sizes.deviceAreaBytes) / 0x10000) * 0x10000;
  const base = guestRingGpa + vq * slot;
  return { desc: base, avail: base + sizes.descBytes, used: base + usedAt };
}
