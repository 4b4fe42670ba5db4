// jitter.test.ts — run-to-run variation of device costs: drawn from the device's seeded stream,
// reproducible, centred on the profile's figure, absent without a stream or with jitter 0.
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../sim/events/events.js';
import { Kernel, Rng } from '../../../sim/kernel/index.js';
import { HostMemory } from '../../../device/shared/hostMemory.js';
import { DeviceCore } from '../../../device/core/deviceCore.js';
import { mlx5Profile } from '../../../device/profiles/mlx5.js';

const make = (rng?: Rng, jitter = 0.1) =>
  new DeviceCore({ kernel: new Kernel(), bus: new EventBus(), hostMemory: new HostMemory(), rng }, { ...mlx5Profile, costs: { ...mlx5Profile.costs, jitter } }, 'd', 1);

describe('cost jitter', () => {
  it('varies costs around the profile figure with the given coefficient of variation', () => {
    const d = make(Rng.fromSeed(3).fork('device'));
    const draws = Array.from({ length: 4000 }, () => d.jittered(1_000_000));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
    expect(mean).toBeGreaterThan(990_000);
    expect(mean).toBeLessThan(1_010_000);
    expect(sd / mean).toBeGreaterThan(0.09);
    expect(sd / mean).toBeLessThan(0.11);
    expect(draws.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
  });

  it('is reproducible from the seed', () => {
    const a = make(Rng.fromSeed(9).fork('device'));
    const b = make(Rng.fromSeed(9).fork('device'));
    expect(Array.from({ length: 5 }, () => a.jittered(500))).toEqual(Array.from({ length: 5 }, () => b.jittered(500)));
  });

  it('leaves costs exact without a random stream or with jitter 0', () => {
    expect(make(undefined).jittered(1234)).toBe(1234);
    expect(make(Rng.fromSeed(1), 0).jittered(1234)).toBe(1234);
  });
});
