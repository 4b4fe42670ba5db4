// iopf.test.ts — the proposed VHOST_BACKEND_F_IOPF at vhost-vdpa: offered only for a parent that
// takes page faults and refused with EOPNOTSUPP otherwise (as any backend feature the device does
// not offer); once negotiated, an UPDATE maps guest memory without pinning or faulting it in, and
// an INVALIDATE reaches the device as an invalidation of its translations.

import { describe, expect, it } from 'vitest';
import { mlx5Profile } from '../../../device/profiles/mlx5.js';
import { vdpaSimProfile } from '../../../device/profiles/vdpaSim.js';
import { backendBit } from '../../../device/uapi/uapi.js';
import type { Result } from '../../../device/uapi/errno.js';
import type { Profile } from '../../../device/profiles/profile.js';
import { GiB, run, setup } from '../helpers.js';

const errnoOf = (r: Result<unknown>): string => (r.ok ? 'ok' : r.errno);
const IOPF = backendBit('IOPF');
const priMlx5: Profile = { ...mlx5Profile, name: 'mlx5-pri', capabilities: { ...mlx5Profile.capabilities, pageFaults: 'pri' } };

function mapRam(s: ReturnType<typeof setup>) {
  return run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: s.ramBytes, uaddr: s.ramHva, perm: 3 })).value;
}

describe('VHOST_BACKEND_F_IOPF (proposal)', () => {
  it('is offered for a parent that takes page faults only, and refused with EOPNOTSUPP otherwise', () => {
    const plain = setup(mlx5Profile);
    const offered = run(plain.kernel, plain.fd.getBackendFeatures()).value;
    expect(offered.ok && (offered.value & IOPF)).toBe(0);
    expect(errnoOf(run(plain.kernel, plain.fd.setBackendFeatures(IOPF)).value)).toBe('EOPNOTSUPP');
    expect(plain.added.iopf).toBeNull();

    const pri = setup(priMlx5);
    const o2 = run(pri.kernel, pri.fd.getBackendFeatures()).value;
    expect(o2.ok && (o2.value & IOPF)).toBe(IOPF);
    expect(errnoOf(run(pri.kernel, pri.fd.setBackendFeatures(IOPF)).value)).toBe('ok');
    expect(pri.added.iopf?.active).toBe(true);
    expect(pri.added.iopf?.mode).toBe('pri');

    // vdpa_sim (use_va with the mm bound) takes its faults itself.
    const sim = setup(vdpaSimProfile);
    expect(errnoOf(run(sim.kernel, sim.fd.setBackendFeatures(IOPF)).value)).toBe('ok');
    expect(sim.added.iopf?.mode).toBe('va');
  });

  it('without it the parent pins what it maps; with it nothing is pinned or faulted in', () => {
    const pinned = setup(priMlx5, { ramBytes: 1 * GiB });
    expect(errnoOf(mapRam(pinned))).toBe('ok');
    expect(pinned.hostMemory.pinnedPages).toBe(GiB / 4096);

    const faults = setup(priMlx5, { ramBytes: 1 * GiB });
    run(faults.kernel, faults.fd.setBackendFeatures(IOPF));
    expect(errnoOf(mapRam(faults))).toBe('ok');
    expect(faults.hostMemory.pinnedPages).toBe(0);
    expect(faults.tally.events.filter((e) => e.kind === 'pin')).toEqual([]);
  });

  it('an INVALIDATE reaches the device as an invalidation of its translations', () => {
    const s = setup(priMlx5, { ramBytes: 1 * GiB });
    run(s.kernel, s.fd.setBackendFeatures(IOPF));
    mapRam(s);
    run(s.kernel, s.fd.iotlbMsg({ type: 'invalidate', asid: 0, iova: 0, size: s.ramBytes }));
    const inv = s.tally.events.filter((e) => e.kind === 'iopfInvalidate');
    expect(inv).toEqual([{ kind: 'iopfInvalidate', t: expect.any(Number) as number, device: 'vdpa0', source: 'unmap', pages: GiB / 4096, hva: 0 }]);
    expect(s.tally.events.filter((e) => e.kind === 'pin')).toEqual([]);
  });
});
