// adminVq.golden.test.ts — the exact admin commands of one SVQ switch (downtime #1) and one
// switchover (downtime #2) on the admin-vq transport, in a full run: one NIC of 1 queue pair
// (RX, TX, CVQ) on a 16 GiB q35 guest (9 RAM sections), vdpa_sim (2 address spaces, so the CVQ
// can be isolated in ASID 1 by MMU_ASID_SET). And the virtio 1.4 device-parts switchover.

import { describe, expect, it } from 'vitest';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import type { ModelEvent } from '../../../sim/events/events.js';
import type { AdminVqChoices } from '../../../sim/scenario/scenario.js';
import { messageSequence } from '../../messageSequence.js';
import { scenario, GiB } from './helpers.js';

const PER_VQ = (vq: number) => [`VQ_SIZE_SET ${vq}`, `VQ_STATE_SET ${vq}`, `MSI_VQ_SET ${vq}`, `MSI_VQ_ENABLE ${vq}`];

// The seed's transport has no SUSPEND: QEMU stops the device by a reset (vhost_vdpa_suspend's
// fallback), then unmaps its own memory. In passthrough only the CVQ is QEMU's: its shadow vring
// (2 areas) and its 2 buffers, all in ASID 1.
const STOP_PASSTHROUGH = ['STATUS_SET 0x0', 'MMU_UNMAP asid1 ×4'];
// Start with every vq shadowed. Guest RAM stays mapped at IOVA = GPA in ASID 0 (the MMU kept its
// maps across the reset): no RAM command at all, the descriptor group's effect.
const START_SVQ = [
  'STATUS_SET 0x3', // ACKNOWLEDGE | DRIVER
  'FEAT_DRIVER_SET',
  'STATUS_SET 0xb', // | FEATURES_OK
  'MMU_ENABLE', // the reset disabled it
  'MMU_ASID_SET 2 asid1', // the CVQ isolated per vq (the reset put every vq back in ASID 0)
  ...PER_VQ(0),
  ...PER_VQ(1),
  ...PER_VQ(2),
  'MMU_MAP asid1 ×2', // CVQ buffers
  'MMU_MAP asid0 ×4', // the data vqs' shadow vrings, at free IOVAs of ASID 0
  'MMU_MAP asid1 ×2', // the CVQ's shadow vring
  'VQ_ADDR_SET 0',
  'VQ_ADDR_SET 1',
  'VQ_ADDR_SET 2',
  'STATUS_SET 0xf', // DRIVER_OK, read back
  'STATUS_GET',
  'VQ_ENABLE_SET 2', // the CVQ first, for the state replay
  'VQ_ENABLE_SET 0',
  'VQ_ENABLE_SET 1',
];
// Switchover: the source stopped from SVQ mode (every vq's shadow vring unmapped, the CVQ buffers).
const STOP_SVQ = ['STATUS_SET 0x0', 'MMU_UNMAP asid0 ×4', 'MMU_UNMAP asid1 ×4'];
// The destination (its device created, guest RAM mapped and pinned at its init, during pre-copy)
// starts in passthrough: the data vqs on the guest's rings at the migrated indices (VQ_STATE_SET).
const START_PASSTHROUGH = [
  'STATUS_SET 0x3',
  'FEAT_DRIVER_SET',
  'STATUS_SET 0xb',
  'MMU_ENABLE',
  'MMU_ASID_SET 2 asid1',
  ...PER_VQ(0),
  ...PER_VQ(1),
  ...PER_VQ(2),
  'MMU_MAP asid1 ×4', // CVQ buffers and shadow vring
  'VQ_ADDR_SET 0',
  'VQ_ADDR_SET 1',
  'VQ_ADDR_SET 2',
  'STATUS_SET 0xf',
  'STATUS_GET',
  'VQ_ENABLE_SET 2',
  'VQ_ENABLE_SET 0',
  'VQ_ENABLE_SET 1',
];
// Device parts (virtio 1.4, vfio/virtio's state machine): the source RUNNING → RUNNING_P2P
// (DEV_MODE_SET stopped) → STOP → STOP_COPY (a parts-get object, its size, the parts) → STOP.
const PARTS_SOURCE = ['DEV_MODE_SET stopped', 'RESOURCE_OBJ_CREATE', 'DEV_PARTS_METADATA_GET', 'DEV_PARTS_GET', 'RESOURCE_OBJ_DESTROY'];
// The destination STOP → RESUMING (a parts-set object, DEV_PARTS_SET) → STOP → RUNNING.
const PARTS_DESTINATION = ['DEV_MODE_SET stopped', 'RESOURCE_OBJ_CREATE', 'DEV_PARTS_SET', 'RESOURCE_OBJ_DESTROY', 'MMU_ENABLE', 'DEV_MODE_SET running'];

function runWith(choices: Partial<AdminVqChoices>, memory = 16 * GiB) {
  const sc = scenario({ profile: 'vdpa_sim', memory });
  sc.migration.transport = 'admin-vq';
  sc.migration.adminVq = { mode: 'svq', pipeline: 'serial', destinationCreate: 'init', mmuMapsAtReset: 'keep', dirtyTracking: 'iommu', dirtyReadPerEntryNs: 1, ...choices };
  return simulateMigration({ scenario: sc, variant: 'v', params: {}, replication: 0, stream: 0, seed: 1 }, { keepEvents: true });
}

/** The events between a window's begin and end (by order: another host's event at the same instant stays out). */
function win(events: readonly ModelEvent[], name: string): ModelEvent[] {
  const at = events.flatMap((e, i) => (e.kind === 'phase' && e.device === undefined && e.name === name ? [i] : []));
  return at.length < 2 ? [] : events.slice(at[0]! + 1, at[1]);
}

