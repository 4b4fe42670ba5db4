// createConfigOps.ts — picks a device's ops from its profile's capabilities, so a user-defined
// profile (capabilities + costs only) gets the right behaviour: whole-map set_map (a software copy
// of the IOTLB, or an MKEY memory region rebuilt by firmware when `mkeys`), or incremental
// dma_map/dma_unmap; reset_map when the device can return to its initial map; suspend/resume and
// a descriptor group when the device has them. Returns the ops and, for MKEY devices, the memory
// regions (for tests and notes).

import type { Proc } from '../../sim/kernel/index.js';
import { CommonOps, resumeOp, suspendOp } from '../core/commonOps.js';
import type { VdpaConfigOps } from '../core/configOps.js';
import { OK, type Result } from '../uapi/errno.js';
import type { EntrySplit, VhostIotlb } from '../vhost/iotlb.js';
import { Mlx5MemoryRegions } from './mlx5Mr.js';
import { PAGE_SIZE } from '../shared/pinSet.js';
import type { AccessMode } from '../uapi/uapi.js';
import type { DeviceCore } from '../core/deviceCore.js';
import { dmaMapNs } from '../profiles/dmaMap.js';
import type { VqWorker } from '../core/vqWorker.js';
import { backendBit } from '../uapi/uapi.js';
import type { Iopf } from '../core/iopf.js';

export function createConfigOps(dev: DeviceCore, worker: VqWorker, iopf: Iopf | null = null): { ops: VdpaConfigOps; mr: Mlx5MemoryRegions | null } {
  const ops = new CommonOps(dev, worker);
  const o: VdpaConfigOps = ops;
  const caps = dev.caps;
  let mr: Mlx5MemoryRegions | null = null;
  if (caps.dataDescGroup !== null) setOp(o, 'getVqDescGroup', (vq) => dev.vqDescGroup(vq));
  if (caps.iovaRange !== undefined) {
    const range = { ...caps.iovaRange };
    setOp(o, 'getIovaRange', () => range);
  }
  if (caps.suspend) setOp(o, 'suspend', () => suspendOp(ops, dev, worker));
  if (caps.resume) setOp(o, 'resume', () => resumeOp(ops, dev, worker));
  // The device keeps its maps across a reset (the proposed VHOST_BACKEND_F_IOTLB_PERSIST).
  if (caps.iotlbPersist) setOp(o, 'getBackendFeatures', () => backendBit('IOTLB_PERSIST'));
  // A device that takes page faults (proposal): vhost-vdpa offers the proposed IOPF backend feature.
  if (iopf !== null) setOp(o, 'enablePageFaults', () => enableIopf(iopf));
  if (caps.mapModel === 'setMap') {
    if (caps.mkeys === true) mr = addMkeyMapOps(o, ops, dev);
    else addCopyMapOps(o, ops, dev);
  } else if (caps.mapModel === 'dmaMap') {
    addDmaMapOps(o, ops, dev);
  }
  // platformIommu: no map ops; vhost-vdpa maps into the device's IOMMU domain, which a reset keeps.
  return { ops: o, mr };
}

// The ops are arrows over module-level generator functions, never generator closures: a
// generator function's first call gives it a hidden class of its own, which keeps the function
// and the device it closes over alive through every young-generation GC until the next full one
// (every run's devices would be copied and promoted by the scavenges of the runs after it). And
// they are handed to setOp rather than written straight into their property (`o.setMap = () =>
// …`): V8 allocates a function literal so assigned in the old generation, with the same effect.

/** Sets op `name` of `o` to `fn` (built as an argument: see above). */
function setOp<K extends keyof VdpaConfigOps>(o: VdpaConfigOps, name: K, fn: NonNullable<VdpaConfigOps[K]>): void {
  o[name] = fn;
}

/** Sets the device-specific part of a reset that cleans maps (built as an argument: see above). */
function setCleanMaps(ops: CommonOps, fn: () => Proc<void>): void {
  ops.cleanMaps = fn;
}

