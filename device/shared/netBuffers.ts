// netBuffers.ts — what network and control buffers hold, as objects placed in the QEMU process's
// memory: a frame in a guest RX/TX buffer, a virtio-net control command in a CVQ out buffer and
// the one-byte ack in a CVQ status buffer. Whoever writes the buffer (guest, QEMU or device)
// updates the object placed at its host address; whoever reads it finds it with objectAt.

/** The content of one network buffer: a frame (or a coalesced burst of frames, as with GRO/TSO). */
export interface NetFrame {
  readonly kind: 'frame';
  /** 0 for bulk traffic; a probe's sequence number (> 0) for probe pings and replies. */
  tag: number;
  /** Packets carried. */
  packets: number;
  /** Bytes carried. */
  len: number;
}

/** A virtio_net_ctrl_hdr and its data: class and command names with their fields. */
export interface NetCtrlMessage {
  readonly kind: 'netCtrl';
  /** The command as the driver wrote it: `cls` and `cmd` name the class and command. */
  readonly command: { readonly cls: string; readonly cmd: string; readonly [field: string]: unknown };
}

/** The virtio_net_ctrl_ack byte the device writes. */
export interface NetCtrlStatus {
  readonly kind: 'netCtrlStatus';
  /** VIRTIO_NET_OK (0) or VIRTIO_NET_ERR (1); 0xff until the device wrote it. */
  ack: number;
}

export const VIRTIO_NET_CTRL_OK = 0;
export const VIRTIO_NET_CTRL_ERR = 1;
export const CTRL_STATUS_UNSET = 0xff;

export function newFrame(): NetFrame {
  return { kind: 'frame', tag: 0, packets: 0, len: 0 };
}

export function isFrame(o: unknown): o is NetFrame {
  return typeof o === 'object' && o !== null && (o as { kind?: unknown }).kind === 'frame';
}

export function isCtrlMessage(o: unknown): o is NetCtrlMessage {
  return typeof o === 'object' && o !== null && (o as { kind?: unknown }).kind === 'netCtrl';
}

export function isCtrlStatus(o: unknown): o is NetCtrlStatus {
  return typeof o === 'object' && o !== null && (o as { kind?: unknown }).kind === 'netCtrlStatus';
}
