// needEvent.ts — the VIRTIO_F_EVENT_IDX decision: did the index move past the other side's event index?

/**
 * True when moving a 16-bit free-running index from `oldIdx` to `newIdx` crossed `eventIdx`,
 * i.e. eventIdx is in [oldIdx, newIdx) modulo 2^16. All three are taken modulo 2^16.
 */
export function vringNeedEvent(eventIdx: number, newIdx: number, oldIdx: number): boolean {
  return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
}
