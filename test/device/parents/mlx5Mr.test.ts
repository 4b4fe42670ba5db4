// mlx5Mr.test.ts — the mlx5-like MKEY memory region: direct and indirect MKEYs, firmware concurrency, deferred destroy.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mlx5Profile } from '../../../device/profiles/mlx5.js';
import { planMr } from '../../../device/parents/mlx5Mr.js';
import { VhostIotlb } from '../../../device/vhost/iotlb.js';
import type { Profile } from '../../../device/profiles/profile.js';
import { backendBit } from '../../../device/uapi/uapi.js';
import { GiB, ZERO_HOST_COSTS, run, setup } from '../helpers.js';

/** mlx5 with round costs so times can be derived by hand. */
const roundMlx5: Profile = {
  ...mlx5Profile,
  costs: { ...mlx5Profile.costs, ioctlNs: 0, setMapBaseNs: 0, setMapPerPageNs: 0, mttEntryNs: 0, mrGcDelayNs: 0, mkeyCreateNs: 1000, indirectMkeyNs: 100, mkeyDestroyNs: 10, mkeyHostNs: 0, mkeyDestroyHostNs: 0, firmwareConcurrency: 4 },
};

describe('mlx5 MKEY memory region', () => {
  it('q35 16 GiB: 2 + 14 direct MKEYs + 1 indirect = 17', () => {
    // q35 RAM sections: [0, 2 GiB) and [4 GiB, 18 GiB). Each is one contiguous run:
    // ceil(2 GiB / 1 GiB) = 2 and ceil(14 GiB / 1 GiB) = 14 direct MKEYs, plus the indirect one.
    const s = setup(mlx5Profile, { ramBytes: 16 * GiB });
    run(s.kernel, s.fd.iotlbMsg({ type: 'batchBegin', asid: 0 }));
    run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: 2 * GiB, uaddr: s.ramHva, perm: 3 }));
    run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 4 * GiB, size: 14 * GiB, uaddr: s.ramHva + 2 * GiB, perm: 3 }));
    run(s.kernel, s.fd.iotlbMsg({ type: 'batchEnd', asid: 0 }));
    expect(s.tally.mapWork('setMapRebuild')).toBe(1);
    expect(s.tally.mkeysCreated()).toBe(17);
    expect(s.added.mr?.mkeys(0)).toBe(17);
  });

  it('adjacent ranges merge into one run; a permission change or a gap splits it', () => {
    const t = new VhostIotlb();
    t.add(0, GiB / 2, 0, 3);
    t.add(GiB / 2, GiB, 0, 3); // contiguous with the first: one 1.5 GiB run → 2 MKEYs
    t.add(2 * GiB, GiB / 4, 0, 1); // gap → new run → 1
    t.add(2 * GiB + GiB / 4, GiB / 4, 0, 3); // contiguous but another perm → 1
    expect(planMr(t, GiB).direct).toBe(4);
  });

  it('MTT entries at the gcd of the entry lengths: 2 MiB runs give 512 per GiB, one 4 KiB run drags the chunk to 4 KiB', () => {
    const t = new VhostIotlb();
    t.add(0, GiB, 0, 3, { entries: 512, entryGcd: 2 * 1024 * 1024 });
    expect(planMr(t, GiB)).toEqual({ direct: 1, mttEntries: 512, pages: GiB / 4096 });
    t.add(GiB, GiB, GiB, 3, { entries: 512, entryGcd: 2 * 1024 * 1024 });
    t.add(2 * GiB, 4096, 2 * GiB, 3, { entries: 1, entryGcd: 4096 });
    // One run of 2 GiB + 4 KiB cut into 1 GiB chunks: two at 2 MiB entities, the last (4 KiB) at 4 KiB.
    const p = planMr(t, GiB);
    expect(p.direct).toBe(3);
    expect(p.mttEntries).toBe(512 + 512 + 1);
  });

  it('16 direct MKEYs at firmware concurrency 4 take 4 rounds, then the indirect one', () => {
    // 16 GiB in one contiguous range = 16 direct MKEYs; 4 in flight → 4 rounds × 1000 ns,
    // then the indirect MKEY 100 ns: 4100 ns of MR rebuild.
    const s = setup(roundMlx5, { ramBytes: 16 * GiB, hostCosts: ZERO_HOST_COSTS });
    const { t } = run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: 16 * GiB, uaddr: s.ramHva, perm: 3 }));
    const rebuild = s.tally.events.find((e) => e.kind === 'mapWork' && e.what === 'setMapRebuild');
    expect(rebuild && rebuild.kind === 'mapWork' && rebuild.dur).toBe(4100);
    // The run ends 10 ns later: the device-add identity MR (1 MKEY) is destroyed in the background.
    expect(t).toBe(4110);
    // The firmware slots were busy for 16 × 1000 (direct) + 100 (indirect) + 10 (destroy) ns of
    // the 4 × 4110 available: never more than 4 commands in flight, and no slot left idle early.
    expect(s.added.mr?.firmwareUtilisation()).toBeCloseTo((16 * 1000 + 100 + 10) / (4 * 4110), 9);
    expect(s.added.mr?.firmwareInUse()).toBe(0);
  });

  it('the replaced MR is destroyed later, off the set_map path', () => {
    // Second UPDATE (unbatched) rebuilds with 2 direct + 1 indirect = 3 MKEYs; the first MR's
    // 1 + 1 = 2 MKEYs are destroyed afterwards by a background process (2 × 10 ns in parallel = 10 ns).
    const s = setup(roundMlx5, { ramBytes: 4 * GiB, hostCosts: ZERO_HOST_COSTS });
    run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: GiB, uaddr: s.ramHva, perm: 3 }));
    const t0 = s.kernel.now;
    const p = s.kernel.spawn(s.fd.iotlbMsg({ type: 'update', asid: 0, iova: GiB, size: GiB, uaddr: s.ramHva + GiB, perm: 3 }));
    let doneAt = -1;
    p.onSettled(() => (doneAt = s.kernel.now));
    s.kernel.run();
    // The UPDATE returns when the new MR is in place: 1000 (2 MKEYs, 4 slots) + 100 (indirect).
    expect(doneAt - t0).toBe(1100);
    // Two deferred destroys: the identity MR (1 MKEY) after the first UPDATE, the first MR (2) after the second.
    const gc = s.tally.events.filter((e) => e.kind === 'mapWork' && e.what === 'mrDestroy');
    expect(gc).toHaveLength(2);
    const second = gc[1]!;
    expect(second.kind === 'mapWork' && second.mkeysDestroyed).toBe(2);
    expect(second.t).toBeGreaterThanOrEqual(doneAt);
    expect(s.tally.mkeysDestroyed()).toBe(3);
    expect(s.added.mr?.pendingDestroy).toBe(0);
    expect(s.tally.mkeysCreated()).toBe(2 + 3);
  });

  it('a map of the CVQ\'s ASID is a hardware MR too (set_map_data builds one for every ASID)', () => {
    const s = setup(mlx5Profile);
    run(s.kernel, s.fd.setBackendFeatures(backendBit('IOTLB_ASID')));
    run(s.kernel, s.fd.setGroupAsid(1, 1));
    run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 1, iova: 0, size: 4096, uaddr: s.ramHva, perm: 3 }));
    expect(s.tally.mapWork('setMapRebuild')).toBe(1);
    expect(s.tally.mkeysCreated()).toBe(2); // one direct MKEY for the page, the indirect one
    expect(s.added.mr?.mkeys(1)).toBe(2);
  });

  it('suspend of 32 vqs with 16 in flight takes 2 rounds', () => {
    // 16 queue pairs = 32 data vqs; suspendParallelism 16 → 2 rounds × suspendPerVqNs.
    const s = setup(mlx5Profile, { queuePairs: 16 });
    const c = mlx5Profile.costs;
    run(s.kernel, s.fd.setBackendFeatures(backendBit('SUSPEND') | backendBit('RESUME')));
    run(s.kernel, s.fd.setStatus(1 | 2 | 8 | 4));
    const t0 = s.kernel.now;
    const { t } = run(s.kernel, s.fd.suspend());
    expect(t - t0).toBe(c.ioctlNs + 2 * c.suspendPerVqNs);
    expect(s.device.suspended).toBe(true);
  });
});

