// pageFaultChecks.ts — the scenario rules of the pageFaults strategy (page faults instead of
// pinning): every device must be able to take page faults. Ring features SVQ cannot drive are not
// refused here: they are a migration blocker, a run result (vmm/svqValidFeatures.ts).

import type { Profile } from '../../device/profiles/profile.js';
import type { FieldPath } from './fieldPath.js';
import type { Problem } from './problem.js';
import type { ScenarioInput } from './schema.js';

/**
 * With migration.strategies.pageFaults: a device without capabilities.pageFaults cannot be left
 * unpinned (vhost-vdpa would refuse the proposed IOPF bit with EOPNOTSUPP). A device offering
 * RING_PACKED or IN_ORDER is accepted: QEMU's SVQ feature check at init (vhost_svq_valid_features)
 * turns it into a migration blocker, so the run fails at step migrate. The proposal accepts the
 * PARTIAL_ORDER bit (39) in that check, since SVQ forwarding it is part of it.
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
  });
  return out;
}
