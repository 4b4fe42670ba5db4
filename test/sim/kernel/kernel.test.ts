// kernel.test.ts — ordering, ties, cancellation, time rules and processes of the kernel.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kernel, Resource, Signal, SimulationError, allOf, wait, type Proc } from '../../../sim/kernel/index.js';

describe('Kernel event ordering', () => {
  it('fires events in time order regardless of insertion order', () => {
    const k = new Kernel();
    const seen: number[] = [];
    for (const t of [50, 10, 30, 20, 40]) k.at(t, () => seen.push(k.now));
    k.run();
    expect(seen).toEqual([10, 20, 30, 40, 50]);
  });

  it('breaks equal-time ties by priority, then by insertion sequence', () => {
    const k = new Kernel();
    const seen: string[] = [];
    k.at(5, () => seen.push('a'), undefined, 1);
    k.at(5, () => seen.push('b'), undefined, 0);
    k.at(5, () => seen.push('c'), undefined, 1);
    k.at(5, () => seen.push('d'), undefined, 0);
    k.run();
    expect(seen).toEqual(['b', 'd', 'a', 'c']);
  });

  it('refuses a priority that is not an integer within ±1023', () => {
    const k = new Kernel();
    for (const p of [1024, -1024, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => k.at(1, () => {}, undefined, p)).toThrow(SimulationError);
      expect(() => k.after(1, () => {}, undefined, p)).toThrow(/priority must be an integer/);
    }
    expect(k.pending).toBe(0);
    k.at(1, () => {}, undefined, 1023);
    k.at(1, () => {}, undefined, -1023);
    expect(k.pending).toBe(2);
  });

  it('matches a sort by (time, priority, seq) for arbitrary schedules', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ t: fc.integer({ min: 0, max: 20 }), p: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -1023, max: 1023 })) }), { maxLength: 200 }),
        (items) => {
          const k = new Kernel();
          const seen: number[] = [];
          items.forEach((it, i) => k.at(it.t, () => seen.push(i), undefined, it.p));
          k.run();
          const expected = items
            .map((it, i) => ({ ...it, i }))
            .sort((a, b) => a.t - b.t || a.p - b.p || a.i - b.i)
            .map((x) => x.i);
          expect(seen).toEqual(expected);
        },
      ),
    );
  });

  it('skips cancelled events and reports whether cancel did anything', () => {
    const k = new Kernel();
    const seen: number[] = [];
    const a = k.at(1, () => seen.push(1));
    k.at(2, () => seen.push(2));
    expect(k.cancel(a)).toBe(true);
    expect(k.cancel(a)).toBe(false);
    k.run();
    expect(seen).toEqual([2]);
    expect(k.processed).toBe(1);
  });

  it('rejects negative delays, fractional times and scheduling in the past', () => {
    const k = new Kernel();
    expect(() => k.after(-1, () => {})).toThrow(SimulationError);
    expect(() => k.after(1.5, () => {})).toThrow(/integer/);
    expect(() => k.after(Number.NaN, () => {})).toThrow(/integer/);
    expect(() => k.after(Number.POSITIVE_INFINITY, () => {})).toThrow(/integer/);
    expect(() => k.after(2 ** 53, () => {})).toThrow(/integer/);
    expect(() => k.after(-0.5, () => {})).toThrow(/negative delay/);
    // A rejected call takes no sequence number and schedules nothing.
    expect(k.pending).toBe(0);
    k.at(10, () => {
      expect(() => k.at(5, () => {})).toThrow(/clock is already at 10/);
    });
    k.run();
    expect(k.now).toBe(10);
  });

  it('after() orders ties by priority, then by the order of scheduling, whatever the mix of priorities', () => {
    const k = new Kernel();
    const seen: string[] = [];
    k.after(5, () => seen.push('a0'));
    k.after(5, () => seen.push('b+1'), undefined, 1);
    k.after(5, () => seen.push('c-1'), undefined, -1);
    k.after(5, () => seen.push('d0'));
    k.at(5, () => seen.push('e0'));
    k.after(4, () => seen.push('early+9'), undefined, 9);
    k.run();
    expect(seen).toEqual(['early+9', 'c-1', 'a0', 'd0', 'e0', 'b+1']);
  });

  it('run(until) stops before later events and advances the clock to the limit', () => {
    const k = new Kernel();
    const seen: number[] = [];
    k.at(10, () => seen.push(10));
    k.at(100, () => seen.push(100));
    expect(k.run(50)).toBe(50);
    expect(seen).toEqual([10]);
    k.run();
    expect(seen).toEqual([10, 100]);
  });

  it('stop() ends run() after the current event', () => {
    const k = new Kernel();
    const seen: number[] = [];
    k.at(1, () => {
      seen.push(1);
      k.stop();
    });
    k.at(2, () => seen.push(2));
    k.run();
    expect(seen).toEqual([1]);
    k.run();
    expect(seen).toEqual([1, 2]);
  });
});

