// hostCosts.ts — what the host kernel's own work for vhost-vdpa costs, independent of the device:
// pinning and unpinning by folio class (pin_user_pages / unpin_user_pages), faulting in pages
// that are not resident yet, vhost IOTLB entry insertion and removal, and the locked-memory
// limit. Each default names its source or says "unsourced"; scenarios override them (`host:`).

/** Host kernel costs in ns (fractions allowed for per-page costs; totals are rounded). */
export interface HostCosts {
  /** pin_user_pages(FOLL_LONGTERM) of a resident small (4 KiB) folio, per page. */
  pinSmallPerPageNs: number;
  /**
   * unpin_user_page of one 4 KiB page: vhost_vdpa_pa_unmap releases pinned memory page by page
   * whatever the folio size, so one figure serves every backing.
   */
  unpinPerPageNs: number;
  /** set_page_dirty_lock of one page the device could write (vhost_vdpa_pa_unmap, writable maps). */
  setDirtyPerPageNs: number;
  /** pin_user_pages of a resident large folio (THP or hugetlb), per 4 KiB subpage (one page pointer each). */
  pinLargePerSubpageNs: number;
  /** Faulting in one small folio that is not resident (allocation, mapping), besides zeroing it. */
  faultSmallNs: number;
  /** Faulting in one large folio that is not resident, besides zeroing it. */
  faultLargeNs: number;
  /** Zeroing a freshly allocated folio (clear_page / clear_huge_page), bytes per second. */
  zeroBytesPerSecond: number;
  /** vhost_iotlb_add_range: one entry allocated and inserted in the interval tree. */
  iotlbEntryAddNs: number;
  /** vhost_iotlb_map_free: one entry removed and freed. */
  iotlbEntryDelNs: number;
  /** RLIMIT_MEMLOCK of the VMM process in bytes (null: unlimited, as libvirt sets it for vDPA). */
  memlockLimitBytes: number | null;
}

/**
 * Defaults. gup_test figures: Li Zhe, "gup: optimize longterm pin_user_pages() for large folio",
 * linux-mm, Jun 2025 (v6.15, `gup_test -L -m 8192 -n 512`: 8 GiB = 2,097,152 subpages).
 */
export const defaultHostCosts: HostCosts = {
  pinSmallPerPageNs: 130_500_000 / 2_097_152, // 130.5 ms for 8 GiB of 4 KiB folios (gup_test, Li Zhe, Jun 2025)
  unpinPerPageNs: 31_700_000 / 2_097_152, // 31.7 ms to unpin 8 GiB of 4 KiB folios page by page (same source)
  setDirtyPerPageNs: 10, // unsourced: folio lock, mark dirty, unlock
  pinLargePerSubpageNs: 14_400_000 / 2_097_152, // 14.4 ms for 8 GiB of 2 MiB hugetlb folios, before that series (same source)
  // A minor fault on a 4 KiB anonymous page: 575 ns minimum, 1013 ns median (Linux 6.6, i7-11th gen, rdtsc,
  // "Page fault latency measurement", ddumbying.vercel.app); gup faults in-kernel (no exception entry), so the
  // minimum, less the 4 KiB zeroing below: 575 − 88 ≈ 487 ns.
  faultSmallNs: 487,
  faultLargeNs: 0, // folded into zeroBytesPerSecond (fitted from whole cold THP faults)
  // Cold minus warm THP pinning slope: 42.7 − 19.7 ms/GiB = 23.0 ms/GiB (Palmer, qemu-devel, 6 Jun 2025) = 44.9 µs
  // per 2 MiB folio, taken as zeroing: 2 MiB / 44.9 µs ≈ 46.7 GB/s (fitted).
  zeroBytesPerSecond: 46_700_000_000,
  iotlbEntryAddNs: 150, // unsourced: one kmalloc and an interval-tree insert
  iotlbEntryDelNs: 100, // unsourced: one interval-tree removal and kfree
  memlockLimitBytes: null,
};
