// svqValidFeatures.ts — QEMU's check that the shadow virtqueue can drive the features a vhost-vdpa
// net device offers (net/vhost-vdpa.c vhost_vdpa_net_valid_svq_features, then
// hw/virtio/vhost-shadow-virtqueue.c vhost_svq_valid_features); a failure is a migration blocker.

/** First and last transport feature bit (QEMU's include/standard-headers/linux/virtio_config.h, synced with VIRTIO_F_ADMIN_VQ = 41). */
export const VIRTIO_TRANSPORT_F_START = 28;
export const VIRTIO_TRANSPORT_F_END = 42;

/** Transport bits the checks name (virtio 1.3, section 6 "Reserved Feature Bits"); the others print as their number. */
const TRANSPORT_NAMES: Readonly<Record<number, string>> = {
  28: 'RING_F_INDIRECT_DESC',
  29: 'RING_F_EVENT_IDX',
  32: 'VERSION_1',
  33: 'ACCESS_PLATFORM',
  34: 'RING_PACKED',
  35: 'IN_ORDER',
  36: 'ORDER_PLATFORM',
  37: 'SR_IOV',
  38: 'NOTIFICATION_DATA',
  39: 'PARTIAL_ORDER (proposed)',
  40: 'RING_RESET',
  41: 'ADMIN_VQ',
};

/**
 * vdpa_svq_device_features (net/vhost-vdpa.c): the device-specific bits SVQ forwards. Bit numbers
 * from the virtio-net section of the spec; VHOST_F_LOG_ALL (26) is the bit SVQ itself exposes.
 */
const SVQ_DEVICE_FEATURE_BITS: readonly number[] = [
  0, // CSUM
  1, // GUEST_CSUM
  2, // CTRL_GUEST_OFFLOADS
  3, // MTU
  5, // MAC
  7, // GUEST_TSO4
  8, // GUEST_TSO6
  9, // GUEST_ECN
  10, // GUEST_UFO
  11, // HOST_TSO4
  12, // HOST_TSO6
  13, // HOST_ECN
  14, // HOST_UFO
  15, // MRG_RXBUF
  16, // STATUS
  17, // CTRL_VQ
  18, // CTRL_RX
  19, // CTRL_VLAN
  20, // CTRL_RX_EXTRA
  22, // MQ
  23, // CTRL_MAC_ADDR
  26, // VHOST_F_LOG_ALL
  27, // ANY_LAYOUT
  57, // HASH_REPORT
  60, // RSS
  61, // RSC_EXT
  62, // STANDBY
  63, // SPEED_DUPLEX
];

function maskOf(bits: readonly number[]): bigint {
  let m = 0n;
  for (const b of bits) m |= 1n << BigInt(b);
  return m;
}

const SVQ_DEVICE_FEATURES = maskOf(SVQ_DEVICE_FEATURE_BITS);

/** MAKE_64BIT_MASK(START, END - START): bits START..END-1, all let through by the first check. */
const TRANSPORT_MASK = ((1n << BigInt(VIRTIO_TRANSPORT_F_END - VIRTIO_TRANSPORT_F_START)) - 1n) << BigInt(VIRTIO_TRANSPORT_F_START);

/** Transport bits the SVQ accepts whether offered or not (ANY_LAYOUT is bit 27, below the range). */
const ACCEPTED = new Set([29]); // RING_F_EVENT_IDX
/** Transport bits the SVQ requires: VERSION_1 (little-endian guest vring) and ACCESS_PLATFORM (it trusts the host IOMMU). */
const REQUIRED = new Set([32, 33]);
const RING_PACKED = 34;
const PARTIAL_ORDER = 39;

/** What the VMM's SVQ accepts beyond upstream (proposals; both false is upstream QEMU). */
export interface SvqFeatureRules {
  /** Proposal: packed virtqueue support in SVQ (Sahil Siddiq's series): RING_PACKED passes. */
  packed: boolean;
  /** Proposal: SVQ forwarding the proposed PARTIAL_ORDER (seed 003, with the pageFaults strategy): bit 39 passes. */
  partialOrder: boolean;
}

