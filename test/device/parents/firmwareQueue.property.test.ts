// firmwareQueue.property.test.ts — the computed firmware throttle against its definition: for any
// batches issued at any times, every batch ends exactly when submitter processes on a FIFO
// resource (one per slot, each taking the batch's next command when its previous one ends)
// would end it, and never more than `capacity` commands are in flight.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kernel, Resource, allOf, type Proc, type Process } from '../../../sim/kernel/index.js';
import { FirmwareQueue } from '../../../device/parents/firmwareQueue.js';

interface Issue {
  at: number;
  durations: number[];
  /** Issued through issueUniform (every duration the same). */
  uniform?: boolean;
}

/** The reference: submitter processes on a FIFO resource. */
function byProcesses(capacity: number, issues: readonly Issue[]): number[] {
  const kernel = new Kernel();
  const slots = new Resource(kernel, capacity);
  const ends: number[] = issues.map(() => -1);
  issues.forEach((iss, k) => {
    kernel.at(iss.at, () => {
      let claimed = 0;
      let started = 0;
      const count = iss.durations.length;
      function* submitter(): Proc<void> {
        while (claimed < count) {
          claimed++;
          yield slots.acquire();
          try {
            yield iss.durations[started++]!;
          } finally {
            slots.release();
          }
        }
      }
      const procs: Process<void>[] = [];
      for (let i = 0; i < Math.min(count, capacity); i++) procs.push(kernel.spawn(submitter()));
      kernel.spawn(
        (function* (): Proc<void> {
          yield allOf(kernel, procs);
          ends[k] = kernel.now;
        })(),
      );
    });
  });
  kernel.run();
  return ends;
}

/** The computed throttle, with the most commands it ever had in flight. */
function byQueue(capacity: number, issues: readonly Issue[]): { ends: number[]; maxInFlight: number } {
  const kernel = new Kernel();
  const q = new FirmwareQueue(kernel, capacity);
  const ends: number[] = issues.map(() => -1);
  let maxInFlight = 0;
  issues.forEach((iss, k) => {
    kernel.at(iss.at, () => {
      kernel.spawn(
        (function* (): Proc<void> {
          yield iss.uniform === true ? q.issueUniform(iss.durations.length, iss.durations[0] ?? 0) : q.issue(iss.durations);
          ends[k] = kernel.now;
        })(),
      );
      maxInFlight = Math.max(maxInFlight, q.inUse());
    });
  });
  kernel.run();
  return { ends, maxInFlight };
}

const issueArb = fc.record({
  at: fc.integer({ min: 0, max: 200 }),
  // Small durations make ties between ends, and between an end and an issue, common.
  durations: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 0, maxLength: 40 }),
});

/** A batch of equal commands, issued as such or as a list. */
const uniformArb = fc.record({
  at: fc.integer({ min: 0, max: 200 }),
  count: fc.integer({ min: 0, max: 60 }),
  d: fc.integer({ min: 1, max: 20 }),
  uniform: fc.boolean(),
}).map(({ at, count, d, uniform }) => ({ at, durations: new Array<number>(count).fill(d), uniform }));

/** For any capacity and batches drawn from `batch`: the queue ends each when the processes would, never over capacity. */
function agreesWithProcesses(batch: fc.Arbitrary<Issue>, numRuns: number): void {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.array(batch, { minLength: 1, maxLength: 8 }), (capacity, issues) => {
      const ref = byProcesses(capacity, issues);
      const got = byQueue(capacity, issues);
      expect(got.ends).toEqual(ref);
      expect(got.maxInFlight).toBeLessThanOrEqual(capacity);
    }),
    { numRuns },
  );
}

