// memoryListener.ts — QEMU's vhost-vdpa memory listener: maps every guest RAM section into the
// device's ASID 0 when registered and unmaps them when unregistered, one IOTLB batch per
// memory transaction (vhost_vdpa_listener_begin/commit) when IOTLB_BATCH is negotiated.

import type { Proc } from '../sim/kernel/index.js';
import { Access, type IotlbWriter } from '../device/uapi/uapi.js';
import type { Result } from '../device/uapi/errno.js';
import { iotlbBatch } from './iotlbBatch.js';
import type { IovaAllocator } from './iovaAllocator.js';

/** One RAM section the listener maps (what vhost_vdpa_listener_region_add receives). */
export interface ListenerSection {
  name: string;
  gpa: number;
  size: number;
  hva: number;
  readonly: boolean;
}

/** Where a section lands in IOVA space: the GPA itself (passthrough) or an allocated IOVA (SVQ). */
export interface SectionIovaPolicy {
  /** Returns the IOVA for a section, or an error when the IOVA space is exhausted. */
  map(section: ListenerSection): Result<number>;
  /** Gives the section's IOVA back. */
  unmap(section: ListenerSection, iova: number): void;
}

/**
 * IOVA = GPA, as in passthrough mode or when the descriptor group isolates the shadow vrings;
 * the ranges are reserved in the IOVA allocator so shadow vrings mapped later go around them.
 */
export function identityIova(iova: IovaAllocator): SectionIovaPolicy {
  return {
    map: (s) => iova.reserveGuest(s.gpa, s.size, s.hva),
    unmap: (_s, at) => iova.free(at),
  };
}

/** IOVAs from the allocator, first fit (SVQ without a descriptor group). */
export function allocatedIova(iova: IovaAllocator): SectionIovaPolicy {
  return {
    map: (s) => iova.allocGuest(s.gpa, s.size, s.hva),
    unmap: (_s, at) => iova.free(at),
  };
}

/** A section the listener mapped: where, and the policy that gives its IOVA back. */
interface MappedSection {
  section: ListenerSection;
  iova: number;
  policy: SectionIovaPolicy;
}

/** memory_listener_register's body: one UPDATE per section, each recorded in `mapped` once it succeeded. */
function* mapSections(fd: IotlbWriter, asid: number, sections: readonly ListenerSection[], policy: SectionIovaPolicy, mapped: MappedSection[]): Proc<Result> {
  for (const section of sections) {
    const iova = policy.map(section);
    if (!iova.ok) return iova;
    const perm = section.readonly ? Access.RO : Access.RW;
    const u = yield* fd.iotlbMsg({ type: 'update', asid, iova: iova.value, size: section.size, uaddr: section.hva, perm });
    if (!u.ok) {
      policy.unmap(section, iova.value);
      return u;
    }
    mapped.push({ section, iova: iova.value, policy });
  }
  return { ok: true, value: undefined };
}

/** memory_listener_unregister's body: one INVALIDATE per mapped section, its IOVA given back. */
function* unmapSections(fd: IotlbWriter, asid: number, mapped: readonly MappedSection[]): Proc<Result> {
  for (const m of mapped) {
    const u = yield* fd.iotlbMsg({ type: 'invalidate', asid, iova: m.iova, size: m.section.size });
    if (!u.ok) return u;
    m.policy.unmap(m.section, m.iova);
  }
  return { ok: true, value: undefined };
}

export class MemoryListener {
  /** The device this listener maps into. */
  private readonly fd: IotlbWriter;
  /** True between register and unregister. */
  registered = false;
  /** Mapped sections and their IOVAs, in registration order. */
  private mapped: MappedSection[] = [];

  constructor(fd: IotlbWriter) {
    this.fd = fd;
  }

  /** IOVA at which a GPA is mapped, or undefined. */
  iovaOf(gpa: number): number | undefined {
    for (const m of this.mapped) {
      if (gpa >= m.section.gpa && gpa < m.section.gpa + m.section.size) return m.iova + (gpa - m.section.gpa);
    }
    return undefined;
  }

  /** memory_listener_register: one UPDATE per section in ASID `asid`, batched when `batch`. */
  *register(sections: readonly ListenerSection[], policy: SectionIovaPolicy, asid: number, batch: boolean): Proc<Result> {
    if (this.registered) return { ok: true, value: undefined };
    const r = yield* iotlbBatch(this.fd, asid, batch, mapSections(this.fd, asid, sections, policy, this.mapped));
    this.registered = r.ok;
    return r;
  }

  /** memory_listener_unregister: one INVALIDATE per mapped section, batched when `batch`. */
  *unregister(asid: number, batch: boolean): Proc<Result> {
    if (!this.registered) return { ok: true, value: undefined };
    const r = yield* iotlbBatch(this.fd, asid, batch, unmapSections(this.fd, asid, this.mapped));
    this.mapped = [];
    this.registered = false;
    return r;
  }

  /**
   * The device dropped every map on its own (the admin-vq transport's reset with maps not kept):
   * the listener's record goes too, without a message, so the next register maps every section again.
   */
  forget(): void {
    for (const m of this.mapped) m.policy.unmap(m.section, m.iova);
    this.mapped = [];
    this.registered = false;
  }
}
