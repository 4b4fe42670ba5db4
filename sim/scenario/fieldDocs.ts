// fieldDocs.ts — what every field of a scenario file means, keyed by field path, for the published
// JSON Schema (`svqsim schema`). Kept apart from schema.ts so the schema's shape and its
// documentation change independently; a device's capability and cost overrides take the profile
// docs. A test fails when a field has no entry here or an entry names no field.

import { PROFILE_FIELD_DOCS, type FieldDocs } from '../../device/profiles/profileDocs.js';

const SCENARIO_OWN_DOCS: FieldDocs = {
  name: { description: 'Scenario identifier: lower-case letters, digits, ".", "_" and "-". Names the scenario in run ids, results and reports.', examples: ['my-test'] },
  description: 'One line about the scenario, shown by `svqsim list`. Optional.',
  seed: 'Base seed, a 32-bit unsigned integer: replication k uses the seed\'s random stream jumped k times, so the same scenario and seed give byte-identical results. `svqsim run --seed` overrides it.',
  replications: 'Recorded runs per variant, 1 to 1,000,000. `svqsim run --replications` overrides it.',
  warmup: 'Runs per variant run first and discarded, 0 to 100,000 (they use the first replication streams).',
  vm: 'The guest.',
  'vm.memory': { description: 'Guest RAM size: 64MiB to 64TiB, a whole number of 4 KiB pages.', examples: ['16GiB', '128GiB', '1TiB'] },
  'vm.layout': 'Guest-physical layout of RAM: q35 (RAM below 2G/2.75G and above 4G, with ROM areas and aliases) or flat (one region at 0).',
  'vm.backing':
    "How guest RAM is backed: 4k (4 KiB pages), thp (transparent huge pages, QEMU's default: ram_block_add madvises MADV_HUGEPAGE), hugetlb-2M or hugetlb-1G (hugetlbfs). Changes pinning costs, IOTLB entries and MTT sizes.",
  'vm.contiguousRun': { description: 'Physically contiguous run of pinned pages (one IOTLB entry each), 4KiB to 1TiB. Optional; default one folio of the backing.', examples: ['2MiB', '1GiB'] },
  'vm.prealloc': 'Guest RAM preallocated at QEMU start (prealloc=on): resident before anything pins it; otherwise the first pin faults it in.',
  host: "Host kernel cost overrides (the defaults, with their sources, are in device/vhost/hostCosts.ts). Optional; any subset.",
  'host.pinSmallPerPageNs': { description: 'pin_user_pages(FOLL_LONGTERM) of a resident small (4 KiB) folio, per page, nanoseconds (gup_test).', examples: [62.2] },
  'host.unpinPerPageNs': { description: 'Unpinning one 4 KiB page (vhost_vdpa_pa_unmap releases pinned memory page by page whatever the folio size), nanoseconds.', examples: [15.1] },
  'host.setDirtyPerPageNs': { description: 'set_page_dirty_lock of one page the device could write (vhost_vdpa_pa_unmap of writable maps), nanoseconds.', examples: [10] },
  'host.pinLargePerSubpageNs': { description: 'pin_user_pages of a resident large folio (THP or hugetlb), per 4 KiB subpage, nanoseconds.', examples: [6.87] },
  'host.faultSmallNs': { description: 'Faulting in one small folio that is not resident (allocation and mapping), besides zeroing it, nanoseconds.', examples: [487] },
  'host.faultLargeNs': { description: 'Faulting in one large folio that is not resident, besides zeroing it, nanoseconds.', examples: [0] },
  'host.zeroBytesPerSecond': { description: 'Zeroing freshly faulted folios (clear_page / clear_huge_page), at least 1B/s.', examples: ['46.7GB/s'] },
  'host.iotlbEntryAddNs': { description: 'vhost_iotlb_add_range: one IOTLB entry allocated and inserted, nanoseconds.', examples: [150] },
  'host.iotlbEntryDelNs': { description: 'vhost_iotlb_map_free: one IOTLB entry removed and freed, nanoseconds.', examples: [100] },
  'host.memlockLimit': {
    description: 'RLIMIT_MEMLOCK of QEMU: "unlimited" (the default, as libvirt sets it for vDPA) or a size; pins past it fail (ENOMEM in the kernel, EFAULT from write()).',
    examples: ['unlimited', '64GiB'],
  },
  vmm: 'QEMU cost overrides (the defaults, with their sources, are in vmm/vmmCosts.ts). Optional; any subset.',
  'vmm.vmStop': { description: 'Stopping the vCPUs and the device models at switchover (vm_stop).', examples: ['5ms'] },
  'vmm.vmStart': { description: 'Starting the VM at the destination once its state is loaded (vm_start, before the devices).', examples: ['2ms'] },
  'vmm.deviceStateLoad': { description: 'Loading the virtio-net device state at the destination (virtio_load), per device.', examples: ['1ms'] },
  'vmm.deviceStateBytes': { description: "Size of one device's migrated state (vq indices, features, CVQ state).", examples: ['64KiB'] },
  'vmm.svqAlloc': { description: 'Allocating and zeroing one shadow vring (qemu_memalign and memset).', examples: ['20us'] },
  'vmm.cvqPoll': { description: 'Fixed overhead of the one CVQ poll for the replayed commands.', examples: ['50us'] },
  'vmm.destConfig': { description: 'Destination: first dev_start to first vq enabled with memory already mapped, fixed part (the device\'s own configure and vq-create costs come on top).', examples: ['0ns'] },
  devices: 'The vhost-vdpa NICs, one or more.',
  'devices[].name': { description: 'Device name, an identifier unique in the scenario.', examples: ['net0'] },
  'devices[].profile': {
    description: 'The device profile: a shipped profile name (see `svqsim list`) or the path of a profile file (YAML or JSON, relative to the scenario file; a path contains "/" or ends in .yaml, .yml or .json).',
    examples: ['mlx5', 'profiles/my-nic.yaml'],
  },
  'devices[].queuePairs': "Data queue pairs in use, 1 to the profile's capabilities.maxQueuePairs.",
  'devices[].queueSize': { description: "Virtqueue size: a power of two up to the profile's capabilities.maxQueueSize.", examples: [256, 1024] },
  'devices[].ring': "Ring layout, split or packed; must be one of the profile's capabilities.ringLayouts.",
  'devices[].inOrder': "Negotiate VIRTIO_F_IN_ORDER (needs the profile's capabilities.inOrder).",
  'devices[].partialOrder': "Negotiate the proposed VIRTIO_F_PARTIAL_ORDER (needs the profile's capabilities.partialOrder; excludes inOrder).",
  'devices[].nic': 'What the guest configures through the control virtqueue: QEMU intercepts it and replays it at every device start (the CVQ replay).',
  'devices[].nic.vlans': 'VLAN ids in the filter, 0 to 4096: one VLAN_ADD command each at replay.',
  'devices[].nic.macTableEntries': 'Entries in the MAC filter table, 0 to 1024 (one MAC_TABLE_SET command at replay when any).',
  'devices[].nic.rss': 'RSS configured (one RSS_CONFIG command at replay).',
  'devices[].nic.promisc': 'Promiscuous mode (one RX command at replay).',
  'devices[].nic.allmulti': 'All-multicast mode (one RX command at replay).',
  'devices[].capabilities': "Partial override of the profile's capabilities: any subset of its fields, checked again with the profile's.",
  'devices[].costs': "Partial override of the profile's costs: any subset of its fields.",
  workload: 'What the guest does while it migrates.',
  'workload.dirtyRate': { description: 'Guest CPU write rate into the hot set, bytes per second: an upper bound of the distinct pages dirtied per second. Default 0.', examples: ['256MiB/s', '1GiB/s'] },
  'workload.hotSet': { description: "Bytes of guest memory the guest keeps rewriting. Optional; default 10% of the guest's memory.", examples: ['1GiB', '4GiB'] },
  'workload.everWritten': 'Fraction of guest RAM the guest ever wrote (non-zero pages), 0 to 1: only that is populated at the destination (ram_handle_zero skips zero pages); the rest stays unpopulated until pinned. Default 0.25 (unsourced).',
  'workload.traffic': 'Data-plane traffic through every NIC. Optional; none when absent.',
  'workload.traffic.packetsPerSecond': { description: 'Packets per second, per queue pair.', examples: ['50kpps', '1Mpps'] },
  'workload.traffic.packetSize': { description: 'Packet size, 64B to 65535B.', examples: [1500, '9000B'] },
  'workload.traffic.rxFraction': 'Fraction of the packets the guest receives (the rest it transmits), 0 to 1.',
  'workload.probe': 'A ping-like flow from the wire to the guest and back on the first queue pair of each NIC: the longest gap between delivered probes is the observed downtime (metric `observed`). Optional.',
  'workload.probe.interval': { description: 'Interval between probe packets, at least 10us.', examples: ['1ms', '100us'] },
  migration: 'The migration: the stream, when pre-copy converges, and the VMM strategies.',
  'migration.bandwidth': { description: 'Migration stream bandwidth, at least 1B/s.', examples: ['25Gbit/s', '10Gbit/s', '1.25GB/s'] },
  'migration.downtimeLimit': { description: "Switchover once the estimated time to send the remaining dirty RAM is under this limit (QEMU's downtime-limit; default 300ms).", examples: ['300ms', '1s'] },
  'migration.maxIterations': 'Pre-copy iteration cap: switchover after this many passes even when not converged.',
  'migration.startAt': { description: 'How long the VM runs after boot before the migration starts.', examples: ['100ms', '2s'] },
  'migration.transport': {
    description:
      'How the VMM drives the device: vhost-vdpa (the vhost-vdpa message interface, default) or admin-vq (every basic facility an admin command on a management device\'s admin virtqueue, with a device MMU: seed 004, and the virtio 1.4 device-parts commands; see migration.adminVq and README "Admin-vq transport").',
    examples: ['vhost-vdpa', 'admin-vq'],
  },
  'migration.adminVq': 'The admin-vq transport\'s migration mode and the choices seed 004 leaves open (transport admin-vq only). Optional; every field has a default.',
  'migration.adminVq.mode': {
    description:
      'svq (default): the VMM shadows the vqs over admin commands, as over vhost-vdpa (the seed\'s transport; no SUSPEND, so a stop is a reset). deviceParts: no SVQ; migration start switches dirty tracking on, and at switchover the device is stopped with DEV_MODE_SET and its state read with DEV_PARTS_GET and written at the destination with DEV_PARTS_SET (virtio 1.4, as Linux vfio/virtio drives it). deviceParts needs capabilities.suspend and resume.',
    examples: ['svq', 'deviceParts'],
  },
  'migration.adminVq.pipeline': { description: 'serial (default): one admin command in flight at a time, a doorbell and a completion each. queued: the commands of one step go on the admin vq together, as many as it holds per doorbell (costs.adminVqSize / 2).', examples: ['serial', 'queued'] },
  'migration.adminVq.destinationCreate': { description: "When the destination creates its virtual device (VDEV_CREATE, with its guest RAM maps and pins): init (default: at the -incoming QEMU's netdev creation, during pre-copy) or switchover (inside downtime #2).", examples: ['init', 'switchover'] },
  'migration.adminVq.mmuMapsAtReset': { description: 'Whether the device MMU keeps its maps across a reset: keep (default; the seed says only that reset disables the MMU and returns every vq to ASID 0) or drop (the VMM maps guest RAM again after every reset; the management driver keeps its pins).', examples: ['keep', 'drop'] },
  'migration.adminVq.dirtyTracking': { description: 'deviceParts: who records the pages the device writes: iommu (default: the platform IOMMU\'s dirty bits through iommufd, what a vfio/virtio migration relies on; one record per leaf IO page, the guest RAM backing\'s folio) or device (the device records 4 KiB pages and reports them over the admin vq; a proposal, in no spec text the Linux drivers implement).', examples: ['iommu', 'device'] },
  'migration.adminVq.dirtyReadPerEntryNs': { description: 'deviceParts with iommu tracking: reading the dirty bitmap (IOMMU_HWPT_GET_DIRTY_BITMAP) per leaf IO page-table entry of the mapped guest RAM, nanoseconds. Default 1 (unsourced).', examples: [1] },
  'migration.strategies': 'VMM strategies; the defaults are the upstream QEMU 10.1 sequence (earlyMap on, the others off). `svqsim list` says where each comes from.',
  'migration.strategies.descGroup': "Move only the data vqs' descriptor group to the shadow virtqueue's address space (DESC_ASID): the SVQ switch maps only the shadow vrings, with no RAM unmap, unpin, remap or re-pin. A proposal; needs a profile with capabilities.dataDescGroup and 2 ASIDs.",
  'migration.strategies.iotlbPersist': "Negotiate IOTLB_PERSIST (a proposal; upstream QEMU never asks for it): resets keep the maps, so the memory listener is not unregistered and registered again around them. Needs persistent maps (the profile's capabilities.resetMap or capabilities.iotlbPersist).",
  'migration.strategies.earlyMap': 'Register the memory listener at set_owner, as QEMU 10.1+ does (upstream; default true), so guest RAM is pinned at init; false: QEMU 10.0, which registers it at the first device start. It never negotiates IOTLB_PERSIST.',
  'migration.strategies.batchMaps': 'Wrap the shadow-vring and CVQ-buffer UPDATE/INVALIDATEs in one IOTLB batch per ASID (a proposal; upstream sends them one by one), so set_map devices rebuild once instead of once per message.',
  'migration.strategies.svqPacked':
    "Packed virtqueues through QEMU's shadow virtqueue (a proposal: Sahil Siddiq, \"Add packed virtqueue support to SVQ\", v5, Mar 2025, unmerged): the SVQ feature check at netdev init (vhost_svq_valid_features) accepts VIRTIO_F_RING_PACKED. Upstream, a device that offers RING_PACKED (capabilities.ringLayouts with packed), IN_ORDER or any other transport bit SVQ cannot drive gets a migration blocker: the run fails at step migrate, the VM keeps running at the source. IN_ORDER stays a blocker either way (no posted series makes SVQ accept it). vhost-vdpa transport only.",
  'migration.strategies.pageFaults':
    "Page faults instead of pinning (a proposal, seed 003): QEMU negotiates a VHOST_BACKEND_F_IOPF bit (no kernel has it), so vhost-vdpa maps guest memory without pinning, the device faults pages in as it writes them (PRI, or a use_va parent's own faults), and QEMU leaves RAM discards enabled. Needs every device's capabilities.pageFaults; partialOrder keeps the device batching across faults, and the proposal lets QEMU's SVQ feature check accept the PARTIAL_ORDER bit a device offers (upstream it is a migration blocker).",
  'workload.rxRefillDiscarded':
    'Fraction of RX buffer refills whose memory the host discarded since its last use (the guest freed it, free page reporting reported it, QEMU discarded it with MADV_DONTNEED), 0 to 1: the device faults such a buffer in again. Takes effect only with migration.strategies.pageFaults (upstream QEMU disables RAM discards while vhost-vdpa pins guest memory). Default 0 (unsourced).',
  variants: {
    description: 'Named variants, each setting scenario fields by path; crossed with the sweep. Optional; without it the scenario runs as written.',
    examples: [[{ name: 'baseline' }, { name: 'qemu-10.0', set: { 'migration.strategies.earlyMap': false } }]],
  },
  'variants[].name': { description: 'Variant name, an identifier; part of run ids.', examples: ['baseline', 'batch-maps'] },
  'variants[].set': {
    description: 'Dotted field paths (indices in brackets) and the values they take in this variant, written as in the scenario.',
    examples: [{ 'migration.strategies.batchMaps': true, 'devices[0].profile': 'mlx5' }],
  },
  sweep: 'Parameters swept over; every sweep point is crossed with every variant. Optional.',
  'sweep.mode': 'cartesian: every combination of the parameters (the last varies fastest); zip: the i-th values of every parameter together (equal lengths needed).',
  'sweep.params': {
    description: 'Dotted field paths (indices in brackets) and the values each sweeps over, written as in the scenario.',
    examples: [{ 'vm.memory': ['16GiB', '256GiB'], 'devices[0].profile': ['vdpa_sim', 'mlx5'] }],
  },
  gates: {
    description:
      'Thresholds `svqsim gate` checks on every variant: "<metric>.<stat> <op> <value><unit>", where metric is downtime1, downtime2, observed or a count (update, invalidate, batches, setMapRebuilds, pagesPinned), stat is p50, p90, p99, p99.9, min, max, mean or count, op is <, <=, >, >= or ==, and times take a unit (ns, us, ms, s, m, h); or failures.rate with a percentage.',
    examples: [['downtime2.p99 < 2s', 'downtime1.p50 <= 500ms', 'failures.rate < 1%']],
  },
  faults: {
    description: 'Injected faults. A failed migration is a run outcome (step, errno, where the VM runs), recovered as QEMU recovers; each fault fires once. Default: none.',
    examples: [[{ kind: 'iotlbUpdate', device: 'net0', host: 'destination', during: 'downtime2', nth: 1, errno: 'ENOSPC' }, { kind: 'cancel', afterPass: 1 }]],
  },
  'faults[].kind': 'iotlbUpdate: vhost-vdpa\'s UPDATE handler fails (write() returns EFAULT); cvqNack: the device answers a control command with VIRTIO_NET_ERR; driverOk: DRIVER_OK does not stick (the device sets DEVICE_NEEDS_RESET); needsReset: the device sets DEVICE_NEEDS_RESET and stops, a time after a window starts; cancel: migrate_cancel after a pre-copy pass.',
  'faults[].after': 'needsReset: how long after the window starts the device fails (default 0).',
  'faults[].device': 'The device the fault is on, by its name in devices.',
  'faults[].host': 'source or destination: which host\'s instance of the device.',
  'faults[].during': 'The top-level window the occurrence is counted in: any (default), boot, downtime1, precopy, downtime2 or recovery.',
  'faults[].nth': 'Which occurrence in that window fails; 1 (the default) is the first.',
  'faults[].errno': 'The errno a failing UPDATE\'s handler returns (ENOMEM by default, ENOSPC, EFAULT, EINVAL or EIO); write() itself returns EFAULT.',
  'faults[].afterPass': 'cancel: migrate_cancel once this pre-copy pass has been sent (default 1).',
};

/** A device's `capabilities` and `costs` overrides take the profile's field docs. */
const DEVICE_OVERRIDE_DOCS: FieldDocs = Object.fromEntries(
  Object.entries(PROFILE_FIELD_DOCS)
    .filter(([path]) => path.startsWith('capabilities.') || path.startsWith('costs.'))
    .map(([path, doc]) => [`devices[].${path}`, doc]),
);

/** Field docs of a scenario file, by path. */
export const SCENARIO_FIELD_DOCS: FieldDocs = { ...SCENARIO_OWN_DOCS, ...DEVICE_OVERRIDE_DOCS };
