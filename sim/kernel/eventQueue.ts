// eventQueue.ts — the kernel's binary min-heap of pending events.
// Order: (time, priority, sequence). Sequence is assigned at insertion, so two
// events with equal time and priority fire in the order they were scheduled.

/** Priorities an event may have: integers in [-MAX_PRIORITY, MAX_PRIORITY]. */
export const MAX_PRIORITY = 1023;
/** Sequence numbers stay below SEQ_SPAN = 2^42 (4.4e12 events), so one number holds (priority, sequence). */
export const SEQ_SPAN = 2 ** 42;

/** The tie-break key of (priority, seq): ordered as the pair is, below 2^52 in magnitude. */
export function tieKey(priority: number, seq: number): number {
  return priority * SEQ_SPAN + seq;
}

/** One pending event. Fields are public for the kernel's hot loop; treat as read-only elsewhere. */
export class QueuedEvent {
  /** Absolute simulated time in integer nanoseconds. */
  time: number;
  /** Breaks ties of time: priority (lower fires first), then insertion order, as one number (tieKey). */
  key: number;
  /** What to run; null once cancelled or fired. */
  fn: ((arg: unknown) => void) | null;
  /** Argument handed to fn (avoids a closure per event). */
  arg: unknown;

  constructor(time: number, key: number, fn: (arg: unknown) => void, arg: unknown) {
    this.time = time;
    this.key = key;
    this.fn = fn;
    this.arg = arg;
  }

  /** True while the event is still due to fire. */
  get pending(): boolean {
    return this.fn !== null;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.time !== b.time ? a.time < b.time : a.key < b.key;
}

/** Array-backed binary heap; cancelled entries are dropped lazily when they reach the top. */
export class EventQueue {
  /** Heap array, heap[0] is the earliest event. */
  private readonly heap: QueuedEvent[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(ev: QueuedEvent): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(ev, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = ev;
  }

  peek(): QueuedEvent | undefined {
    return this.heap[0];
  }

  pop(): QueuedEvent | undefined {
    const heap = this.heap;
    const n = heap.length;
    if (n === 0) return undefined;
    const top = heap[0];
    const last = heap.pop() as QueuedEvent;
    if (n > 1) {
      const len = n - 1;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= len) break;
        const r = l + 1;
        let c = l;
        let child = heap[l]!;
        if (r < len) {
          const rc = heap[r]!;
          if (before(rc, child)) {
            c = r;
            child = rc;
          }
        }
        if (!before(child, last)) break;
        heap[i] = child;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }
}
