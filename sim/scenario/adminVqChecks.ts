// adminVqChecks.ts — the scenario rules of the admin-vq transport (migration.transport admin-vq),
// so `validate` refuses what its runs could not do: the vhost-vdpa strategies do not apply, nor
// vhost-vdpa's own fault point (a failing UPDATE), nor a cancel of a device-parts migration; a stop without SUSPEND
// recovers vring indices from the guest's used ring (split rings only), and device-parts
// migration stops and resumes the device (DEV_MODE_SET needs the device's suspend and resume).

import type { Profile } from '../../device/profiles/profile.js';
import type { FieldPath } from './fieldPath.js';
import type { Problem } from './problem.js';
import type { ScenarioInput } from './schema.js';

/** The vhost-vdpa strategies a run over the admin-vq transport would ignore. */
const VHOST_STRATEGIES = ['descGroup', 'iotlbPersist', 'batchMaps', 'svqPacked'] as const;

export function checkAdminVq(input: ScenarioInput, profiles: readonly Profile[]): Problem[] {
  const m = input.migration;
  const out: Problem[] = [];
  if (m.transport !== 'admin-vq') {
    if (m.adminVq !== undefined) out.push({ path: ['migration', 'adminVq'], message: 'applies to migration.transport admin-vq only (transport is vhost-vdpa)' });
    return out;
  }
  for (const s of VHOST_STRATEGIES) {
    if (m.strategies[s]) out.push({ path: ['migration', 'strategies', s], message: `a vhost-vdpa strategy; with transport admin-vq expected false, found true` });
  }
  const parts = m.adminVq?.mode === 'deviceParts';
  input.faults.forEach((f, i) => {
    // UPDATE failures are vhost-vdpa's; a cancel of a device-parts migration (dirty tracking off,
    // the device left running) is not modelled.
    if (f.kind === 'iotlbUpdate') out.push({ path: ['faults', i, 'kind'], message: 'iotlbUpdate is a vhost-vdpa fault point; with transport admin-vq expected cvqNack, driverOk, needsReset or cancel' });
    if (f.kind === 'cancel' && parts) out.push({ path: ['faults', i, 'kind'], message: 'a cancelled device-parts migration is not modelled; expected cvqNack, driverOk or needsReset' });
  });
  input.devices.forEach((d, i) => {
    const c = profiles[i]!.capabilities;
    const at = (field: string): FieldPath => ['devices', i, field];
    const who = `device ${d.name} (profile ${profiles[i]!.name})`;
    if (d.ring === 'packed') out.push({ path: at('ring'), message: `${who}: the admin-vq transport stops a device by a reset and recovers its indices from the guest's used ring, modelled for split rings only; use ring: split` });
    if (parts && !(c.suspend && c.resume)) out.push({ path: ['devices', i, 'capabilities', c.suspend ? 'resume' : 'suspend'], message: `${who}: device-parts migration stops and resumes the device (DEV_MODE_SET); it needs capabilities.suspend and resume` });
  });
  return out;
}
