// cvqState.ts — the virtio-net control state QEMU tracks by intercepting the guest's CVQ
// commands (MAC, MAC table, MQ pairs, RSS/hash, offloads, rx modes, VLANs), and the command
// list that reloads it into a device (vhost_vdpa_net_load order).

/** One control command as the guest (or the replay) writes it. */
export type CtrlCommand =
  | { cls: 'mac'; cmd: 'addrSet'; mac: string }
  | { cls: 'mac'; cmd: 'tableSet'; unicast: string[]; multicast: string[] }
  | { cls: 'mq'; cmd: 'vqPairsSet'; pairs: number }
  | { cls: 'mq'; cmd: 'rssConfig' | 'hashConfig'; indirectionTableLen: number; keyLen: number }
  | { cls: 'offloads'; cmd: 'set'; offloads: number }
  | { cls: 'rx'; cmd: 'promisc' | 'allmulti' | 'alluni' | 'nomulti' | 'nouni' | 'nobcast'; on: boolean }
  | { cls: 'vlan'; cmd: 'add' | 'del'; vid: number };

/** virtio_net_ctrl_ack values. */
export const VIRTIO_NET_OK = 0;
export const VIRTIO_NET_ERR = 1;

type RxMode = 'promisc' | 'allmulti' | 'alluni' | 'nomulti' | 'nouni' | 'nobcast';
const RX_MODES: readonly RxMode[] = ['promisc', 'allmulti', 'alluni', 'nomulti', 'nouni', 'nobcast'];

/** Device control state as QEMU's virtio-net model keeps it. */
export class NetCtrlState {
  /** Maximum queue pairs the device offers (bounds VQ_PAIRS_SET). */
  readonly maxQueuePairs: number;
  /** Primary MAC address. */
  mac = '52:54:00:12:34:56';
  /** Unicast filter table. */
  macUnicast: string[] = [];
  /** Multicast filter table. */
  macMulticast: string[] = [];
  /** Active queue pairs (1 until the guest enables more). */
  curQueuePairs = 1;
  /** RSS (or hash-only) configuration, if the guest set one. */
  rss: { hashOnly: boolean; indirectionTableLen: number; keyLen: number } | null = null;
  /** Guest offloads bit mask; null = the device default. */
  offloads: number | null = null;
  /** Rx mode flags (defaults: all off; bcast allowed). */
  rxMode: Record<RxMode, boolean> = { promisc: false, allmulti: false, alluni: false, nomulti: false, nouni: false, nobcast: false };
  /** VLAN ids in the filter (0..4095). */
  vlans = new Set<number>();

  /** `curQueuePairs`: the pairs already active (a guest that enabled them all before the state is taken). */
  constructor(maxQueuePairs: number, curQueuePairs = 1) {
    this.maxQueuePairs = maxQueuePairs;
    this.curQueuePairs = curQueuePairs;
  }

  /** Applies a command as virtio_net_handle_ctrl does; returns the ack the guest sees. */
  apply(c: CtrlCommand): number {
    switch (c.cls) {
      case 'mac':
        if (c.cmd === 'addrSet') this.mac = c.mac;
        else {
          this.macUnicast = [...c.unicast];
          this.macMulticast = [...c.multicast];
        }
        return VIRTIO_NET_OK;
      case 'mq':
        if (c.cmd === 'vqPairsSet') {
          if (c.pairs < 1 || c.pairs > this.maxQueuePairs) return VIRTIO_NET_ERR;
          this.curQueuePairs = c.pairs;
        } else {
          this.rss = { hashOnly: c.cmd === 'hashConfig', indirectionTableLen: c.indirectionTableLen, keyLen: c.keyLen };
        }
        return VIRTIO_NET_OK;
      case 'offloads':
        this.offloads = c.offloads;
        return VIRTIO_NET_OK;
      case 'rx':
        this.rxMode[c.cmd] = c.on;
        return VIRTIO_NET_OK;
      case 'vlan':
        if (c.vid < 0 || c.vid > 4095) return VIRTIO_NET_ERR;
        if (c.cmd === 'add') this.vlans.add(c.vid);
        else this.vlans.delete(c.vid);
        return VIRTIO_NET_OK;
    }
  }

  /**
   * The commands that reload this state into a fresh device, in vhost_vdpa_net_load order:
   * MAC, MQ pairs (if > 1), RSS/hash, offloads (if not default), rx modes that differ from the
   * default, MAC table (if not empty), then one VLAN_ADD per VLAN id.
   */
  loadCommands(): CtrlCommand[] {
    const out: CtrlCommand[] = [{ cls: 'mac', cmd: 'addrSet', mac: this.mac }];
    if (this.curQueuePairs > 1) out.push({ cls: 'mq', cmd: 'vqPairsSet', pairs: this.curQueuePairs });
    if (this.rss) {
      out.push({
        cls: 'mq',
        cmd: this.rss.hashOnly ? 'hashConfig' : 'rssConfig',
        indirectionTableLen: this.rss.indirectionTableLen,
        keyLen: this.rss.keyLen,
      });
    }
    if (this.offloads !== null) out.push({ cls: 'offloads', cmd: 'set', offloads: this.offloads });
    for (const m of RX_MODES) if (this.rxMode[m]) out.push({ cls: 'rx', cmd: m, on: true });
    if (this.macUnicast.length + this.macMulticast.length > 0) {
      out.push({ cls: 'mac', cmd: 'tableSet', unicast: this.macUnicast, multicast: this.macMulticast });
    }
    for (const vid of [...this.vlans].sort((a, b) => a - b)) out.push({ cls: 'vlan', cmd: 'add', vid });
    return out;
  }

  /** A deep copy, as migrated to the destination in virtio-net's vmstate. */
  clone(): NetCtrlState {
    const s = new NetCtrlState(this.maxQueuePairs);
    s.mac = this.mac;
    s.macUnicast = [...this.macUnicast];
    s.macMulticast = [...this.macMulticast];
    s.curQueuePairs = this.curQueuePairs;
    s.rss = this.rss ? { ...this.rss } : null;
    s.offloads = this.offloads;
    s.rxMode = { ...this.rxMode };
    s.vlans = new Set(this.vlans);
    return s;
  }
}