describe('planMr (property)', () => {
  /** The layout walked chunk by chunk: the reference the counted version must agree with. */
  function planByChunk(t: VhostIotlb, chunk: number): { direct: number; mttEntries: number; pages: number } {
    const g = (a: number, b: number): number => (b === 0 ? a : g(b, a % b));
    const out = { direct: 0, mttEntries: 0, pages: 0 };
    let runEnd = -1;
    let perm = -1;
    let left = 0;
    let bytes = 0;
    let gc = 0;
    const close = (): void => {
      if (bytes === 0) return;
      out.direct++;
      out.mttEntries += Math.ceil(bytes / 2 ** Math.floor(Math.log2(gc)));
      out.pages += Math.ceil(bytes / 4096);
      bytes = 0;
      gc = 0;
    };
    for (const r of t) {
      if (r.start !== runEnd || r.value.perm !== perm) {
        close();
        left = chunk;
        perm = r.value.perm;
      }
      runEnd = r.start + r.size;
      let rest = r.size;
      while (rest > 0) {
        if (left === 0) {
          close();
          left = chunk;
        }
        const take = Math.min(rest, left);
        bytes += take;
        gc = g(g(gc, r.value.entryGcd), take);
        left -= take;
        rest -= take;
      }
    }
    close();
    return out;
  }

  it('counts whole chunks arithmetically exactly as a chunk-by-chunk walk does', () => {
    const page = 4096;
    const range = fc.record({ gap: fc.integer({ min: 0, max: 3 }), pages: fc.integer({ min: 1, max: 3000 }), perm: fc.constantFrom(1, 3), gcdPages: fc.constantFrom(1, 2, 512) });
    fc.assert(
      fc.property(fc.array(range, { minLength: 1, maxLength: 12 }), fc.constantFrom(64, 512, 1024), (rs, chunkPages) => {
        const t = new VhostIotlb();
        let at = 0;
        for (const r of rs) {
          at += r.gap * page;
          const size = r.pages * page;
          const gcd = Math.min(r.gcdPages * page, size);
          expect(t.add(at, size, at, r.perm, { entries: Math.ceil(size / gcd), entryGcd: size % gcd === 0 ? gcd : page }).ok).toBe(true);
          at += size;
        }
        expect(planMr(t, chunkPages * page)).toEqual(planByChunk(t, chunkPages * page));
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});