describe('processes', () => {
  it('run top to bottom, sleeping on yielded delays', () => {
    const k = new Kernel();
    const log: string[] = [];
    function* body(): Proc<string> {
      log.push(`start@${k.now}`);
      yield 100;
      log.push(`mid@${k.now}`);
      yield 50;
      return `done@${k.now}`;
    }
    const p = k.spawn(body());
    k.run();
    expect(log).toEqual(['start@0', 'mid@100']);
    expect(p.done).toBe(true);
    expect(p.result).toBe('done@150');
  });

  it('join another process and get its typed value', () => {
    const k = new Kernel();
    function* child(): Proc<number> {
      yield 30;
      return 7;
    }
    let got = -1;
    let at = -1;
    k.spawn(
      (function* (): Proc {
        const v = yield* wait(k.spawn(child()));
        got = v;
        at = k.now;
      })(),
    );
    k.run();
    expect(got).toBe(7);
    expect(at).toBe(30);
  });

  it('wake every waiter of a signal with its value', () => {
    const k = new Kernel();
    const sig = new Signal<string>(k);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      k.spawn(
        (function* (): Proc {
          got.push(`${i}:${yield* wait(sig)}@${k.now}`);
        })(),
      );
    }
    k.at(40, () => sig.trigger('go'));
    k.run();
    expect(got).toEqual(['0:go@40', '1:go@40', '2:go@40']);
    expect(() => sig.trigger('again')).toThrow(SimulationError);
  });

  it('allOf settles when the slowest item settles', () => {
    const k = new Kernel();
    function* sleeper(ns: number): Proc<number> {
      yield ns;
      return ns;
    }
    let res: number[] = [];
    k.spawn(
      (function* (): Proc {
        res = yield* wait(allOf(k, [k.spawn(sleeper(30)), k.spawn(sleeper(10)), k.spawn(sleeper(20))]));
      })(),
    );
    k.run();
    expect(res).toEqual([30, 10, 20]);
    expect(k.now).toBe(30);
  });

  it('rejects a yield that is neither a delay nor a waitable', () => {
    const k = new Kernel();
    k.spawn(
      (function* (): Proc {
        yield 'nonsense' as unknown as number;
      })(),
      'bad',
    );
    expect(() => k.run()).toThrow(/process bad yielded nonsense/);
  });
});

describe('Resource', () => {
  it('limits concurrency and serves waiters first come first served', () => {
    const k = new Kernel();
    const fw = new Resource(k, 2);
    const done: string[] = [];
    function* job(name: string, ns: number): Proc {
      yield* fw.use(
        (function* (): Proc {
          yield ns;
        })(),
      );
      done.push(`${name}@${k.now}`);
    }
    for (const [n, d] of [['a', 10], ['b', 10], ['c', 10], ['d', 5]] as const) k.spawn(job(n, d));
    k.run();
    // a and b run at once (0-10); c and d start at 10; d ends at 15, c at 20.
    expect(done).toEqual(['a@10', 'b@10', 'd@15', 'c@20']);
    expect(fw.maxQueue).toBe(2);
    expect(fw.inUse).toBe(0);
  });

  it('keeps first-come-first-served order across waves that fill and drain the queue', () => {
    const k = new Kernel();
    const fw = new Resource(k, 1);
    const done: string[] = [];
    function* job(name: string): Proc {
      yield fw.acquire();
      yield 10;
      fw.release();
      done.push(`${name}@${k.now}`);
    }
    // Wave 1 at t=0 drains by t=30; wave 2 arrives at t=100 to an empty queue; wave 3 joins
    // at t=115 while wave 2 still has a waiter queued.
    for (const n of ['a', 'b', 'c']) k.spawn(job(n));
    k.after(100, () => ['d', 'e', 'f'].forEach((n) => k.spawn(job(n))));
    k.after(115, () => ['g', 'h'].forEach((n) => k.spawn(job(n))));
    k.run();
    expect(done).toEqual(['a@10', 'b@20', 'c@30', 'd@110', 'e@120', 'f@130', 'g@140', 'h@150']);
    expect(fw.queued).toBe(0);
    expect(fw.inUse).toBe(0);
    expect(fw.maxQueue).toBe(3);
  });

  it('reports utilisation and rejects over-release and bad capacity', () => {
    const k = new Kernel();
    const r = new Resource(k, 1);
    k.spawn(
      (function* (): Proc {
        yield 10;
        yield r.acquire();
        yield 30;
        r.release();
        yield 60;
      })(),
    );
    k.run();
    expect(k.now).toBe(100);
    expect(r.utilisation()).toBeCloseTo(0.3, 10);
    expect(() => r.release()).toThrow(SimulationError);
    expect(() => new Resource(k, 0)).toThrow(/positive integer/);
  });
});

