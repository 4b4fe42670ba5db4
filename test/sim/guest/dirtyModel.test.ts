// dirtyModel.test.ts — the hot/cold CPU dirtying model.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../sim/kernel/index.js';
import { DirtyModel, binomial } from '../../../sim/guest/dirtyModel.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const SEC = 1e9;

describe('binomial', () => {
  it('has the right mean and variance in both regimes', () => {
    for (const [n, p] of [
      [1000, 0.01],
      [1_000_000, 0.3],
      [50, 0.9],
    ] as const) {
      const rng = Rng.fromSeed(7).fork(`bin${n}`);
      const k = 4000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < k; i++) {
        const x = binomial(rng, n, p);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(n);
        s += x;
        s2 += x * x;
      }
      const mean = s / k;
      const variance = s2 / k - mean * mean;
      const mu = n * p;
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(mean - mu)).toBeLessThan((5 * sd) / Math.sqrt(k));
      expect(variance / (sd * sd)).toBeGreaterThan(0.85);
      expect(variance / (sd * sd)).toBeLessThan(1.15);
    }
  });
});

describe('DirtyModel', () => {
  const cfg = { ramBytes: 16 * GiB, hotBytes: 1 * GiB, dirtyRate: 512 * MiB };

  it('expects H·(1 − exp(−w·t/H)) distinct hot pages', () => {
    const m = new DirtyModel(cfg, Rng.fromSeed(1));
    const H = GiB / 4096;
    const w = (512 * MiB) / 4096;
    for (const t of [0.01, 0.5, 2, 20]) {
      expect(m.expected(t * SEC)).toBeCloseTo(H * (1 - Math.exp((-w * t) / H)), 3);
    }
    // Short intervals: nearly every write hits a fresh page; long ones saturate at H.
    expect(m.expected(0.001 * SEC) / (w * 0.001)).toBeGreaterThan(0.99);
    expect(m.expected(100 * SEC)).toBeCloseTo(H, 0);
  });

  it('draws samples whose mean over many seeds matches the formula', () => {
    const t = 0.8 * SEC;
    let sum = 0;
    const seeds = 300;
    let expected = 0;
    for (let s = 0; s < seeds; s++) {
      const m = new DirtyModel(cfg, Rng.fromSeed(s).fork('dirty'));
      const x = m.sample(t);
      sum += x.pages;
      expected = x.expected;
    }
    expect(Math.abs(sum / seeds - expected) / expected).toBeLessThan(0.002);
  });

  it('adds the cold remainder', () => {
    const m = new DirtyModel({ ...cfg, coldDirtyRate: 4 * MiB }, Rng.fromSeed(3));
    const cold = (15 * GiB) / 4096;
    const wc = (4 * MiB) / 4096;
    const hot = new DirtyModel(cfg, Rng.fromSeed(3)).expected(SEC);
    expect(m.expected(SEC) - hot).toBeCloseTo(cold * (1 - Math.exp(-wc / cold)), 3);
    expect(m.sample(SEC).cold).toBeGreaterThan(0);
  });

  it('dirties nothing at zero rate or zero time', () => {
    const z = new DirtyModel({ ...cfg, dirtyRate: 0 }, Rng.fromSeed(4));
    expect(z.sample(10 * SEC)).toEqual({ hot: 0, cold: 0, pages: 0, expected: 0 });
    expect(new DirtyModel(cfg, Rng.fromSeed(4)).sample(0).pages).toBe(0);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const draw = (seed: number): number[] => {
      const m = new DirtyModel(cfg, Rng.fromSeed(seed).fork('dirty'));
      return [m.sample(SEC).pages, m.sample(0.1 * SEC).pages, m.sample(0.001 * SEC).pages];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('never exceeds the hot set', () => {
    const m = new DirtyModel({ ramBytes: 1 * GiB, hotBytes: 64 * 4096, dirtyRate: 1 * GiB }, Rng.fromSeed(5));
    for (let i = 0; i < 100; i++) expect(m.sample(SEC).pages).toBeLessThanOrEqual(64);
  });
});
