// ringFlags.ts — the bit values the virtio spec defines for descriptors, used entries and event suppression.

/** Split and packed descriptor flag: the chain continues in the next descriptor. */
export const VRING_DESC_F_NEXT = 1;
/** Descriptor flag: the buffer is device-writable (otherwise device-readable). */
export const VRING_DESC_F_WRITE = 2;

/** Packed descriptor flag bit 7: avail bit, set by the driver to its avail wrap counter. */
export const VRING_PACKED_DESC_F_AVAIL = 1 << 7;
/** Packed descriptor flag bit 15: used bit, set by the device to its used wrap counter. */
export const VRING_PACKED_DESC_F_USED = 1 << 15;
/** Packed used descriptor flag of VIRTIO_F_PARTIAL_ORDER: end of an in-order batch. */
export const VIRTQ_DESC_F_FLUSH = 8;

/** Split used element flag of VIRTIO_F_PARTIAL_ORDER (16-bit flags next to a 16-bit id). */
export const VIRTQ_USED_ELEM_F_FLUSH = 0x8000;

/** Split used.flags: the device asks the driver not to kick (ignored with EVENT_IDX). */
export const VRING_USED_F_NO_NOTIFY = 1;
/** Split avail.flags: the driver asks the device not to interrupt (ignored with EVENT_IDX). */
export const VRING_AVAIL_F_NO_INTERRUPT = 1;

/** Packed event suppression flags (driver and device areas). */
export const VRING_PACKED_EVENT_FLAG_ENABLE = 0;
export const VRING_PACKED_EVENT_FLAG_DISABLE = 1;
/** Notify only when the ring reaches the descriptor in off_wrap (needs VIRTIO_F_EVENT_IDX). */
export const VRING_PACKED_EVENT_FLAG_DESC = 2;
/** Bit of off_wrap that carries the wrap counter (the offset is in bits 0..14). */
export const VRING_PACKED_EVENT_F_WRAP_CTR = 15;

/** Largest queue size either layout allows. */
export const VIRTQUEUE_MAX_SIZE = 32768;
