// holdModel.ts — the classic hold-model benchmark of an event queue: keep N events pending,
// repeatedly fire the earliest and schedule a replacement at now + a random delay.
// Run three ways: a plain binary heap (the reference), the kernel, and the kernel through RxJS.

import type { SchedulerAction } from 'rxjs';
import { Kernel, Rng, SimScheduler } from '../kernel/index.js';

/** Pre-drawn integer delays (ns), shared by all three variants so they do the same work. */
export function holdDelays(count: number, seed = 1): Int32Array {
  const rng = Rng.fromSeed(seed);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = 1 + Math.floor(rng.exponential(1000));
  return out;
}

/** Minimal reference heap entry. */
interface RefEntry {
  time: number;
  seq: number;
}

/** The reference: a plain array binary heap ordered by (time, seq), no callbacks. */
export function holdPlainHeap(pending: number, events: number, delays: Int32Array): number {
  const heap: RefEntry[] = [];
  let seq = 0;
  const less = (a: RefEntry, b: RefEntry) => a.time < b.time || (a.time === b.time && a.seq < b.seq);
  const push = (e: RefEntry) => {
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e, heap[p]!)) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = e;
  };
  const pop = (): RefEntry => {
    const top = heap[0]!;
    const last = heap.pop() as RefEntry;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(heap[r]!, heap[l]!) ? r : l;
        if (!less(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  let d = 0;
  for (let i = 0; i < pending; i++) push({ time: delays[d++ % delays.length]!, seq: seq++ });
  let now = 0;
  for (let i = 0; i < events; i++) {
    const e = pop();
    now = e.time;
    push({ time: now + delays[d++ % delays.length]!, seq: seq++ });
  }
  return now;
}

/** The same load on the kernel: each firing schedules its replacement. */
export function holdKernel(pending: number, events: number, delays: Int32Array): number {
  const k = new Kernel();
  let d = 0;
  let left = events;
  const fire = (): void => {
    if (--left <= 0) {
      k.stop();
      return;
    }
    k.after(delays[d++ % delays.length]!, fire);
  };
  for (let i = 0; i < pending; i++) k.after(delays[d++ % delays.length]!, fire);
  k.run();
  return k.now;
}

/** The same load through RxJS: N scheduler actions, each rescheduling itself. */
export function holdRxjs(pending: number, events: number, delays: Int32Array): number {
  const k = new Kernel();
  const s = new SimScheduler(k);
  let d = 0;
  let left = events;
  function work(this: SchedulerAction<number>): void {
    if (--left <= 0) {
      k.stop();
      return;
    }
    this.schedule(0, delays[d++ % delays.length]);
  }
  for (let i = 0; i < pending; i++) s.schedule(work, delays[d++ % delays.length], 0);
  k.run();
  return k.now;
}
