// mannWhitney.test.ts — U statistic and p-values on known examples.

import { describe, expect, it } from 'vitest';
import { mannWhitneyU, normalCdf } from '../../metrics/mannWhitney.js';

describe('mannWhitneyU', () => {
  it('normal CDF matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 6);
  });

  it('computes U for a textbook example', () => {
    // x = [1,2,3], y = [4,5,6]: every x below every y → U_x = 0.
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6], 'less');
    expect(r.u).toBe(0);
    expect(r.effect).toBe(0);
    // Normal approximation: mean 4.5, sd sqrt(9*7/12) = 2.2913; z = (0-4.5+0.5)/2.2913 = -1.7457.
    expect(r.z).toBeCloseTo(-1.7457, 3);
    expect(r.p).toBeCloseTo(0.0404, 3);
  });

  it('computes a mixed example by hand (no ties)', () => {
    // Pooled order: 11y 12y 16x 17y 19x 20y 22x 24x 29x → R_x = 3+5+7+8+9 = 32, U_x = 32 - 15 = 17.
    // mean 10, sd sqrt(20*10/12) = 4.0825; z = (7 - 0.5)/4.0825 = 1.5922; two-sided p = 0.1113.
    const x = [19, 22, 16, 29, 24];
    const y = [20, 11, 17, 12];
    const r = mannWhitneyU(x, y, 'two-sided');
    expect(r.u).toBe(17);
    expect(r.z).toBeCloseTo(1.5922, 3);
    expect(r.p).toBeCloseTo(0.1113, 3);
    expect(mannWhitneyU(x, y, 'greater').p).toBeCloseTo(0.1113 / 2, 3);
  });

  it('applies the tie correction', () => {
    const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 3, 4], 'two-sided');
    // Ranks: 1→1, 2×3→3, 3×3→6, 4→8; R_x = 1+3+3+6 = 13, U = 13 - 10 = 3.
    expect(r.u).toBe(3);
    // Tie term: (27-3)+(27-3)=48; var = 16/12*(9-48/56) = 10.857; z = (3-8+0.5)/3.295 = -1.3657.
    expect(r.z).toBeCloseTo(-1.3657, 3);
  });

  it('is symmetric: greater on (x,y) equals less on (y,x)', () => {
    const x = [5, 7, 9, 11, 13, 15];
    const y = [4, 6, 6, 8, 10];
    expect(mannWhitneyU(x, y, 'greater').p).toBeCloseTo(mannWhitneyU(y, x, 'less').p, 12);
  });

  it('gives p = 1 for identical constant samples', () => {
    expect(mannWhitneyU([3, 3, 3], [3, 3], 'greater').p).toBe(1);
  });
});
