// helpers.ts — small builders shared by the ring tests.

import { createRing, type RingOptions, type Virtqueue } from '../../../../device/shared/ring/index.js';

export function mkRing<T = number>(opts: RingOptions): Virtqueue<T> {
  const r = createRing<T>(opts);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

/** A chain of `n` descriptors: one readable header then writable data of `len` bytes each. */
export function chain(n: number, len = 100, base = 0x1000): { addr: number; len: number; write: boolean }[] {
  const out = [];
  for (let k = 0; k < n; k++) out.push({ addr: base + k * 0x1000, len, write: k > 0 || n === 1 });
  return out;
}

/** Add, pop and return the head of one buffer. */
export function addPop<T>(vq: Virtqueue<T>, token: T, n = 1): number {
  const a = vq.addBuf(chain(n), token);
  if (!a.ok) throw new Error(a.reason);
  const c = vq.popAvail();
  if (c === null) throw new Error('nothing available');
  return c.head;
}

/** `addPop` for each token in turn (`n` descriptors each); the heads, one per token, typed as a tuple of that length. */
export function addPops<T, const Ts extends readonly T[]>(vq: Virtqueue<T>, tokens: Ts, n = 1): { -readonly [K in keyof Ts]: number } {
  return tokens.map((t) => addPop(vq, t, n)) as { -readonly [K in keyof Ts]: number };
}

export function drain<T>(vq: Virtqueue<T>): { token: T; len: number }[] {
  const out: { token: T; len: number }[] = [];
  for (let u = vq.getUsed(); u !== null; u = vq.getUsed()) out.push(u);
  return out;
}

/** Place an idle ring at 16-bit index `idx` (split) or slot `idx` with wrap counter `wrap` (packed). */
export function startAt<T>(vq: Virtqueue<T>, idx: number, wrap = true): void {
  const d =
    vq.layout === 'split'
      ? vq.setDriverState({ layout: 'split', availIdx: idx, lastUsedIdx: idx })
      : vq.setDriverState({ layout: 'packed', nextAvailIdx: idx, availWrapCounter: wrap, lastUsedIdx: idx, usedWrapCounter: wrap });
  if (!d.ok) throw new Error(d.reason);
  const s =
    vq.layout === 'split'
      ? vq.setDeviceState({ layout: 'split', lastAvailIdx: idx, usedIdx: idx })
      : vq.setDeviceState({ layout: 'packed', lastAvailIdx: idx, availWrapCounter: wrap, usedIdx: idx, usedWrapCounter: wrap });
  if (!s.ok) throw new Error(s.reason);
}