describe('admin-vq transport, SVQ mode (seed 004)', () => {
  it('the exact commands of the SVQ switch and the switchover', () => {
    const out = runWith({});
    expect(out.record.outcome).toBeUndefined();
    expect(out.record.invariants.violations).toEqual([]);
    const d1 = win(out.events!, 'downtime1');
    expect(messageSequence(d1, 'src:net0')).toEqual([...STOP_PASSTHROUGH, ...START_SVQ]);
    expect(messageSequence(d1, 'dst:net0')).toEqual([]);
    const d2 = win(out.events!, 'downtime2');
    expect(messageSequence(d2, 'src:net0')).toEqual(STOP_SVQ);
    expect(messageSequence(d2, 'dst:net0')).toEqual(START_PASSTHROUGH);
    // No pinning or unpinning of guest RAM in either window: only the shadow vrings (3 pages
    // each) and the CVQ buffers (1 page each) are pinned and unpinned by the management driver.
    expect(out.record.downtime1.counts.pagesPinned).toBe(3 * 3 + 2);
    expect(out.record.downtime1.counts.pagesUnpinned).toBe(3 + 2);
    expect(out.record.downtime2.counts.pagesUnpinned).toBe(3 * 3 + 2);
    expect(out.record.downtime1.counts.ioctls.MMU_MAP).toBe(8);
  });

  it('maps dropped at reset: every reset costs the guest RAM maps again (9 sections), the pins stay', () => {
    const out = runWith({ mmuMapsAtReset: 'drop' });
    expect(out.record.outcome).toBeUndefined();
    const d1 = messageSequence(win(out.events!, 'downtime1'), 'src:net0');
    // No unmap after the reset (the device dropped everything), then guest RAM first.
    expect(d1.slice(0, 2)).toEqual(['STATUS_SET 0x0', 'MMU_MAP asid0 ×9']);
    // The management driver still holds its pins: guest RAM and the CVQ's ring and buffers (back at
    // the same IOVAs of ASID 1) are not pinned again; only the data vqs' new shadow vrings are (2 × 3 pages).
    expect(out.record.downtime1.counts.pagesPinned).toBe(2 * 3);
    expect(out.record.downtime1.counts.pagesUnpinned).toBe(0);
    expect(messageSequence(win(out.events!, 'downtime2'), 'dst:net0')).toContain('MMU_MAP asid0 ×9');
  });

  it('queued commands share doorbells: the same commands, a shorter window', () => {
    const serial = runWith({}).record;
    const queued = runWith({ pipeline: 'queued' }).record;
    expect(queued.downtime1.counts.ioctls).toEqual(serial.downtime1.counts.ioctls);
    expect(queued.downtime1.totalNs).toBeLessThan(serial.downtime1.totalNs);
    expect(queued.downtime2.totalNs).toBeLessThan(serial.downtime2.totalNs);
  });

  it('maps dropped at every reset, the destination device created at the switchover: guest RAM mapped again after the probe\'s reset, no DMA fault', () => {
    const out = runWith({ destinationCreate: 'switchover', mmuMapsAtReset: 'drop', pipeline: 'queued' }, 1 * GiB);
    expect(out.record.outcome).toBeUndefined();
    expect(out.record.invariants.violations).toEqual([]);
    const d2 = messageSequence(win(out.events!, 'downtime2'), 'dst:net0');
    // A 1 GiB q35 guest has 8 listener sections (nothing above 4 GiB). Created, mapped, probed and
    // reset — which drops the maps — then mapped again before the start proper.
    expect(d2.slice(0, 12)).toEqual([
      'VDEV_CREATE',
      'FEAT_DEVICE_GET',
      'CONFIG_GET',
      'VQ_NOTIFY_GET 0',
      'VQ_NOTIFY_GET 1',
      'VQ_NOTIFY_GET 2',
      'MMU_ENABLE',
      'MMU_MAP asid0 ×8',
      'MMU_ASID_SET 2 asid1',
      'STATUS_SET 0x0',
      'STATUS_SET 0x3',
      'MMU_MAP asid0 ×8',
    ]);
    expect(d2.slice(12)).toEqual(START_PASSTHROUGH);
  });

  it('a destination that creates its device at the switchover maps and pins guest RAM inside downtime #2', () => {
    const early = runWith({}, 1 * GiB).record;
    const late = runWith({ destinationCreate: 'switchover' }, 1 * GiB).record;
    expect(early.downtime2.counts.pagesPinned).toBe(3 + 2);
    expect(late.downtime2.counts.ioctls.VDEV_CREATE).toBe(1);
    expect(late.downtime2.counts.pagesPinned).toBeGreaterThan(262_144);
    expect(late.downtime2.totalNs).toBeGreaterThan(early.downtime2.totalNs);
  });
});

describe('device-parts migration (virtio 1.4, no SVQ)', () => {
  it('no SVQ switch; the switchover is DEV_MODE_SET and the parts', () => {
    const out = runWith({ mode: 'deviceParts' });
    const r = out.record;
    expect(r.outcome).toBeUndefined();
    expect(r.invariants.violations).toEqual([]);
    expect(r.downtime1.totalNs).toBe(0);
    expect(messageSequence(out.events!, 'src:net0').filter((l) => l.startsWith('DEV_') || l.startsWith('RESOURCE_'))).toEqual(PARTS_SOURCE);
    const d2 = win(out.events!, 'downtime2');
    expect(messageSequence(d2, 'src:net0')).toEqual(PARTS_SOURCE);
    expect(messageSequence(d2, 'dst:net0')).toEqual(PARTS_DESTINATION);
  });
});
