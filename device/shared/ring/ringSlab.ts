// ringSlab.ts — zeroed typed arrays for a ring's per-descriptor state, carved out of shared buffers.
// A ring has some twenty such arrays, and every array of its own costs an off-heap allocation
// (the larger part of building a ring); views into one 64 KiB buffer cost far less. Memory is
// handed out once and never reused, so every array starts zeroed exactly as `new XArray(n)`.

/** Bytes of one shared buffer. */
const SLAB_BYTES = 64 * 1024;

/** Requests larger than this get a buffer of their own (large queue sizes). */
const OWN_BUFFER_BYTES = SLAB_BYTES / 4;

/** The buffer being carved up. */
let slab = new ArrayBuffer(SLAB_BYTES);
/** Next free byte of `slab`. */
let used = 0;

/** `bytes` of zeroed memory aligned to `align`: a buffer and an offset into it. */
function take(bytes: number, align: number): [ArrayBuffer, number] {
  if (bytes > OWN_BUFFER_BYTES) return [new ArrayBuffer(bytes), 0];
  let at = Math.ceil(used / align) * align;
  if (at + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    at = 0;
  }
  used = at + bytes;
  return [slab, at];
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
