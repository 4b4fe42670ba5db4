// deviceMmu.property.test.ts — the device MMU against a reference list of inclusive ranges: a MAP
// succeeds exactly when it intersects nothing mapped, an UNMAP removes exactly the ranges it
// intersects, and every DMA translates (or faults with DEVICE_MMU_FAIL) as the reference says.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../sim/events/events.js';
import { Kernel } from '../../../sim/kernel/index.js';
import { HostMemory } from '../../../device/shared/hostMemory.js';
import { buildDevice } from '../../../device/parents/vdpaDevAdd.js';
import { DeviceMmu } from '../../../device/admin/deviceMmu.js';
import { MmuFlag } from '../../../device/uapi/adminVq.js';
import { Status } from '../../../device/uapi/uapi.js';
import { shippedProfile } from '../helpers.js';

type Op = { k: 'map'; start: number; len: number } | { k: 'unmap'; start: number; len: number } | { k: 'dma'; at: number };

const PAGE = 4096;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('map' as const), start: fc.integer({ min: 0, max: 63 }), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ k: fc.constant('unmap' as const), start: fc.integer({ min: 0, max: 63 }), len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ k: fc.constant('dma' as const), at: fc.integer({ min: 0, max: 71 * PAGE }) }),
);

describe('device MMU (property)', () => {
  it('MAP, UNMAP and translation agree with a reference range list', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const kernel = new Kernel();
        const bus = new EventBus();
        const b = buildDevice({ kernel, bus, hostMemory: new HostMemory() }, shippedProfile('vdpa_sim'), 'v', 1);
        if (!b.ok) throw new Error(b.reason);
        const core = b.value.core;
        const mmu = new DeviceMmu(core, true);
        mmu.enable(true);
        const ref: [number, number][] = [];
        const hits = (s: number, e: number) => ref.filter(([a, z]) => a <= e && s <= z);
        for (const op of ops) {
          if (op.k === 'map') {
            const s = op.start * PAGE;
            const e = s + op.len * PAGE - 1;
            const r = mmu.map(0, s, e, 1_000_000_000 + s, MmuFlag.READ | MmuFlag.WRITE);
            expect(r.ok).toBe(hits(s, e).length === 0);
            if (r.ok) ref.push([s, e]);
          } else if (op.k === 'unmap') {
            const s = op.start * PAGE;
            const e = s + op.len * PAGE - 1;
            const gone = hits(s, e);
            const r = mmu.unmap(0, s, e);
            expect(r).toEqual({ ok: true, value: gone.length });
            for (const g of gone) ref.splice(ref.indexOf(g), 1);
          } else {
            const mapped = ref.some(([a, z]) => a <= op.at && op.at <= z);
            const d = core.dma(0, 'buffer', op.at, 1, 'read');
            expect(d.ok).toBe(mapped);
            if (d.ok) expect(d.value).toBe(1_000_000_000 + op.at);
            else expect(core.status & Status.DEVICE_MMU_FAIL).toBe(Status.DEVICE_MMU_FAIL);
          }
          expect(mmu.mappedBytes(0)).toBe(ref.reduce((n, [a, z]) => n + z - a + 1, 0));
        }
      }),
      { numRuns: 200 },
    );
  });
});