/** enable_page_faults (proposal): the device starts taking faults instead of needing pins. */
// eslint-disable-next-line require-yield -- an op is a process even when it takes no time
function* enableIopf(iopf: Iopf): Proc<Result> {
  iopf.enable();
  return OK;
}

/** Every ASID back to its initial map, without cost (software maps). */
// eslint-disable-next-line require-yield -- an op is a process even when it takes no time
function* resetSpaces(dev: DeviceCore): Proc<void> {
  for (let asid = 0; asid < dev.caps.nas; asid++) dev.setSpace(asid, dev.initialSpace());
}

/** Copies the IOTLB into the device's map; on failure the device is left with an empty map (vdpa_sim). */
function installCopy(dev: DeviceCore, asid: number, iotlb: VhostIotlb): Result {
  const { iotlb: copy, result } = iotlb.copy(dev.caps.maxIotlbEntries);
  if (!result.ok) {
    copy.clear();
    dev.setSpace(asid, { identity: false, iotlb: copy });
    return result;
  }
  dev.setSpace(asid, { identity: false, iotlb: copy });
  return OK;
}

/**
 * Reset for devices whose map is software-held (no MKEYs): reset with CLEAN_MAP drops every
 * ASID's map, and reset_map (when the device has it) returns one ASID to its initial map.
 */
function addSoftwareReset(o: VdpaConfigOps, ops: CommonOps, dev: DeviceCore): void {
  setCleanMaps(ops, () => resetSpaces(dev));
  if (dev.caps.resetMap) setOp(o, 'resetMap', (asid) => softwareResetMap(dev, asid));
}

/** reset_map of a software-held map: the ASID's initial map again, at no cost. */
// eslint-disable-next-line require-yield -- an op is a process even when it takes no time
function* softwareResetMap(dev: DeviceCore, asid: number): Proc<Result> {
  dev.setSpace(asid, dev.initialSpace());
  dev.bus.emit({ kind: 'mapWork', t: dev.kernel.now, dur: 0, device: dev.name, asid, what: 'resetMap' });
  return OK;
}

/** set_map as a software copy of the whole IOTLB (vdpa_sim). */
function addCopyMapOps(o: VdpaConfigOps, ops: CommonOps, dev: DeviceCore): void {
  setOp(o, 'setMap', (asid, iotlb) => copySetMap(dev, asid, iotlb));
  addSoftwareReset(o, ops, dev);
}

/** set_map of a software copy: its cost (setMapBaseNs, setMapPerPageNs), then the copy. */
function* copySetMap(dev: DeviceCore, asid: number, iotlb: VhostIotlb): Proc<Result> {
  const c = dev.costs;
  const t0 = dev.kernel.now;
  yield c.setMapBaseNs + Math.round(Math.ceil(iotlb.bytes / PAGE_SIZE) * c.setMapPerPageNs);
  const r = installCopy(dev, asid, iotlb);
  dev.bus.emit({ kind: 'mapWork', t: dev.kernel.now, dur: dev.kernel.now - t0, device: dev.name, asid, what: 'setMapRebuild', ranges: iotlb.count });
  return r;
}

/**
 * set_map as an MKEY memory region (mlx5_vnet.c set_map_data, Linux 6.12+): every ASID's map
 * becomes a hardware MR (an empty map none, dropping the old one), the CVQ's ASID too; when the
 * CVQ group is bound to that ASID its software IOTLB is pruned and copied from the map as well
 * (prune_iotlb, dup_iotlb). The identity MR exists from device add in ASID 0 when the device
 * starts with a 1:1 map.
 */
function addMkeyMapOps(o: VdpaConfigOps, ops: CommonOps, dev: DeviceCore): Mlx5MemoryRegions {
  const mr = new Mlx5MemoryRegions(dev.kernel, dev.bus, dev.name, dev.costs, (ns) => dev.jittered(ns));
  if (dev.caps.identityMapAtInit) mr.initIdentity(0);
  setOp(o, 'setMap', (asid, iotlb) => mkeySetMap(mr, dev, asid, iotlb));
  setCleanMaps(ops, () => mkeyCleanMaps(mr, dev));
  if (dev.caps.resetMap) setOp(o, 'resetMap', (asid) => mkeyResetMap(mr, dev, asid));
  return mr;
}

