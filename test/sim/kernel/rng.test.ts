// rng.test.ts — seeded streams: reproducible, independent per replication and per label.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { Rng } from '../../../sim/kernel/index.js';

const draw = (r: Rng, n = 5) => Array.from({ length: n }, () => r.float());

describe('Rng', () => {
  it('is reproducible for the same seed and replication', () => {
    expect(draw(Rng.forReplication(42, 3))).toEqual(draw(Rng.forReplication(42, 3)));
  });

  it('gives different streams to different replications and seeds', () => {
    const a = draw(Rng.forReplication(42, 0));
    expect(draw(Rng.forReplication(42, 1))).not.toEqual(a);
    expect(draw(Rng.forReplication(43, 0))).not.toEqual(a);
  });

  it('gives every replication the state of `index` jumps from the seed, whatever was asked before', () => {
    const jumped = (seed: number, index: number) => {
      const g = xoroshiro128plus(seed | 0);
      for (let i = 0; i < index; i++) g.jump();
      return g.getState();
    };
    fc.assert(
      fc.property(fc.array(fc.record({ seed: fc.integer({ min: 0, max: 2 }), index: fc.nat(30) }), { maxLength: 12 }), (asks) => {
        for (const { seed, index } of asks) {
          const r = Rng.forReplication(seed, index);
          draw(r, 3); // drawing must not disturb where the next request resumes
          expect(r.state).toEqual(jumped(seed, index));
        }
      }),
    );
  });

  it('forks by label independently of how much the parent drew', () => {
    const p1 = Rng.forReplication(7, 2);
    const p2 = Rng.forReplication(7, 2);
    draw(p2, 100);
    expect(draw(p1.fork('traffic'))).toEqual(draw(p2.fork('traffic')));
    expect(draw(p1.fork('traffic'))).not.toEqual(draw(p1.fork('dirty')));
  });

  it('draws within range', () => {
    const r = Rng.fromSeed(1);
    for (let i = 0; i < 1000; i++) {
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      const n = r.int(3, 9);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(9);
      expect(r.exponential(10)).toBeGreaterThanOrEqual(0);
    }
  });

  it('has the right mean for exponential draws', () => {
    const r = Rng.fromSeed(99);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) sum += r.exponential(50);
    expect(sum / n).toBeGreaterThan(48);
    expect(sum / n).toBeLessThan(52);
  });
});
