// schema.ts — the zod schema of a scenario file (structure, units, field-local rules).
// Rules that need a device profile or span several fields live in checks.ts; the resolved
// scenario (profiles attached, defaults filled) is typed in scenario.ts.

import * as z from 'zod';
import { capabilitiesSchema, costsSchema } from '../../device/profiles/profile.js';
import { parseThreshold } from '../notation/threshold.js';
import { DURATION, PACKET_RATE, RATE, SIZE, unitField } from '../notation/units.js';
import { BACKING_KINDS, type BackingKind } from '../../device/shared/backing.js';

/**
 * Input bounds. Guest RAM: a 46-bit guest-physical space (64 TiB, the widest common x86 host
 * physical address size) keeps every address the model computes an exact integer. Replications
 * and warm-up: a campaign plans every run up front; see MAX_PLANNED_RUNS.
 */
export const MAX_GUEST_RAM = 64 * 1024 ** 4;
export const MAX_REPLICATIONS = 1_000_000;
export const MAX_WARMUP = 100_000;
/** Variants one scenario may expand to (named variants × sweep points). */
export const MAX_VARIANTS = 10_000;
/** Runs one invocation may plan (variants × (warm-up + replications), all files). */
export const MAX_PLANNED_RUNS = 1_000_000;

const MiB = 1024 * 1024;

/** Lower-case identifier used for scenario, device and variant names. */
const identifierSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'an identifier of lower-case letters, digits, ".", "_", "-"');

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Input of an object whose fields all have defaults: parsed as `{}` when the key is absent. */
const absent = {} as never;

/** What the guest configures through the control virtqueue (drives the CVQ replay size). */
const nicSchema = z
  .object({
    /** VLAN ids in the filter (one VLAN_ADD command each at replay). */
    vlans: z.number().int().min(0).max(4096).default(0),
    /** Entries in the MAC filter table (one MAC_TABLE_SET at replay when > 0). */
    macTableEntries: z.number().int().min(0).max(1024).default(0),
    /** RSS configured (one RSS_CONFIG at replay). */
    rss: z.boolean().default(false),
    /** Promiscuous mode (one RX command at replay). */
    promisc: z.boolean().default(false),
    /** All-multicast mode (one RX command at replay). */
    allmulti: z.boolean().default(false),
  })
  .strict();

const deviceSchema = z
  .object({
    /** Device name, unique in the scenario. */
    name: identifierSchema,
    /** A shipped profile name or a path to a profile file (relative to the scenario file). */
    profile: z.string().min(1),
    /** Queue pairs in use (1..capabilities.maxQueuePairs). */
    queuePairs: z.number().int().min(1).default(1),
    /** Virtqueue size: a power of two up to capabilities.maxQueueSize. */
    queueSize: z
      .number()
      .int()
      .min(1)
      .superRefine((v, ctx) => {
        if (!isPowerOfTwo(v)) ctx.addIssue({ code: 'custom', message: `expected a power of two, found ${v}` });
      })
      .default(256),
    /** Ring layout; must be one of the profile's ringLayouts. */
    ring: z.enum(['split', 'packed']).default('split'),
    /** Negotiate VIRTIO_F_IN_ORDER (needs capabilities.inOrder). */
    inOrder: z.boolean().default(false),
    /** Negotiate the proposed PARTIAL_ORDER (needs capabilities.partialOrder; excludes inOrder). */
    partialOrder: z.boolean().default(false),
    /** The guest's NIC configuration, set through the CVQ and replayed at every device start. */
    nic: nicSchema.prefault(absent),
    /** Partial override of the profile's capabilities. */
    capabilities: capabilitiesSchema.partial().optional(),
    /** Partial override of the profile's costs. */
    costs: costsSchema.partial().optional(),
  })
  .strict();

