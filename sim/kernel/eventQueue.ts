// eventQueue.ts — the kernel's binary min-heap of pending events.
// Order: (time, priority, sequence). Sequence is assigned at insertion, so two
// events with equal time and priority fire in the order they were scheduled.

/** One pending event. Fields are public for the kernel's hot loop; treat as read-only elsewhere. */
export class QueuedEvent {
  /** Absolute simulated time in integer nanoseconds. */
  time: number;
  /** Lower fires first among equal times. */
  priority: number;
  /** Insertion order; breaks the remaining ties deterministically. */
  seq: number;
  /** What to run; null once cancelled or fired. */
  fn: ((arg: unknown) => void) | null;
  /** Argument handed to fn (avoids a closure per event). */
  arg: unknown;

  constructor(time: number, priority: number, seq: number, fn: (arg: unknown) => void, arg: unknown) {
    this.time = time;
    this.priority = priority;
    this.seq = seq;
    this.fn = fn;
    this.arg = arg;
  }

  /** True while the event is still due to fire. */
  get pending(): boolean {
    return this.fn !== null;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.seq < b.seq;
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
