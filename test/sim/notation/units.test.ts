// units.test.ts — sizes, durations, rates and packet rates: parsing, errors, formatting round trips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  parseDuration,
  parsePacketRate,
  parseRate,
  parseSize,
} from '../../../sim/notation/units.js';

const value = (r: ReturnType<typeof parseSize>): number => {
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

describe('units', () => {
  it('parses sizes exactly', () => {
    expect(value(parseSize('16GiB'))).toBe(16 * 2 ** 30);
    expect(value(parseSize('512MiB'))).toBe(512 * 2 ** 20);
    expect(value(parseSize('4KiB'))).toBe(4096);
    expect(value(parseSize('1TiB'))).toBe(2 ** 40);
    expect(value(parseSize('1.5GB'))).toBe(1_500_000_000);
    expect(value(parseSize('1.5GiB'))).toBe(1_610_612_736);
    expect(value(parseSize(4096))).toBe(4096);
    expect(value(parseSize('4096'))).toBe(4096);
  });

  it('rejects bad sizes with the expected phrase', () => {
    expect(parseSize('16 gigs')).toEqual({ ok: false, message: 'expected a size like 16GiB, found "16 gigs"' });
    expect(parseSize(-1)).toEqual({ ok: false, message: 'expected a size like 16GiB, found -1' });
    expect(parseSize(true)).toEqual({ ok: false, message: 'expected a size like 16GiB, found true' });
    const frac = parseSize('0.3KiB');
    expect(frac.ok).toBe(false);
    expect(parseSize(1.5).ok).toBe(false);
  });

  it('parses durations to integer ns', () => {
    expect(value(parseDuration('300ms'))).toBe(300_000_000);
    expect(value(parseDuration('1.5s'))).toBe(1_500_000_000);
    expect(value(parseDuration('250us'))).toBe(250_000);
    expect(value(parseDuration('100ns'))).toBe(100);
    expect(value(parseDuration('2m'))).toBe(120_000_000_000);
    expect(value(parseDuration('1h'))).toBe(3_600_000_000_000);
    expect(value(parseDuration(42))).toBe(42);
    expect(parseDuration('1.5ns').ok).toBe(false);
    expect(parseDuration('5 minutes')).toEqual({ ok: false, message: 'expected a duration like 300ms, found "5 minutes"' });
  });

  it('parses rates to bytes per second', () => {
    expect(value(parseRate('10Gbit/s'))).toBe(1.25e9);
    expect(value(parseRate('10Gbps'))).toBe(1.25e9);
    expect(value(parseRate('1.25GB/s'))).toBe(1.25e9);
    expect(value(parseRate('200MiB/s'))).toBe(200 * 2 ** 20);
    expect(value(parseRate(1000))).toBe(1000);
    expect(parseRate('10 gigabits').ok).toBe(false);
  });

  it('parses packet rates', () => {
    expect(value(parsePacketRate('1Mpps'))).toBe(1e6);
    expect(value(parsePacketRate('500kpps'))).toBe(5e5);
    expect(value(parsePacketRate(1234))).toBe(1234);
    expect(parsePacketRate('fast').ok).toBe(false);
  });

  it('formats bytes and ns readably', () => {
    expect(formatBytes(16 * 2 ** 30)).toBe('16GiB');
    expect(formatBytes(1_610_612_736)).toBe('1.5GiB');
    expect(formatBytes(1000)).toBe('1000B');
    expect(formatDuration(300_000_000)).toBe('300ms');
    expect(formatDuration(1_500_000_000)).toBe('1.5s');
    expect(formatDuration(7)).toBe('7ns');
    expect(formatBytes(1_234_567, { approx: true })).toBe('1.18MiB');
    expect(formatDuration(26_912_345_678, { approx: true })).toBe('26.9s');
  });

  it('round-trips sizes through formatBytes', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(value(parseSize(formatBytes(n)))).toBe(n);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4096 }), fc.constantFrom(1, 1024, 2 ** 20, 2 ** 30), (k, unit) => {
        expect(value(parseSize(formatBytes(k * unit)))).toBe(k * unit);
      }),
    );
  });

  it('round-trips durations through formatDuration', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(value(parseDuration(formatDuration(n)))).toBe(n);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(1, 1e3, 1e6, 1e9, 6e10), (k, unit) => {
        expect(value(parseDuration(formatDuration(k * unit)))).toBe(k * unit);
      }),
    );
  });
});
