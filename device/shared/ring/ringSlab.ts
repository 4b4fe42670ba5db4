// ringSlab.ts — zeroed typed arrays for a ring's per-descriptor state, carved out of shared buffers.
// A ring has some twenty such arrays, and every array of its own costs an off-heap allocation
// (the larger part of building a ring); views into one 64 KiB buffer cost far less. Every array
// starts zeroed exactly as `new XArray(n)`. A run takes a mark before it builds its rings and
// gives back everything carved after it when it ends (recycleSince): the next run carves the same
// buffers again, zeroed, instead of allocating new ones (a fresh 64 KiB ArrayBuffer costs about
// ten times as much as zeroing one).

/** Bytes of one shared buffer. */
const SLAB_BYTES = 64 * 1024;

/** Requests larger than this get a buffer of their own (large queue sizes). */
const OWN_BUFFER_BYTES = SLAB_BYTES / 4;

/**
 * The shared buffers begun since the oldest mark still open, oldest first (only the one being
 * carved when no mark is open); the last is being carved.
 */
const begun: ArrayBuffer[] = [new ArrayBuffer(SLAB_BYTES)];
/** Marks taken and not yet given back (recycleSince), innermost last. */
let openMarks = 0;
/** Next free byte of the last buffer of `begun`. */
let used = 0;
/** Buffers given back by recycleSince, zeroed, ready to be begun again. */
const spare: ArrayBuffer[] = [];

/** A point in the carving: buffers begun and bytes used of the last one. */
export interface SlabMark {
  readonly buffers: number;
  readonly used: number;
}

/** Where the carving stands now; the mark stays open until recycleSince gives it back. */
export function slabMark(): SlabMark {
  openMarks++;
  return { buffers: begun.length, used };
}

/**
 * Gives back every array carved after `mark`: their memory is zeroed and carved again by the
 * next requests. Arrays carved after the mark must not be used any more (the run that made them
 * has ended); arrays carved before it are untouched. Marks are given back innermost first.
 */
export function recycleSince(mark: SlabMark): void {
  if (openMarks === 0) throw new RangeError('no slab mark is open');
  if (mark.buffers < 1 || mark.buffers > begun.length || (mark.buffers === begun.length && mark.used > used)) {
    throw new RangeError(`slab mark (${mark.buffers} buffers, ${mark.used} bytes) is past the carving (${begun.length}, ${used})`);
  }
  // The mark's buffer was carved up to `used`, or to its end if later buffers were begun.
  const end = begun.length > mark.buffers ? SLAB_BYTES : used;
  while (begun.length > mark.buffers) {
    const b = begun.pop()!;
    new Uint8Array(b).fill(0);
    spare.push(b);
  }
  new Uint8Array(begun[begun.length - 1]!, mark.used, end - mark.used).fill(0);
  used = mark.used;
  openMarks--;
}

/** `bytes` of zeroed memory aligned to `align`: a buffer and an offset into it. */
function take(bytes: number, align: number): [ArrayBuffer, number] {
  if (bytes > OWN_BUFFER_BYTES) return [new ArrayBuffer(bytes), 0];
  let at = Math.ceil(used / align) * align;
  if (at + bytes > SLAB_BYTES) {
    const next = spare.pop() ?? new ArrayBuffer(SLAB_BYTES);
    // With no mark open nothing will be given back: only the buffer being carved is kept.
    if (openMarks === 0) begun[0] = next;
    else begun.push(next);
    at = 0;
  }
  used = at + bytes;
  return [begun[begun.length - 1]!, at];
}

/** A zeroed Float64Array of n elements. */
export function float64s(n: number): Float64Array {
  const [b, at] = take(n * 8, 8);
  return new Float64Array(b, at, n);
}

/** A zeroed Int32Array of n elements. */
export function int32s(n: number): Int32Array {
  const [b, at] = take(n * 4, 4);
  return new Int32Array(b, at, n);
}

/** A zeroed Uint32Array of n elements. */
export function uint32s(n: number): Uint32Array {
  const [b, at] = take(n * 4, 4);
  return new Uint32Array(b, at, n);
}

/** A zeroed Uint16Array of n elements. */
export function uint16s(n: number): Uint16Array {
  const [b, at] = take(n * 2, 2);
  return new Uint16Array(b, at, n);
}

/** A zeroed Uint8Array of n elements. */
export function uint8s(n: number): Uint8Array {
  const [b, at] = take(n, 1);
  return new Uint8Array(b, at, n);
}