describe('inline waits (Kernel.advanceIfNext, Resource.acquireNow)', () => {
  /** One step of a random process: sleep, hold a resource through acquireNow, or through use(). */
  type Op = { sleep: number } | { hold: number; res: number; now: boolean };
  const op = fc.oneof(
    fc.record({ sleep: fc.integer({ min: 0, max: 6 }) }),
    fc.record({ hold: fc.integer({ min: 0, max: 6 }), res: fc.integer({ min: 0, max: 1 }), now: fc.boolean() }),
  );

  /** Runs the processes and plain callbacks; the trace of who did what when, and the kernel's counts. */
  function trace(progs: Op[][], callbacks: number[], inlineWaits: boolean): { log: string[]; fired: number; end: number } {
    const k = new Kernel({ inlineWaits });
    const res = [new Resource(k, 1), new Resource(k, 2)];
    const log: string[] = [];
    progs.forEach((ops, p) => {
      k.spawn(
        (function* (): Proc {
          for (const [i, o] of ops.entries()) {
            if ('sleep' in o) {
              if (!k.advanceIfNext(o.sleep)) yield o.sleep;
            } else if (o.now) {
              const r = res[o.res]!;
              if (!r.acquireNow()) yield r.acquire();
              log.push(`${p}.${i} got@${k.now}`);
              yield o.hold;
              r.release();
            } else {
              yield* res[o.res]!.use(
                (function* (): Proc {
                  log.push(`${p}.${i} use@${k.now}`);
                  yield o.hold;
                })(),
              );
            }
            log.push(`${p}.${i}@${k.now}`);
          }
        })(),
      );
    });
    callbacks.forEach((t, i) => k.at(t, () => log.push(`cb${i}@${k.now}`)));
    const end = k.run();
    return { log, fired: k.processed, end };
  }

  it('give the same trace, event count and end time as scheduling every wait', () => {
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 6 }), (progs, cbs) => {
        expect(trace(progs, cbs, true)).toEqual(trace(progs, cbs, false));
      }),
    );
  });

  it('take the fast path only when nothing else is due by then', () => {
    const k = new Kernel();
    const got: boolean[] = [];
    k.at(15, () => {});
    k.spawn(
      (function* (): Proc {
        got.push(k.advanceIfNext(10)); // nothing due by 10: inline
        got.push(k.advanceIfNext(5)); // the callback at 15 is due at the same time: it fires first
        yield 5;
        got.push(k.advanceIfNext(0));
      })(),
    );
    k.run();
    expect(got).toEqual([true, false, true]);
    expect(k.now).toBe(15);
    expect(k.processed).toBe(5);
  });

  it('never inline outside a process body, outside run(), past run(until) or after stop()', () => {
    const k = new Kernel();
    expect(k.advanceIfNext(1)).toBe(false);
    const got: boolean[] = [];
    k.at(1, () => got.push(k.advanceIfNext(1)));
    k.spawn(
      (function* (): Proc {
        yield 5;
        got.push(k.advanceIfNext(10));
        k.stop();
        got.push(k.advanceIfNext(1));
        yield 1;
      })(),
    );
    k.run(12);
    expect(got).toEqual([false, false, false]);
    expect(k.now).toBe(5);
    k.run();
    expect(k.now).toBe(6);
  });

  it('acquireNow takes a free slot only, and accounts it as acquire() would', () => {
    const k = new Kernel();
    const r = new Resource(k, 1);
    const got: boolean[] = [];
    k.spawn(
      (function* (): Proc {
        got.push(r.acquireNow());
        got.push(r.acquireNow()); // held: the caller must queue
        yield 10;
        r.release();
        yield 10;
      })(),
    );
    k.run();
    expect(got).toEqual([true, false]);
    expect(r.utilisation()).toBeCloseTo(0.5, 10);
  });
});