/** set_map of an MKEY device: the MR rebuilt, then the device's copy of the map. */
function* mkeySetMap(mr: Mlx5MemoryRegions, dev: DeviceCore, asid: number, iotlb: VhostIotlb): Proc<Result> {
  yield* mr.rebuild(asid, iotlb);
  return installCopy(dev, asid, iotlb);
}

/** One ASID of an MKEY device back to its initial map: its MR reset (the identity MR again in ASID 0 when the device starts 1:1). */
function* mkeyRestore(mr: Mlx5MemoryRegions, dev: DeviceCore, asid: number): Proc<void> {
  yield* mr.resetMap(asid, dev.caps.identityMapAtInit && asid === 0);
  dev.setSpace(asid, dev.initialSpace());
}

/** The maps a reset with CLEAN_MAP drops: every ASID restored in turn. */
function* mkeyCleanMaps(mr: Mlx5MemoryRegions, dev: DeviceCore): Proc<void> {
  for (let asid = 0; asid < dev.caps.nas; asid++) yield* mkeyRestore(mr, dev, asid);
}

/** reset_map of an MKEY device. */
function* mkeyResetMap(mr: Mlx5MemoryRegions, dev: DeviceCore, asid: number): Proc<Result> {
  yield* mkeyRestore(mr, dev, asid);
  return OK;
}

/** Incremental dma_map/dma_unmap (platform IOMMU or a device taking ranges one by one). */
function addDmaMapOps(o: VdpaConfigOps, ops: CommonOps, dev: DeviceCore): void {
  setOp(o, 'dmaMap', (asid, iova, size, uaddr, perm, split) => dmaMapOp(dev, asid, iova, size, uaddr, perm, split));
  setOp(o, 'dmaUnmap', (asid, iova, size) => dmaUnmapOp(dev, asid, iova, size));
  addSoftwareReset(o, ops, dev);
}

/** The time of a dma_map or dma_unmap of `ranges` calls over `pages` pages (dmaMapNs), jittered. */
function dmaCost(dev: DeviceCore, pages: number, ranges: number): number {
  return dev.jittered(dmaMapNs(dev.costs, ranges, pages));
}

/** The ASID's map as the device's own (an identity map becomes an explicit one at the first dma_map). */
function ownSpace(dev: DeviceCore, asid: number): VhostIotlb {
  const s = dev.spaces[asid]!;
  if (s.identity) dev.setSpace(asid, { identity: false, iotlb: s.iotlb });
  return s.iotlb;
}

/** dma_map: the kernel calls it once per IOTLB entry (contiguous run): `split.entries` calls, counted. */
function* dmaMapOp(dev: DeviceCore, asid: number, iova: number, size: number, uaddr: number, perm: AccessMode, split: EntrySplit): Proc<Result> {
  const t0 = dev.kernel.now;
  yield dmaCost(dev, Math.ceil(size / PAGE_SIZE), split.entries);
  const r = ownSpace(dev, asid).add(iova, size, uaddr, perm, split);
  dev.bus.emit({ kind: 'mapWork', t: dev.kernel.now, dur: dev.kernel.now - t0, device: dev.name, asid, what: 'dmaMap', ranges: split.entries });
  return r;
}

/** dma_unmap: the entries the range covered dropped, their pages and calls counted. */
function* dmaUnmapOp(dev: DeviceCore, asid: number, iova: number, size: number): Proc<Result> {
  const t0 = dev.kernel.now;
  const gone = ownSpace(dev, asid).del(iova, size);
  let bytes = 0;
  let entries = 0;
  for (const r of gone) {
    bytes += r.size;
    entries += r.value.entries;
  }
  yield dmaCost(dev, Math.ceil(bytes / PAGE_SIZE), entries);
  dev.bus.emit({ kind: 'mapWork', t: dev.kernel.now, dur: dev.kernel.now - t0, device: dev.name, asid, what: 'dmaUnmap', ranges: entries });
  return OK;
}
