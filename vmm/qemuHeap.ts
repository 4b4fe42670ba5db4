// qemuHeap.ts — host virtual addresses for QEMU's own allocations (shadow vrings, CVQ buffers):
// a page-aligned bump allocator in a range of the QEMU process that guest RAM never uses.

/** Start of QEMU's heap range in the simulated process (above any guest RAM mapping). */
export const QEMU_HEAP_BASE = 0x7f00_0000_0000;
const PAGE = 4096;

export class QemuHeap {
  /** Next free host virtual address. */
  private next = QEMU_HEAP_BASE;

  /** qemu_memalign(page, size): returns a page-aligned HVA of at least `size` bytes. */
  alloc(size: number): number {
    const hva = this.next;
    this.next += Math.ceil(size / PAGE) * PAGE;
    return hva;
  }
}
