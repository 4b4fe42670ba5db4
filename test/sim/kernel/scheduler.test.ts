// scheduler.test.ts — RxJS time operators running on simulated time through SimScheduler.
import { describe, expect, it } from 'vitest';
import { bufferTime, delay, interval, of, take, timer, map, Subject } from 'rxjs';
import { Kernel, SimScheduler } from '../../../sim/kernel/index.js';

describe('SimScheduler', () => {
  it('timer fires at the simulated time, in ns', () => {
    const k = new Kernel();
    const s = new SimScheduler(k);
    const seen: number[] = [];
    timer(1_000_000, s).subscribe(() => seen.push(k.now));
    k.run();
    expect(seen).toEqual([1_000_000]);
    expect(s.now()).toBe(1_000_000);
  });

  it('interval ticks on simulated time and take() stops it', () => {
    const k = new Kernel();
    const s = new SimScheduler(k);
    const seen: [number, number][] = [];
    interval(250, s)
      .pipe(take(4))
      .subscribe((i) => seen.push([i, k.now]));
    k.run();
    expect(seen).toEqual([
      [0, 250],
      [1, 500],
      [2, 750],
      [3, 1000],
    ]);
    expect(k.pending).toBe(0);
  });

  it('delay shifts each value by the simulated delay', () => {
    const k = new Kernel();
    const s = new SimScheduler(k);
    const seen: [string, number][] = [];
    k.at(100, () => {
      of('x', 'y')
        .pipe(delay(40, s))
        .subscribe((v) => seen.push([v, k.now]));
    });
    k.run();
    expect(seen).toEqual([
      ['x', 140],
      ['y', 140],
    ]);
  });

  it('bufferTime groups values by simulated windows', () => {
    const k = new Kernel();
    const s = new SimScheduler(k);
    const src = new Subject<number>();
    const windows: number[][] = [];
    const sub = src.pipe(bufferTime(100, s)).subscribe((b) => windows.push(b));
    for (const t of [10, 20, 150, 160, 170, 250]) k.at(t, () => src.next(t));
    k.at(301, () => sub.unsubscribe()); // after the window closing at 300
    k.run();
    expect(windows).toEqual([[10, 20], [150, 160, 170], [250]]);
  });

  it('unsubscribing cancels the pending kernel event', () => {
    const k = new Kernel();
    const s = new SimScheduler(k);
    const seen: number[] = [];
    const sub = timer(500, s)
      .pipe(map(() => k.now))
      .subscribe((v) => seen.push(v));
    k.at(100, () => sub.unsubscribe());
    k.run();
    expect(seen).toEqual([]);
    expect(k.now).toBe(100);
  });

  it('interleaves RxJS timers with kernel events deterministically', () => {
    const run = () => {
      const k = new Kernel();
      const s = new SimScheduler(k);
      const log: string[] = [];
      timer(50, s).subscribe(() => log.push(`rx@${k.now}`));
      k.at(50, () => log.push(`k@${k.now}`));
      interval(20, s)
        .pipe(take(3))
        .subscribe((i) => log.push(`i${i}@${k.now}`));
      k.run();
      return log.join(',');
    };
    expect(run()).toBe(run());
    expect(run()).toBe('i0@20,i1@40,rx@50,k@50,i2@60');
  });
});
