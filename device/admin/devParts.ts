// devParts.ts — a device's parts (virtio 1.4 "device parts", struct virtio_dev_part: a 16-byte
// struct virtio_dev_part_hdr — type, flags, selector, length — and its value), as DEV_PARTS_GET
// reads them from a stopped device and DEV_PARTS_SET writes them into the destination's. The size
// follows the state: common parts (features, status), one configuration and one state part per
// virtqueue, and the net device's receive filters (a VLAN filter bitmap only when VLANs are set).
// The value sizes are svqsim's estimate of the spec's part layouts, not a transcription.

import type { DevPart, DevParts, DevPartsState } from '../uapi/adminVq.js';

/** struct virtio_dev_part_hdr: le16 type, u8 flags, u8 reserved, 8-byte selector, le32 length. */
const PART_HDR_BYTES = 16;

/** Value bytes of each part type. */
const VALUE_BYTES = {
  deviceFeatures: 8,
  driverFeatures: 8,
  deviceStatus: 1,
  /** Queue size, the three area addresses, enable, notification data. */
  vqConfig: 32,
  /** Split: last_avail_idx and used index; packed: the two indices with their wrap counters. */
  vqState: 4,
  /** MAC, link status, max_virtqueue_pairs. */
  netConfig: 12,
  /** Active queue pairs (VIRTIO_NET_CTRL_MQ). */
  netMq: 2,
  /** The 4096-bit VLAN filter (VIRTIO_NET_CTRL_VLAN). */
  netVlanFilter: 512,
} as const;

function part(type: keyof typeof VALUE_BYTES, vq = -1): DevPart {
  return { type, vq, bytes: PART_HDR_BYTES + VALUE_BYTES[type] };
}

/** The parts a device in `state` has. */
export function devPartsOf(state: DevPartsState): DevParts {
  const parts: DevPart[] = [part('deviceFeatures'), part('driverFeatures'), part('deviceStatus')];
  state.vqs.forEach((_, vq) => parts.push(part('vqConfig', vq), part('vqState', vq)));
  parts.push(part('netConfig'), part('netMq'));
  if (state.net.vlans.length > 0) parts.push(part('netVlanFilter'));
  return { parts, bytes: parts.reduce((n, p) => n + p.bytes, 0), state };
}
