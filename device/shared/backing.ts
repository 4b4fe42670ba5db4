// backing.ts — how a VMA's memory is backed (small pages, transparent huge pages, hugetlbfs):
// the folio size that page pinning and faulting work in, and the physically contiguous run
// length that vhost_vdpa_pa_map coalesces pinned pages into (one IOTLB entry per run). Runs are
// counted arithmetically from the VMA's start, never one object per page.

import { PAGE_SIZE } from './pinSet.js';

/** Guest RAM backing (scenario `vm.backing`). */
export type BackingKind = '4k' | 'thp' | 'hugetlb-2M' | 'hugetlb-1G';

/** The backings a scenario may name, in order of folio size. */
export const BACKING_KINDS: readonly BackingKind[] = ['4k', 'thp', 'hugetlb-2M', 'hugetlb-1G'];

/** Folio (base page or huge page) size of each backing. */
export function folioBytes(kind: BackingKind): number {
  switch (kind) {
    case '4k':
      return PAGE_SIZE;
    case 'thp':
    case 'hugetlb-2M':
      return 2 * 1024 * 1024;
    case 'hugetlb-1G':
      return 1024 * 1024 * 1024;
  }
}

/** A VMA's backing: its folio size and the physically contiguous run length of its pages. */
export interface Backing {
  readonly kind: BackingKind;
  /** Bytes per folio (the unit pinning takes a reference on and a fault populates). */
  readonly folioBytes: number;
  /**
   * Bytes of one physically contiguous run (a multiple of the folio size): what one IOTLB entry
   * of vhost_vdpa_pa_map covers. Folios are not assumed contiguous with each other unless the
   * scenario says so.
   */
  readonly runBytes: number;
}

/** Memory the model does not give a backing (QEMU's own allocations): small pages. */
export const SMALL_PAGES: Backing = { kind: '4k', folioBytes: PAGE_SIZE, runBytes: PAGE_SIZE };

/** The backing of a kind, with an optional longer contiguous run (a multiple of the folio). */
export function backingOf(kind: BackingKind, runBytes?: number): Backing {
  const f = folioBytes(kind);
  return { kind, folioBytes: f, runBytes: runBytes !== undefined && runBytes > f ? runBytes : f };
}

/**
 * Units of `unit` bytes touched by [offset, offset+size) of a VMA whose units are aligned to its
 * start: how many folios a pin of that range references, or how many runs it spans.
 */
export function unitsSpanned(offset: number, size: number, unit: number): number {
  if (!(size > 0)) return 0;
  return Math.ceil((offset + size) / unit) - Math.floor(offset / unit);
}

/** Whether a backing uses large folios (THP or hugetlbfs) rather than base pages. */
export function isLargeFolio(b: Backing): boolean {
  return b.folioBytes > PAGE_SIZE;
}
