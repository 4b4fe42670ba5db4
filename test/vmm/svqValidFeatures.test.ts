// svqValidFeatures.test.ts — QEMU's SVQ feature check with the upstream functions' rules:
// vhost_svq_valid_features (transport bits 28..42: EVENT_IDX passes, VERSION_1 and ACCESS_PLATFORM
// required, any other offered bit fails) after vhost_vdpa_net_valid_svq_features (device bits
// outside vdpa_svq_device_features fail), and the proposals that let RING_PACKED or PARTIAL_ORDER by.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VIRTIO_TRANSPORT_F_END, VIRTIO_TRANSPORT_F_START, featureBitNames, vhostSvqValidFeatures, vhostVdpaNetValidSvqFeatures } from '../../vmm/svqValidFeatures.js';

const bit = (b: number): bigint => 1n << BigInt(b);
const bits = (...bs: number[]): bigint => bs.reduce((m, b) => m | bit(b), 0n);
/** What every device must offer: VERSION_1 and ACCESS_PLATFORM. */
const REQUIRED = bits(32, 33);
/** vdpa_sim_net: VDPASIM_FEATURES (ANY_LAYOUT, VERSION_1, ACCESS_PLATFORM) with MAC, MTU, CTRL_VQ, CTRL_MAC_ADDR. */
const VDPA_SIM_NET = bits(27, 32, 33, 5, 3, 17, 23);
const PACKED = { packed: true, partialOrder: false };

describe('vhost_svq_valid_features', () => {
  it('accepts what vdpa_sim_net offers, and EVENT_IDX', () => {
    expect(vhostVdpaNetValidSvqFeatures(VDPA_SIM_NET)).toEqual({ ok: true });
    expect(vhostVdpaNetValidSvqFeatures(VDPA_SIM_NET | bit(29))).toEqual({ ok: true });
  });

  it('refuses every other offered transport bit, each on its own', () => {
    const golden: [number, string][] = [
      [28, 'RING_F_INDIRECT_DESC (28)'],
      [30, 'bit 30'],
      [34, 'RING_PACKED (34)'],
      [35, 'IN_ORDER (35)'],
      [36, 'ORDER_PLATFORM (36)'],
      [38, 'NOTIFICATION_DATA (38)'],
      [39, 'PARTIAL_ORDER (proposed) (39)'],
      [40, 'RING_RESET (40)'],
      [41, 'ADMIN_VQ (41)'],
    ];
    for (const [b, name] of golden) {
      const c = vhostVdpaNetValidSvqFeatures(REQUIRED | bit(b));
      expect(c.ok).toBe(false);
      if (c.ok) continue;
      expect(c).toMatchObject({ refused: bit(b), missing: 0n, by: 'vhost_svq_valid_features' });
      expect(c.reason).toBe(`vhost_svq_valid_features: the device offers ${name}, which SVQ cannot drive (offered 0x${(REQUIRED | bit(b)).toString(16)}, SVQ-compatible 0x${REQUIRED.toString(16)})`);
    }
  });

  it('requires VERSION_1 and ACCESS_PLATFORM, naming what is missing and what would pass', () => {
    const c = vhostSvqValidFeatures(bit(32) | bit(34));
    expect(c).toMatchObject({ ok: false, refused: bit(34), missing: bit(33) });
    if (!c.ok) expect(c.reason).toBe('vhost_svq_valid_features: the device offers RING_PACKED (34), which SVQ cannot drive and lacks ACCESS_PLATFORM (33), which SVQ requires (offered 0x500000000, SVQ-compatible 0x300000000)');
  });

  it('bit 42 (VIRTIO_TRANSPORT_F_END) is walked by the second check but not masked by the first', () => {
    expect(VIRTIO_TRANSPORT_F_START).toBe(28);
    expect(VIRTIO_TRANSPORT_F_END).toBe(42);
    const c = vhostVdpaNetValidSvqFeatures(REQUIRED | bit(42));
    expect(c).toMatchObject({ ok: false, by: 'vhost_vdpa_net_valid_svq_features', refused: bit(42) });
    expect(vhostSvqValidFeatures(REQUIRED | bit(42))).toMatchObject({ ok: false, refused: bit(42) });
  });

  it('proposals: svqPacked lets RING_PACKED by, the pageFaults proposal PARTIAL_ORDER; IN_ORDER never passes', () => {
    expect(vhostVdpaNetValidSvqFeatures(REQUIRED | bit(34), PACKED)).toEqual({ ok: true });
    expect(vhostVdpaNetValidSvqFeatures(REQUIRED | bit(39), { packed: false, partialOrder: true })).toEqual({ ok: true });
    expect(vhostVdpaNetValidSvqFeatures(REQUIRED | bit(34) | bit(35), PACKED)).toMatchObject({ ok: false, refused: bit(35) });
    expect(vhostVdpaNetValidSvqFeatures(REQUIRED | bit(34), { packed: false, partialOrder: true })).toMatchObject({ ok: false, refused: bit(34) });
  });
});

describe('vhost_vdpa_net_valid_svq_features', () => {
  it('refuses device bits outside vdpa_svq_device_features before looking at the transport bits', () => {
    // GUEST_ANNOUNCE (21) and NOTF_COAL (53) are not in the list; MQ (22), RSS (60) are.
    const c = vhostVdpaNetValidSvqFeatures(REQUIRED | bit(21) | bit(53) | bit(22) | bit(60) | bit(34));
    expect(c).toMatchObject({ ok: false, by: 'vhost_vdpa_net_valid_svq_features', refused: bits(21, 53) });
    if (!c.ok) expect(c.reason).toBe('vhost_vdpa_net_valid_svq_features: SVQ does not forward device features bit 21, bit 53 (0x20000000200000)');
  });

  it('property: the verdict is ok exactly when no refused bit is offered and both required ones are', () => {
    const refusedTransport = [28, 30, 31, 34, 35, 36, 37, 38, 39, 40, 41];
    const deviceOk = [0, 1, 2, 3, 5, 7, 15, 16, 17, 18, 19, 20, 22, 23, 27, 57, 60, 61, 62, 63];
    fc.assert(
      fc.property(fc.subarray([...refusedTransport, ...deviceOk, 29, 32, 33]), fc.boolean(), (chosen, packed) => {
        const f = bits(...chosen);
        const c = vhostVdpaNetValidSvqFeatures(f, { packed, partialOrder: false });
        const refused = bits(...chosen.filter((b) => refusedTransport.includes(b) && !(packed && b === 34)));
        const missing = REQUIRED & ~f;
        if (refused === 0n && missing === 0n) expect(c).toEqual({ ok: true });
        else expect(c).toMatchObject({ ok: false, refused, missing, by: 'vhost_svq_valid_features' });
      }),
    );
  });

  it('names bits lowest first', () => {
    expect(featureBitNames(bits(35, 28, 5))).toEqual(['bit 5', 'RING_F_INDIRECT_DESC (28)', 'IN_ORDER (35)']);
  });
});
