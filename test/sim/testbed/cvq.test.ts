// cvq.test.ts — the CVQ path: QEMU's state replay through the shadow CVQ (commands reach the
// device, acks come back, all queued with one poll per round) and the guest's commands
// intercepted, applied to QEMU's model and forwarded to the device.

import { describe, expect, it } from 'vitest';
import { defaultVmmCosts } from '../../../vmm/vmmCosts.js';
import { harness, phaseNs } from './harness.js';

describe('CVQ state replay through the shadow CVQ', () => {
  for (const profile of ['vdpa_sim', 'mlx5']) {
    it(`${profile}: every command reaches the device, is acked, and costs n x cvqCommandNs + one poll`, () => {
      const h = harness({ profile, queuePairs: profile === 'mlx5' ? 2 : 1 });
      for (let v = 1; v <= 20; v++) h.ctrl.vlans.add(v);
      h.ctrl.rxMode.promisc = true;
      const n = h.ctrl.loadCommands().length;
      const r = h.run(
        (function* () {
          const i = yield* h.src.net.init();
          if (!i.ok) return i;
          return yield* h.src.net.start(false, [], h.ctrl);
        })(),
      );
      expect(r.ok).toBe(true);
      const dev = h.src.dev;
      // The boot replay plus the guest's own configuration commands afterwards.
      expect(dev.stats.cvqCommands).toBeGreaterThanOrEqual(n);
      expect(dev.netState().vlans.size).toBe(20);
      const costs = dev.costs;
      // The phase holds the CVQ's SET_VRING_ENABLE, then the queued commands and one poll.
      const enable = costs.ioctlNs + costs.vringEnableNs;
      expect(phaseNs(h.events, 'cvqReplay', 'src:net0')).toBe(enable + n * costs.cvqCommandNs + defaultVmmCosts.cvqPollNs);
      expect(h.dp.src.channel.sent).toBeGreaterThanOrEqual(n);
      expect(h.dp.finish().violations).toEqual([]);
    });
  }

  it('a replay larger than the shadow CVQ goes in rounds, one poll each', () => {
    const h = harness({ profile: 'vdpa_sim' });
    for (let v = 1; v <= 300; v++) h.ctrl.vlans.add(v);
    const n = h.ctrl.loadCommands().length;
    const r = h.run(
      (function* () {
        yield* h.src.net.init();
        return yield* h.src.net.start(false, [], h.ctrl);
      })(),
    );
    expect(r.ok).toBe(true);
    // 2 descriptors per command in a 256-entry shadow CVQ: 128 commands per round.
    const rounds = Math.ceil(n / 128);
    expect(rounds).toBe(3);
    const c = h.src.dev.costs;
    expect(phaseNs(h.events, 'cvqReplay', 'src:net0')).toBe(c.ioctlNs + c.vringEnableNs + n * c.cvqCommandNs + rounds * defaultVmmCosts.cvqPollNs);
    expect(h.src.dev.netState().vlans.size).toBe(300);
  });

  it('a device that refuses a command fails the start', () => {
    const h = harness({ profile: 'vdpa_sim' });
    // vdpa_sim has one queue pair: asking for two (command 1, after the MAC) is refused.
    h.ctrl.curQueuePairs = 2;
    const r = h.run(
      (function* () {
        yield* h.src.net.init();
        return yield* h.src.net.start(false, [], h.ctrl);
      })(),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/refused CVQ command 1 /);
  });
});

describe('guest CVQ commands', () => {
  it('are intercepted, applied to QEMU’s model only once acked, and forwarded to the device', () => {
    const h = harness({ profile: 'mlx5', queuePairs: 4, nic: { vlans: 7, macTableEntries: 3, rss: true, promisc: true, allmulti: false } });
    h.ctrl.curQueuePairs = 1;
    const r = h.run(
      (function* () {
        yield* h.src.net.init();
        const s = yield* h.src.net.start(false, [], h.ctrl);
        yield 50_000_000;
        return s;
      })(),
    );
    expect(r.ok).toBe(true);
    // virtio-net: MQ pairs, RSS, promisc, MAC table, 7 VLANs.
    expect(h.dp.src.channel.intercepted).toBe(11);
    expect(h.dp.guest.stats.cvqAcked).toBe(11);
    expect(h.ctrl.curQueuePairs).toBe(4);
    expect(h.ctrl.vlans.size).toBe(7);
    expect(h.ctrl.rxMode.promisc).toBe(true);
    expect(h.ctrl.macUnicast).toHaveLength(3);
    expect(h.ctrl.rss).not.toBeNull();
    expect(h.src.dev.netState().queuePairs).toBe(4);
    expect(h.src.dev.netState().vlans.size).toBe(7);
    expect(h.dp.finish().violations).toEqual([]);
  });

  it('a command the device refuses is not applied to the model and the guest sees the error', () => {
    const h = harness({ profile: 'vdpa_sim' });
    const r = h.run(
      (function* () {
        yield* h.src.net.init();
        const s = yield* h.src.net.start(false, [], h.ctrl);
        h.dp.guest.configure([{ cls: 'mq', cmd: 'vqPairsSet', pairs: 3 }]);
        yield 10_000_000;
        return s;
      })(),
    );
    expect(r.ok).toBe(true);
    expect(h.dp.guest.stats.cvqFailed).toBe(1);
    expect(h.ctrl.curQueuePairs).toBe(1);
  });
});