describe('FirmwareQueue', () => {
  it('counts a batch of equal commands (issueUniform) exactly as it plays them, whatever arrives meanwhile', () => {
    agreesWithProcesses(fc.oneof(uniformArb, issueArb), 600);
  });

  it('counts 16,384 commands of 1000 ns on 16 slots without playing them: 1,024 rounds', () => {
    const kernel = new Kernel();
    const q = new FirmwareQueue(kernel, 16);
    let end = -1;
    kernel.spawn(
      (function* (): Proc<void> {
        yield q.issueUniform(16_384, 1000);
        end = kernel.now;
      })(),
    );
    kernel.run();
    expect(end).toBe(1_024_000);
    expect(kernel.processed).toBeLessThan(10);
  });

  it('counts a batch again once it is alone, its slots out of step, and plays it again when another arrives', () => {
    // A long batch of equal commands, commands arriving while it runs (they put its slots out of
    // step), and batches arriving after they have gone (which find it counted, not played).
    const long = fc.record({ count: fc.integer({ min: 10, max: 120 }), d: fc.integer({ min: 3, max: 25 }) });
    const single = fc.record({ at: fc.integer({ min: 1, max: 300 }), d: fc.integer({ min: 1, max: 40 }), n: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), long, fc.array(single, { minLength: 1, maxLength: 5 }), fc.boolean(), (capacity, l, singles, asList) => {
        const issues: Issue[] = [
          { at: 0, durations: new Array<number>(l.count).fill(l.d), uniform: true },
          ...singles.map((x) => ({ at: x.at, durations: new Array<number>(x.n).fill(x.d), uniform: !asList })),
        ];
        expect(byQueue(capacity, issues).ends).toEqual(byProcesses(capacity, issues));
      }),
      { numRuns: 500 },
    );
  });

  it('jumps whole rounds of two batches of equal commands taking turns, and ends them as the processes do', () => {
    const long = fc.record({ at: fc.integer({ min: 0, max: 150 }), count: fc.integer({ min: 1, max: 150 }), d: fc.integer({ min: 1, max: 25 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(long, { minLength: 2, maxLength: 4 }), fc.array(fc.record({ at: fc.integer({ min: 0, max: 400 }), d: fc.integer({ min: 1, max: 30 }) }), { maxLength: 2 }), (capacity, batches, singles) => {
        const issues: Issue[] = [
          ...batches.map((b) => ({ at: b.at, durations: new Array<number>(b.count).fill(b.d), uniform: true })),
          ...singles.map((x) => ({ at: x.at, durations: [x.d], uniform: true })),
        ];
        expect(byQueue(capacity, issues).ends).toEqual(byProcesses(capacity, issues));
      }),
      { numRuns: 500 },
    );
  });

  it('plays two overlapping batches of 16,384 equal commands in a few events', () => {
    const kernel = new Kernel();
    const q = new FirmwareQueue(kernel, 16);
    const ends: number[] = [];
    for (const [at, d] of [[0, 1000], [500, 700]] as const) {
      kernel.at(at, () => {
        kernel.spawn(
          (function* (): Proc<void> {
            yield q.issueUniform(16_384, d);
            ends.push(kernel.now);
          })(),
        );
      });
    }
    kernel.run();
    // The first ends its first round alone at 1000; from then on they take turns, a round of
    // each every 1700 ns: its 1,024th round ends at 1000 + 1023 x 1700, the other's 700 later.
    expect(ends).toEqual([1000 + 1023 * 1700, 1700 + 1023 * 1700]);
    expect(kernel.processed).toBeLessThan(40);
    const issues = [
      { at: 0, durations: new Array<number>(16_384).fill(1000) },
      { at: 500, durations: new Array<number>(16_384).fill(700) },
    ];
    expect(byProcesses(16, issues)).toEqual(ends);
  });

  it('does not play 16,384 commands whose slots one other command put out of step', () => {
    const kernel = new Kernel();
    const q = new FirmwareQueue(kernel, 16);
    const ends: number[] = [];
    kernel.spawn(
      (function* (): Proc<void> {
        yield q.issueUniform(16_384, 1000);
        ends.push(kernel.now);
      })(),
    );
    kernel.at(1500, () => {
      kernel.spawn(
        (function* (): Proc<void> {
          yield q.issueUniform(1, 700);
          ends.push(kernel.now);
        })(),
      );
    });
    kernel.run();
    // The single command takes the first slot freed at 2000 and ends at 2700; that slot's
    // submitter runs 700 ns behind the others from then on. 16,384 = 16 x 1,024: slot 0 (now
    // last of the order) takes the last command, starting at 1,023,000 + 700.
    expect(ends).toEqual([2700, 1_024_700]);
    expect(kernel.processed).toBeLessThan(40);
  });

  it('ends every batch when the submitter processes would, with at most capacity in flight', () => {
    agreesWithProcesses(issueArb, 400);
  });

  it('runs 16 commands of 1000 ns on 4 slots in 4 rounds', () => {
    const { ends } = byQueue(4, [{ at: 0, durations: new Array<number>(16).fill(1000) }]);
    expect(ends).toEqual([4000]);
  });
});
