// pageFaultChecks.ts — the scenario rules of the pageFaults strategy (page faults instead of
// pinning): every device must be able to take page faults, and the ring features must be ones
// QEMU's shadow virtqueue can drive, since the migration runs the data vqs through SVQ.

import type { Profile } from '../../device/profiles/profile.js';
import type { FieldPath } from './fieldPath.js';
import type { Problem } from './problem.js';
import type { ScenarioInput } from './schema.js';

/**
 * With migration.strategies.pageFaults: a device without capabilities.pageFaults cannot be left
 * unpinned (vhost-vdpa would refuse the proposed IOPF bit with EOPNOTSUPP); and upstream
 * vhost_svq_valid_features (hw/virtio/vhost-shadow-virtqueue.c) accepts no transport feature but
 * ANY_LAYOUT, EVENT_IDX, ACCESS_PLATFORM and VERSION_1, so a device negotiating RING_PACKED or
 * IN_ORDER gets a migration blocker (net_vhost_vdpa_init checks it with
 * vhost_vdpa_net_valid_svq_features). PARTIAL_ORDER (bit 39) falls in the same range; SVQ
 * forwarding it is part of the proposal this strategy models, and so is allowed.
 */
export function checkPageFaults(input: ScenarioInput, profiles: readonly Profile[]): Problem[] {
  const out: Problem[] = [];
  // `va` faults are a use_va parent's own accesses through the bound mm: without use_va there are none.
  input.devices.forEach((d, i) => {
    const c = profiles[i]!.capabilities;
    if (c.pageFaults === 'va' && c.useVa !== true) {
      out.push({
        path: ['devices', i, 'capabilities', 'pageFaults'],
        message: `device ${d.name} (profile ${profiles[i]!.name}): pageFaults va needs capabilities.useVa (a parent reaching user memory through the bound mm); a parent translating physical addresses takes faults through PRI (pri)`,
      });
    }
  });
  if (!input.migration.strategies.pageFaults) return out;
  const strategy: FieldPath = ['migration', 'strategies', 'pageFaults'];
  input.devices.forEach((d, i) => {
    const p = profiles[i]!;
    const who = `device ${d.name} (profile ${p.name})`;
    if (p.capabilities.pageFaults === undefined) {
      out.push({ path: strategy, message: `${who} cannot take page faults (no capabilities.pageFaults): vhost-vdpa must pin its memory` });
    }
    if (d.ring === 'packed') {
      out.push({
        path: ['devices', i, 'ring'],
        message: `${who}: QEMU's shadow virtqueue refuses VIRTIO_F_RING_PACKED (vhost_svq_valid_features), so the migration of a packed ring is blocked; use ring: split`,
      });
    }
    if (d.inOrder) {
      out.push({
        path: ['devices', i, 'inOrder'],
        message: `${who}: QEMU's shadow virtqueue refuses VIRTIO_F_IN_ORDER (vhost_svq_valid_features), so the migration is blocked; use partialOrder (the proposal that keeps batching across faults) or neither`,
      });
    }
  });
  return out;
}
