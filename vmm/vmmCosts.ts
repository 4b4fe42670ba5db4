// vmmCosts.ts — costs paid on QEMU's side of the migration (not by the device or the host
// kernel). Integer ns unless noted; each default names its source or says "unsourced".

export interface VmmCosts {
  /** Stopping the vCPUs and the device models at switchover (vm_stop). */
  vmStopNs: number;
  /** Starting the VM at the destination once state is loaded (vm_start, before devices). */
  vmStartNs: number;
  /** Loading the virtio-net device state at the destination (virtio_load), per device. */
  deviceStateLoadNs: number;
  /** Size of one device's migrated state (vq indices, features, CVQ state), bytes. */
  deviceStateBytes: number;
  /** SVQ: allocating and zeroing one shadow vring (qemu_memalign + memset). */
  svqAllocNs: number;
  /** Fixed overhead of one CVQ poll for the replayed commands. */
  cvqPollNs: number;
  /** Destination: first dev_start to first vq enabled, when memory is already mapped, fixed part. */
  destConfigNs: number;
}

export const defaultVmmCosts: VmmCosts = {
  vmStopNs: 5_000_000, // unsourced: vCPU pause + device model stop, a few ms
  vmStartNs: 2_000_000, // unsourced
  deviceStateLoadNs: 1_000_000, // unsourced
  deviceStateBytes: 64 * 1024, // unsourced: vmstate of virtio-net plus CVQ state, tens of KiB
  svqAllocNs: 20_000, // unsourced
  cvqPollNs: 50_000, // unsourced
  destConfigNs: 0, // the device's own configure/vq-create costs carry the 241-269 ms measured (Palmer, Aug 2025)
};
