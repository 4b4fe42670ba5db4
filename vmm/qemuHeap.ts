// qemuHeap.ts — host virtual addresses for QEMU's own allocations (shadow vrings, CVQ buffers):
// a page-aligned bump allocator in a range of the QEMU process that guest RAM never uses, each
// allocation mapped as a VMA of the process so vhost-vdpa can pin it.

import type { HostMemory, VmaKind } from '../device/shared/hostMemory.js';

/** Start of QEMU's heap range in the simulated process (below the guest RAM mappings, which start at 0x7f00_0000_0000). */
const QEMU_HEAP_BASE = 0x5555_0000_0000;
const PAGE = 4096;

export class QemuHeap {
  /** The process address space allocations are mapped into. */
  private readonly mem: HostMemory;
  /** Next free host virtual address. */
  private next = QEMU_HEAP_BASE;
  /** Allocations made, for VMA names. */
  private count = 0;

  constructor(mem: HostMemory) {
    this.mem = mem;
  }

  /** qemu_memalign(page, size): returns a page-aligned HVA of at least `size` bytes. */
  alloc(size: number, kind: VmaKind = 'other'): number {
    const hva = this.next;
    const bytes = Math.ceil(size / PAGE) * PAGE;
    this.next += bytes;
    const r = this.mem.map(`qemu-heap-${this.count++}`, hva, bytes, kind);
    if (!r.ok) throw new Error(`QEMU heap mapping at 0x${hva.toString(16)}: ${r.reason}`);
    return hva;
  }
}