const vmSchema = z
  .object({
    /** Guest RAM size in bytes. */
    memory: unitField(SIZE, { min: { value: 64 * MiB, text: '64MiB' }, max: { value: MAX_GUEST_RAM, text: '64TiB' } }),
    /** q35: RAM at [0, 2G) and [4G, ...); flat: one region at 0. */
    layout: z.enum(['q35', 'flat']).default('q35'),
    /**
     * How guest RAM is backed: 4 KiB pages, transparent huge pages (QEMU's default: ram_block_add
     * madvises MADV_HUGEPAGE), or hugetlbfs with 2 MiB or 1 GiB pages.
     */
    backing: z.enum(BACKING_KINDS as [BackingKind, ...BackingKind[]]).default('thp'),
    /** Physically contiguous run of pinned pages (one IOTLB entry); default: one folio. */
    contiguousRun: unitField(SIZE, { optional: true, min: { value: 4096, text: '4KiB' }, max: { value: 1024 ** 4, text: '1TiB' } }).optional(),
    /** Guest RAM preallocated at QEMU start (prealloc=on): resident before anything pins it. */
    prealloc: z.boolean().default(false),
  })
  .strict();

/** Host kernel cost overrides (device/vhost/hostCosts.ts): ns per page or entry, bytes per second. */
const hostSchema = z
  .object({
    pinSmallPerPageNs: z.number().nonnegative().optional(),
    unpinPerPageNs: z.number().nonnegative().optional(),
    setDirtyPerPageNs: z.number().nonnegative().optional(),
    pinLargePerSubpageNs: z.number().nonnegative().optional(),
    faultSmallNs: z.number().nonnegative().optional(),
    faultLargeNs: z.number().nonnegative().optional(),
    zeroBytesPerSecond: unitField(RATE, { optional: true, min: { value: 1, text: '1B/s' } }).optional(),
    iotlbEntryAddNs: z.number().nonnegative().optional(),
    iotlbEntryDelNs: z.number().nonnegative().optional(),
    /** RLIMIT_MEMLOCK of QEMU ("unlimited", the default, as libvirt sets it for vDPA). */
    memlockLimit: z.union([z.literal('unlimited'), unitField(SIZE, { optional: true, min: { value: 4096, text: '4KiB' } })]).optional(),
  })
  .strict();

/** VMM cost overrides (vmm/vmmCosts.ts). */
const vmmSchema = z
  .object({
    vmStop: unitField(DURATION, { optional: true }).optional(),
    vmStart: unitField(DURATION, { optional: true }).optional(),
    deviceStateLoad: unitField(DURATION, { optional: true }).optional(),
    deviceStateBytes: unitField(SIZE, { optional: true }).optional(),
    svqAlloc: unitField(DURATION, { optional: true }).optional(),
    cvqPoll: unitField(DURATION, { optional: true }).optional(),
    destConfig: unitField(DURATION, { optional: true }).optional(),
  })
  .strict();

const trafficSchema = z
  .object({
    /** Packets per second per queue pair. */
    packetsPerSecond: unitField(PACKET_RATE),
    /** Packet size in bytes. */
    packetSize: unitField(SIZE, {
      min: { value: 64, text: '64B' },
      max: { value: 65535, text: '65535B' },
      default: 1500,
    }),
    /** Fraction of packets received (the rest are transmitted). */
    rxFraction: z.number().min(0).max(1).default(0.5),
  })
  .strict();

const probeSchema = z
  .object({
    /** Interval between probe packets (ns). */
    interval: unitField(DURATION, { min: { value: 10_000, text: '10us' }, default: '1ms' }),
  })
  .strict();

const workloadSchema = z
  .object({
    /** Guest CPU write rate, bytes per second (upper bound of distinct pages dirtied per second). */
    dirtyRate: unitField(RATE, { default: 0 }),
    /** Bytes the guest keeps rewriting; default 10% of memory. */
    hotSet: unitField(SIZE, { optional: true }).optional(),
    /**
     * Fraction of guest RAM the guest ever wrote (non-zero pages): the rest is never written at
     * the destination (ram_handle_zero skips zero pages) and stays unpopulated until pinned.
     */
    everWritten: z.number().min(0).max(1).default(0.25),
    /**
     * Fraction of RX buffer refills whose memory the host discarded since its last use (the guest
     * freed it, free page reporting reported it, QEMU discarded it). Discards happen only with
     * the pageFaults strategy: upstream QEMU disables them while vhost-vdpa pins guest RAM.
     */
    rxRefillDiscarded: z.number().min(0).max(1).default(0),
    /** Data-plane traffic, if any. */
    traffic: trafficSchema.optional(),
    /** Ping-like flow measuring observed downtime, if any. */
    probe: probeSchema.optional(),
  })
  .strict();

