// svqBlocker.golden.test.ts — the vhost-vdpa calls of a migration QEMU blocks because the device
// offers RING_PACKED: the source device sees its boot (the SVQ check reads GET_FEATURES, the first
// call) and nothing after it — no SUSPEND, no SVQ switch, no switchover; with the packed-SVQ
// proposal the same device goes on to the SVQ switch from exactly the same boot sequence.

import { describe, expect, it } from 'vitest';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';
import type { ModelEvent } from '../../../sim/events/events.js';
import { messageSequence } from '../../messageSequence.js';
import { shippedProfile } from '../../device/helpers.js';
import { scenario, GiB } from './helpers.js';

const vdpaSim = shippedProfile('vdpa_sim');
/** vdpa_sim as if it offered packed rings (the shipped profile is split-only, as Linux's). */
const packedSim: typeof vdpaSim = { ...vdpaSim, name: 'vdpa_sim-packed', capabilities: { ...vdpaSim.capabilities, ringLayouts: ['split', 'packed'] } };

function run(svqPacked: boolean) {
  const sc = scenario({ profile: 'vdpa_sim', memory: 1 * GiB, strategies: { svqPacked } });
  for (const d of sc.devices) Object.assign(d, { profile: packedSim });
  return simulateMigration({ scenario: sc, variant: 'v', params: {}, replication: 0, stream: 0, seed: 3 }, { keepEvents: true });
}

/** The source device's boot: init (features, backend features, the CVQ isolation probe), machine reset, passthrough start. */
const BOOT = [
  'GET_FEATURES',
  'GET_IOVA_RANGE',
  'GET_BACKEND_FEATURES',
  'SET_BACKEND_FEATURES',
  'GET_STATUS',
  'SET_STATUS 0x3',
  'GET_STATUS',
  'GET_BACKEND_FEATURES',
  'SET_STATUS 0x3',
  'SET_FEATURES',
  'SET_STATUS 0xb',
  'GET_VRING_GROUP 2',
  'GET_VRING_GROUP 0',
  'GET_VRING_GROUP 1',
  'SET_STATUS 0x0 ×2',
  'SET_VRING_CALL 0',
  'SET_VRING_CALL 1',
  'SET_FEATURES',
  'GET_STATUS',
  'SET_STATUS 0x8',
  'GET_STATUS',
  'SET_VRING_NUM 0',
  'SET_VRING_BASE 0 =0',
  'SET_VRING_ADDR 0',
  'SET_VRING_KICK 0',
  'SET_VRING_NUM 1',
  'SET_VRING_BASE 1 =0',
  'SET_VRING_ADDR 1',
  'SET_VRING_KICK 1',
  'GET_VRING_GROUP 2',
  'SET_GROUP_ASID group1 asid1',
  'IOTLB_UPDATE asid1 ×2',
  'SET_VRING_NUM 2',
  'SET_VRING_BASE 2 =0',
  'SET_VRING_KICK 2',
  'SET_VRING_CALL 2',
  'IOTLB_UPDATE asid1 ×2',
  'SET_VRING_ADDR 2',
  'IOTLB_BATCH_BEGIN asid0',
  'IOTLB_UPDATE asid0 ×8',
  'IOTLB_BATCH_END asid0',
  'GET_STATUS',
  'SET_STATUS 0xc',
  'GET_STATUS',
  'SET_VRING_ENABLE 2',
  'SET_VRING_ENABLE 0',
  'SET_VRING_ENABLE 1',
];

describe('a migration blocked by the SVQ feature check', () => {
  it('the source device sees its boot and nothing more; the migration fails at step migrate', () => {
    const out = run(false);
    expect(messageSequence(out.events as ModelEvent[], 'src:net0')).toEqual(BOOT);
    expect(out.record.outcome).toMatchObject({ step: 'migrate', device: 'src:net0', errno: 'EPERM', vmRunsOn: 'source', recovered: true });
    expect(out.record.outcome!.reason).toBe(
      'src:net0: migration blocker from net_vhost_vdpa_init: vhost_svq_valid_features: the device offers RING_PACKED (34), which SVQ cannot drive (offered 0x7208f8021, SVQ-compatible 0x3208f8021)',
    );
  });

  it('with svqPacked the same boot goes on to the SVQ switch (SUSPEND first)', () => {
    const seq = messageSequence(run(true).events as ModelEvent[], 'src:net0');
    expect(seq.slice(0, BOOT.length)).toEqual(BOOT);
    expect(seq[BOOT.length]).toBe('SUSPEND');
  });
});