export const UPSTREAM_SVQ_RULES: Readonly<SvqFeatureRules> = { packed: false, partialOrder: false };

/** The check's verdict: ok, or the bits that block and the reason QEMU's Error would carry. */
export type SvqFeatureCheck =
  | { ok: true }
  | {
      ok: false;
      /** Offered bits SVQ cannot forward. */
      refused: bigint;
      /** Required bits the device does not offer. */
      missing: bigint;
      /** The QEMU function that refused (the first failing of the two). */
      by: 'vhost_vdpa_net_valid_svq_features' | 'vhost_svq_valid_features';
      reason: string;
    };

/** Names of the set bits of `mask`, lowest first. */
export function featureBitNames(mask: bigint): string[] {
  const out: string[] = [];
  for (let b = 0; b < 64; b++) {
    if ((mask & (1n << BigInt(b))) === 0n) continue;
    const name = TRANSPORT_NAMES[b];
    out.push(name === undefined ? `bit ${b}` : `${name} (${b})`);
  }
  return out;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * vhost_svq_valid_features: walks the transport bits START..END (inclusive): EVENT_IDX passes,
 * VERSION_1 and ACCESS_PLATFORM must be offered, every other offered transport bit fails it —
 * RING_PACKED and PARTIAL_ORDER only pass under their proposals. ORDER_PLATFORM (36) is refused
 * too: the 2023 patch that accepts it is not in the function.
 */
export function vhostSvqValidFeatures(features: bigint, rules: SvqFeatureRules = UPSTREAM_SVQ_RULES): SvqFeatureCheck {
  let refused = 0n;
  let missing = 0n;
  for (let b = VIRTIO_TRANSPORT_F_START; b <= VIRTIO_TRANSPORT_F_END; b++) {
    const bit = 1n << BigInt(b);
    const offered = (features & bit) !== 0n;
    if (ACCEPTED.has(b) || (b === RING_PACKED && rules.packed) || (b === PARTIAL_ORDER && rules.partialOrder)) continue;
    if (REQUIRED.has(b)) {
      if (!offered) missing |= bit;
    } else if (offered) {
      refused |= bit;
    }
  }
  if (refused === 0n && missing === 0n) return { ok: true };
  const parts = [
    ...(refused === 0n ? [] : [`offers ${featureBitNames(refused).join(', ')}, which SVQ cannot drive`]),
    ...(missing === 0n ? [] : [`lacks ${featureBitNames(missing).join(', ')}, which SVQ requires`]),
  ];
  const ok = (features & ~refused) | missing;
  return { ok: false, refused, missing, by: 'vhost_svq_valid_features', reason: `vhost_svq_valid_features: the device ${parts.join(' and ')} (offered ${hex(features)}, SVQ-compatible ${hex(ok)})` };
}

/**
 * vhost_vdpa_net_valid_svq_features: refuses offered device-specific bits outside
 * vdpa_svq_device_features (transport bits START..END-1 are left to the next check), then
 * vhost_svq_valid_features.
 */
export function vhostVdpaNetValidSvqFeatures(features: bigint, rules: SvqFeatureRules = UPSTREAM_SVQ_RULES): SvqFeatureCheck {
  const invalid = features & ~SVQ_DEVICE_FEATURES & ~TRANSPORT_MASK;
  if (invalid !== 0n) {
    return {
      ok: false,
      refused: invalid,
      missing: 0n,
      by: 'vhost_vdpa_net_valid_svq_features',
      reason: `vhost_vdpa_net_valid_svq_features: SVQ does not forward device features ${featureBitNames(invalid).join(', ')} (${hex(invalid)})`,
    };
  }
  return vhostSvqValidFeatures(features, rules);
}
