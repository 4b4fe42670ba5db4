// messageSequence.ts — the vhost-vdpa calls of an event list as short lines for golden tests:
// "SET_VRING_NUM 1", "IOTLB_UPDATE asid0", "SET_STATUS 0xb"; a run of identical lines as "… ×n".
import type { ModelEvent } from '../sim/events/events.js';

/** One call as a line: its type, then the vring/group index or the ASID, and the status written. */
function line(e: Extract<ModelEvent, { kind: 'msg' }>): string {
  const parts: string[] = [e.type];
  if (e.type === 'SET_STATUS' || e.type === 'STATUS_SET') parts.push(`0x${(e.value ?? 0).toString(16)}`);
  else if (e.type === 'SET_GROUP_ASID') parts.push(`group${e.index ?? '?'}`, `asid${e.asid ?? '?'}`);
  else if (e.type.startsWith('IOTLB_')) parts.push(`asid${e.asid ?? 0}`);
  else if (e.type === 'MMU_MAP' || e.type === 'MMU_UNMAP') parts.push(`asid${e.asid ?? 0}`);
  else if (e.type === 'MMU_ASID_SET') parts.push(String(e.index ?? '?'), `asid${e.asid ?? '?'}`);
  else if (e.type === 'DEV_MODE_SET') parts.push(e.value === 1 ? 'stopped' : 'running');
  else if (e.index !== undefined) parts.push(String(e.index));
  if (e.type === 'SET_VRING_BASE') parts.push(`=${e.value ?? 0}`);
  if (e.errno !== undefined) parts.push(`!${e.errno}`);
  return parts.join(' ');
}

/** The calls of `events` (of one device, when given) in order, runs of identical lines folded. */
export function messageSequence(events: readonly ModelEvent[], device?: string): string[] {
  const out: string[] = [];
  let last = '';
  let n = 0;
  const flush = () => {
    if (n > 0) out.push(n === 1 ? last : `${last} ×${n}`);
  };
  for (const e of events) {
    if (e.kind !== 'msg' || (device !== undefined && e.device !== device)) continue;
    const l = line(e);
    if (l === last) {
      n++;
      continue;
    }
    flush();
    last = l;
    n = 1;
  }
  flush();
  return out;
}
