// events.ts — the model's event stream: what vmm/ and device/ report and metrics/ records.
// One RxJS Subject per run; metrics recorders and trace writers subscribe to it.

import { Subject } from 'rxjs';
import type { MessageType } from '../../device/uapi/uapi.js';
import type { ErrnoName } from '../../device/uapi/errno.js';

/** A migration phase opening or closing (nested phases allowed; names are stable identifiers). */
interface PhaseEvent {
  kind: 'phase';
  t: number;
  edge: 'begin' | 'end';
  /** e.g. "downtime1", "downtime1.suspend", "precopy", "downtime2.map" */
  name: string;
  /** Device name when the phase belongs to one device, else undefined. */
  device?: string;
}

/** One vhost-vdpa ioctl or IOTLB message, reported by the kernel side when it completes. */
interface MessageEvent {
  kind: 'msg';
  t: number;
  /** Simulated duration of the call in ns. */
  dur: number;
  device: string;
  type: MessageType;
  asid?: number;
  iova?: number;
  size?: number;
  /** The vring index of a vring call, or the group of SET_GROUP_ASID / GET_VRING_GROUP. */
  index?: number;
  /** The value written: the status byte of SET_STATUS, the size of SET_VRING_NUM, the avail index of SET_VRING_BASE. */
  value?: number;
  /** Set when the call failed. */
  errno?: ErrnoName;
}

/** A device-side mapping rebuild (set_map) or incremental map/unmap work. */
export interface MapWorkEvent {
  kind: 'mapWork';
  t: number;
  dur: number;
  device: string;
  asid: number;
  /** setMapRebuild: one whole-map rebuild; mrDestroy: deferred destruction of a replaced map's MKEYs. */
  what: 'setMapRebuild' | 'dmaMap' | 'dmaUnmap' | 'resetMap' | 'mrDestroy';
  mkeysCreated?: number;
  mkeysDestroyed?: number;
  ranges?: number;
}

/** Pages pinned or unpinned by vhost-vdpa on behalf of an IOTLB update/invalidate or a reset. */
interface PinEvent {
  kind: 'pin';
  t: number;
  dur: number;
  device: string;
  /** Positive: pinned; negative: unpinned (4 KiB pages). */
  pages: number;
}

/** A device fault: DMA through a missing or wrongly-permissioned IOVA (sets DEVICE_NEEDS_RESET). */
interface FaultEvent {
  kind: 'fault';
  t: number;
  device: string;
  vq: number;
  asid: number;
  iova: number;
  access: 'read' | 'write';
  reason: string;
}

/** A probe packet crossing the data plane (delivered or lost). */
interface ProbeEvent {
  kind: 'probe';
  t: number;
  device: string;
  delivered: boolean;
  /**
   * Lost probes this event stands for (absent: one). While a device is stopped the probes sent
   * to it are not played out one by one: they are reported lost together when it starts again.
   */
  count?: number;
}

/**
 * The probe flow of a device pausing or resuming with its workload: between a pause and the
 * resume the data plane is not simulated in detail (its steady state is accounted in aggregate),
 * so no probe is sent, and the interval is not an outage.
 */
interface ProbePauseEvent {
  kind: 'probePause';
  t: number;
  device: string;
  edge: 'pause' | 'resume';
  /**
   * On a resume: when the paused flow's last probe would have been delivered (the steady flow
   * went on while nothing was simulated); the gap that follows starts there. Absent: at `t`.
   */
  lastDelivered?: number;
}

/** A device page fault resolved (device/core/iopf.ts): its pages are resident and the buffer is used. */
interface IopfEvent {
  kind: 'iopf';
  t: number;
  device: string;
  vq: number;
  /** 4 KiB pages the fault requested. */
  pages: number;
  /** From the faulting access to the buffer's use (page requests, host handling, response). */
  latencyNs: number;
  /** The vq took no other buffer meanwhile (an in-order device, or a synchronous `va` fault). */
  stalled: boolean;
}

/** An invalidation that reached a device taking page faults: an unmap by vhost-vdpa, or the mm notifier of a discard. */
interface IopfInvalidateEvent {
  kind: 'iopfInvalidate';
  t: number;
  device: string;
  source: 'unmap' | 'mmNotifier';
  /** 4 KiB pages the invalidation covered. */
  pages: number;
  /** Host address (mmNotifier) or IOVA (unmap) of its start. */
  hva: number;
}

/** Free-form annotation for traces (e.g. "CVQ replay: 12 commands"). */
interface NoteEvent {
  kind: 'note';
  t: number;
  device?: string;
  text: string;
}

export type ModelEvent = PhaseEvent | MessageEvent | MapWorkEvent | PinEvent | FaultEvent | ProbeEvent | ProbePauseEvent | NoteEvent | IopfEvent | IopfInvalidateEvent;

/** The per-run event stream. */
export class EventBus {
  /** Subscribers: recorders, trace writers, tests. */
  readonly stream = new Subject<ModelEvent>();

  emit(ev: ModelEvent): void {
    this.stream.next(ev);
  }

  complete(): void {
    this.stream.complete();
  }
}