const strategiesSchema = z
  .object({
    /** Move only the data vqs' descriptor group to the SVQ address space (DESC_ASID). */
    descGroup: z.boolean().default(false),
    /** Keep maps across reset (IOTLB_PERSIST) and skip listener unregister/register. */
    iotlbPersist: z.boolean().default(false),
    /** Register the memory listener at set_owner, as QEMU 10.1+ does (false: QEMU 10.0, at the first start). */
    earlyMap: z.boolean().default(true),
    /** Wrap shadow-vring and CVQ UPDATEs in IOTLB batches. */
    batchMaps: z.boolean().default(false),
    /** Page faults instead of pinning (proposed VHOST_BACKEND_F_IOPF; needs capabilities.pageFaults). */
    pageFaults: z.boolean().default(false),
    /** Proposal: QEMU's SVQ accepts VIRTIO_F_RING_PACKED (packed-SVQ series), so a device offering packed rings is not a migration blocker. */
    svqPacked: z.boolean().default(false),
  })
  .strict();

const TRANSPORTS = ['vhost-vdpa', 'admin-vq'] as const;

/** The admin-vq transport: the migration mode and the choices seed 004 leaves open. */
const adminVqSchema = z
  .object({
    /** svq: the VMM shadows the vqs over admin commands (seed 004); deviceParts: no SVQ, the device's state read and written with the virtio 1.4 device-parts commands. */
    mode: z.enum(['svq', 'deviceParts']).default('svq'),
    /** serial: one admin command in flight; queued: a step's commands put on the admin vq together. */
    pipeline: z.enum(['serial', 'queued']).default('serial'),
    /** When the destination creates its virtual device (VDEV_CREATE): at its init, during pre-copy, or inside the switchover. */
    destinationCreate: z.enum(['init', 'switchover']).default('init'),
    /** Whether the device MMU's maps survive a reset (the seed only says the MMU is disabled and every vq returns to ASID 0). */
    mmuMapsAtReset: z.enum(['keep', 'drop']).default('keep'),
    /** deviceParts: who tracks the pages the device writes: the platform IOMMU (iommufd) or the device (a proposal). */
    dirtyTracking: z.enum(['iommu', 'device']).default('iommu'),
    /** deviceParts with iommu tracking: reading the dirty bitmap, ns per leaf IO page-table entry of guest RAM (unsourced). */
    dirtyReadPerEntryNs: z.number().nonnegative().max(1e6).default(1),
  })
  .strict();

const migrationSchema = z
  .object({
    /** Migration stream bandwidth, bytes per second. */
    bandwidth: unitField(RATE, { min: { value: 1, text: '1B/s' } }),
    /** Switchover when the estimated remaining time is under this (ns); QEMU's default is 300ms. */
    downtimeLimit: unitField(DURATION, { default: '300ms' }),
    /** Pre-copy iteration cap. */
    maxIterations: z.number().int().min(1).default(30),
    /** How long the VM runs after boot before the migration starts (ns). */
    startAt: unitField(DURATION, { default: '100ms' }),
    /** How the VMM drives the device: vhost-vdpa, or the admin virtqueue of a management device (seed 004, virtio 1.3/1.4). */
    transport: z.enum(TRANSPORTS).default('vhost-vdpa'),
    /** The admin-vq transport's choices (transport admin-vq only). */
    adminVq: adminVqSchema.optional(),
    /** VMM strategies. */
    strategies: strategiesSchema.prefault(absent),
  })
  .strict();

/** The windows a fault may be limited to (the run's top-level phases). */
const FAULT_WINDOWS = ['any', 'boot', 'downtime1', 'precopy', 'downtime2', 'recovery'] as const;

