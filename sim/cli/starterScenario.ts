// starterScenario.ts — the commented scenario `svqsim init` writes: every section of a scenario
// file with the common fields set, the rest shown in comments, and how to check, run and gate it.

import { shippedProfiles } from '../../device/profiles/index.js';

/** A scenario name made from a file name (`my-test.yaml` → `my-test`), or the default one. */
function scenarioNameFor(fileName: string): string {
  const stem = fileName.replace(/^.*[/\\]/, '').replace(/\.(ya?ml|json)$/i, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  return /^[a-z0-9][a-z0-9._-]*$/.test(stem) ? stem : 'my-scenario';
}

/** The starter scenario's text for the file `file` (as the user will name it), named after it. */
export function starterScenario(file: string): string {
  const name = scenarioNameFor(file);
  // Shown in comments: a control character in the name must not end the comment line.
  const shown = file.replace(/\p{Cc}/gu, '?');
  const profiles = Object.keys(shippedProfiles).join(' | ');
  return `# A svqsim scenario: a guest with one vhost-vdpa NIC, live-migrated by QEMU with shadow
# virtqueues: upstream QEMU 10.1, QEMU 10.0, and 10.1 with a proposed strategy.
#
#   svqsim validate ${shown}    check it (variants x replications = runs)
#   svqsim run ${shown} --out r.json    run it: both downtimes with their phases
#   svqsim compare r.json    variants side by side
#   svqsim gate r.json       check the gates below (exit 3 when one fails)
#
# Editor completion and field help: \`svqsim schema > svqsim.schema.json\`, then make this the
# first line:  # yaml-language-server: $schema=./svqsim.schema.json
# Sizes: 16GiB, 512MiB; durations: 300ms, 1.5s, 250us; rates: 10Gbit/s, 1.25GB/s; packet
# rates: 20kpps, 1Mpps. Plain numbers are bytes, nanoseconds, bytes/s, packets/s.

name: ${name}                   # identifier: lower-case letters, digits, . _ -
description: one mlx5 NIC, QEMU 10.1 against QEMU 10.0 and batched maps
seed: 1                         # the same seed gives byte-identical results
replications: 5                 # recorded runs per variant
# warmup: 0                     # runs per variant run first and discarded

vm:
  memory: 16GiB                 # 64MiB to 64TiB
  layout: q35                   # q35 | flat

devices:                        # one or more NICs
  - name: net0
    profile: mlx5               # ${profiles} (svqsim list), or a profile file path
    queuePairs: 1               # up to the profile's capabilities.maxQueuePairs
    queueSize: 256              # a power of two
    # ring: split               # split | packed, if the profile has it
    nic:                        # what the guest sets through the CVQ, replayed at every device start
      vlans: 0
      macTableEntries: 0
    # capabilities: { maxIotlbEntries: 4096 }   # optional overrides of the profile's fields
    # costs: { ioctlNs: 3000 }

workload:
  dirtyRate: 256MiB/s           # guest CPU writes into the hot set
  hotSet: 1GiB                  # default 10% of memory
  traffic: { packetsPerSecond: 20kpps, packetSize: 1500, rxFraction: 0.5 }   # per queue pair
  probe: { interval: 1ms }      # ping flow: its longest gap is the observed downtime

migration:
  bandwidth: 10Gbit/s
  downtimeLimit: 300ms          # switchover when the rest fits in it (QEMU's default)
  maxIterations: 30             # pre-copy passes at most
  # startAt: 100ms              # the VM runs this long before the migration starts
  strategies:                   # as written: the upstream QEMU 10.1 sequence
    earlyMap: true              # upstream: memory listener at set_owner (false: QEMU 10.0)
    descGroup: false            # proposal: only the descriptor group moves to the SVQ address space
    iotlbPersist: false         # proposal: maps survive device resets
    batchMaps: false            # proposal: shadow-vring and CVQ map updates in one IOTLB batch
    # pageFaults: false         # proposal: guest RAM mapped unpinned, the device takes page faults (capabilities.pageFaults)
    # svqPacked: false          # proposal: SVQ accepts RING_PACKED (otherwise a device offering packed blocks migration)

variants:                       # each sets fields by path; all use the same random streams
  - name: baseline
  - name: qemu-10.0
    set: { migration.strategies.earlyMap: false }
  - name: batch-maps
    set: { migration.strategies.batchMaps: true }

# sweep:                        # crossed with the variants
#   mode: cartesian             # cartesian | zip
#   params:
#     vm.memory: [16GiB, 64GiB, 256GiB]

gates:                          # "<metric>.<stat> <op> <value>", checked by svqsim gate
  - "downtime1.p99 < 1s"
  - "downtime2.p99 < 2s"
`;
}
