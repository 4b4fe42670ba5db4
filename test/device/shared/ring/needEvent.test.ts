// needEvent.test.ts — vring_need_event arithmetic across the 16-bit wrap.
import { describe, expect, it } from 'vitest';
import { vringNeedEvent } from '../../../../device/shared/ring/index.js';

describe('vringNeedEvent', () => {
  it('is true exactly when the event index lies in [old, new)', () => {
    expect(vringNeedEvent(4, 5, 4)).toBe(true);
    expect(vringNeedEvent(5, 5, 4)).toBe(false);
    expect(vringNeedEvent(3, 5, 4)).toBe(false);
    expect(vringNeedEvent(4, 10, 2)).toBe(true);
    expect(vringNeedEvent(7, 7, 7)).toBe(false);
  });

  it('works across the 16-bit wrap', () => {
    expect(vringNeedEvent(65535, 1, 65534)).toBe(true);
    expect(vringNeedEvent(0, 1, 65535)).toBe(true);
    expect(vringNeedEvent(1, 1, 65535)).toBe(false);
    expect(vringNeedEvent(65533, 1, 65534)).toBe(false);
  });
});