/** One injected fault (device faults at a point, or a migrate_cancel). */
const faultSchema = z.discriminatedUnion('kind', [
  z
    .object({
      /** iotlbUpdate: vhost-vdpa's UPDATE handler fails; cvqNack: the device NACKs a control command; driverOk: DRIVER_OK does not stick (DEVICE_NEEDS_RESET). */
      kind: z.enum(['iotlbUpdate', 'cvqNack', 'driverOk']),
      /** The device (by its scenario name). */
      device: identifierSchema,
      /** Which host's instance of it. */
      host: z.enum(['source', 'destination']),
      /** The window the occurrence is counted in. */
      during: z.enum(FAULT_WINDOWS).default('any'),
      /** Which occurrence fails (1 = the first). */
      nth: z.number().int().min(1).max(1_000_000).default(1),
      /** The errno of a failing UPDATE (write() itself returns EFAULT). */
      errno: z.enum(['ENOMEM', 'ENOSPC', 'EFAULT', 'EINVAL', 'EIO']).default('ENOMEM'),
    })
    .strict(),
  z
    .object({
      /** The device sets DEVICE_NEEDS_RESET (a device error) and stops processing. */
      kind: z.literal('needsReset'),
      device: identifierSchema,
      host: z.enum(['source', 'destination']),
      /** The window whose start the delay counts from. */
      during: z.enum(FAULT_WINDOWS.filter((w) => w !== 'any') as ['boot', 'downtime1', 'precopy', 'downtime2', 'recovery']),
      /** How long after the window starts (ns). */
      after: unitField(DURATION, { default: 0 }),
    })
    .strict(),
  z
    .object({
      kind: z.literal('cancel'),
      /** migrate_cancel once this pre-copy pass has been sent. */
      afterPass: z.number().int().min(1).max(1_000_000).default(1),
    })
    .strict(),
]);

const variantSchema = z
  .object({
    /** Variant name (part of run ids). */
    name: identifierSchema,
    /** Dotted field paths and the values they take in this variant. */
    set: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const sweepSchema = z
  .object({
    /** cartesian: every combination; zip: the i-th values of every parameter together. */
    mode: z.enum(['cartesian', 'zip']).default('cartesian'),
    /** Dotted field paths and the values they sweep over. */
    params: z
      .record(z.string(), z.array(z.unknown()).min(1))
      .superRefine((v, ctx) => {
        if (Object.keys(v).length === 0) {
          ctx.addIssue({ code: 'custom', message: 'expected at least one parameter, found none' });
        }
      }),
  })
  .strict();

const gateSchema = z.string().superRefine((text, ctx) => {
  const t = parseThreshold(text);
  if (typeof t === 'string') ctx.addIssue({ code: 'custom', message: t });
});

export const scenarioSchema = z
  .object({
    /** Scenario identifier. */
    name: identifierSchema,
    description: z.string().optional(),
    /** Base seed (32-bit unsigned); replication streams derive from it. */
    seed: z.number().int().min(0).max(0xffff_ffff).default(1),
    /** Recorded replications per variant. */
    replications: z.number().int().min(1).max(MAX_REPLICATIONS).default(1),
    /** Replications run and discarded before the recorded ones. */
    warmup: z.number().int().min(0).max(MAX_WARMUP).default(0),
    vm: vmSchema,
    /** Host kernel cost overrides. */
    host: hostSchema.prefault(absent),
    /** VMM (QEMU) cost overrides. */
    vmm: vmmSchema.prefault(absent),
    devices: z.array(deviceSchema).min(1),
    workload: workloadSchema.prefault(absent),
    migration: migrationSchema,
    variants: z.array(variantSchema).min(1).optional(),
    sweep: sweepSchema.optional(),
    /** Thresholds checked by `svqsim gate`: "<metric>.<stat> <op> <value>". */
    gates: z.array(gateSchema).default([]),
    /** Injected faults (a failed migration is a result: the run records the step and errno). */
    faults: z.array(faultSchema).max(64).default([]),
  })
  .strict();

/** A scenario as validated by the schema, before profiles are resolved. */
export type ScenarioInput = z.output<typeof scenarioSchema>;

