// guestMemory.ts — guest RAM as QEMU lays it out: RAM blocks with host virtual addresses and the guest-physical map.
//
// A RamBlock is one mmap()ed host buffer (QEMU's RAMBlock: idstr, host, used_length). The
// guest-physical map is the flat view of the "memory" address space restricted to RAM: the list of
// MemoryRegionSections a vhost memory listener receives in region_add, in GPA order. Nothing here
// holds guest bytes; a 1 TiB guest is a handful of numbers.
//
// Layout "q35" follows QEMU's pc_q35_init / pc_memory_init (hw/i386/pc_q35.c, hw/i386/pc.c):
//  - lowmem is 2 GiB when the guest has >= 2.75 GiB (0xb0000000) of RAM, else 2.75 GiB;
//    `maxRamBelow4g` lowers it further (machine property max-ram-below-4g).
//  - "ram-below-4g" aliases pc.ram[0, below) at GPA 0; "ram-above-4g" aliases pc.ram[below, ram)
//    at GPA 4 GiB — so GPA 4 GiB is HVA(pc.ram) + below.
//  - The MCH's "smram-region" (hw/pci-host/q35.c) overlays [0xa0000, 0xc0000) with the PCI
//    address space (vga-lowmem, i/o), so low RAM is split there: that window is never a RAM section.
//  - [0xc0000, 0x100000) is routed by the PAM registers (hw/pci-host/pam.c). Firmware "none" is the
//    power-on state (PAM mode 0: PCI), where the window shows pc.rom (128 KiB, RO) at 0xc0000 and
//    "isa-bios" (the top 128 KiB of pc.bios, RO, an alias of the same host bytes as GPA
//    0xfffe0000) at 0xe0000. Firmware "seabios" is the booted state (what a migrating guest has):
//    SeaBIOS shadows the window into pc.ram and makes the option-ROM and BIOS parts read-only;
//    adjacent PAM segments with the same mode merge into one flat range. The default shadow
//    layout is the one printed for a booted SeaBIOS guest in QEMU commit 377a07aa ("memory: show
//    region offset and ROM/RAM type in info mtree -f"); pass `shadow` to use another.
//  - pc.bios (SeaBIOS bios-256k.bin, 256 KiB, RO) at 4 GiB − 256 KiB.
//  - vga.vram (std VGA, 16 MiB) is plain RAM in a PCI BAR, so vhost-vdpa maps it too once the
//    firmware has programmed the BAR; it appears only with `vga: true` and firmware "seabios", at
//    0xfd000000 (the address SeaBIOS assigned in the same example).
//  Not modelled: TSEG/SMRAM (SMM firmware), fw_cfg ROM blobs (RAMBlocks never mapped in the
//  address space, so invisible to the listener but migrated), option-ROM BARs, hotplugged DIMMs.
//  Listener filtering (hw/virtio/vhost-vdpa.c, vhost_vdpa_listener_skipped_section): only RAM
//  (or IOMMU) sections, never ram_device or protected ones; read-only RAM is mapped read-only.
//
// Layout "flat": a single block "ram" at GPA 0.
//
// HVAs: each block gets its own mmap, placed upwards from `hvaBase` in block order, 2 MiB aligned
// (QEMU_VMALLOC_ALIGN on x86-64 Linux) with a 2 MiB gap between blocks (the guard page QEMU
// reserves, rounded up). Real mmap placement differs; only relative layout matters to the model.

import { err, ok, type Result } from '../device/uapi/errno.js';

/** Target page size used for dirty tracking and migration (x86 TARGET_PAGE_SIZE). */
export const PAGE_SIZE = 4096;

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const FOUR_GIB = 4 * GiB;
/** mmap alignment for guest RAM (QEMU_VMALLOC_ALIGN, x86-64). */
const HVA_ALIGN = 2 * MiB;

/** One host mmap backing guest memory (QEMU's RAMBlock). */
export interface RamBlock {
  /** idstr, e.g. "pc.ram", "pc.bios". */
  readonly idstr: string;
  /** Position in the block list; dirty bitmaps are indexed by it. */
  readonly index: number;
  /** Host virtual address of the block's first byte (RAMBlock.host). */
  readonly hva: number;
  /** Bytes of the block (RAMBlock.used_length), a multiple of PAGE_SIZE. */
  readonly usedLength: number;
  /** Start of the block in QEMU's ram_addr_t space (RAMBlock.offset). */
  readonly offset: number;
  /** The block is ROM (pc.bios, pc.rom): the guest cannot write it. */
  readonly readonly: boolean;
}

/** A RAM range of the flat view as a memory listener sees it (QEMU's MemoryRegionSection). */
export interface MemoryRegionSection {
  /** Name of the terminal memory region (the RAM block's idstr). */
  readonly name: string;
  /** Alias through which the range is mapped ("ram-below-4g", "pam-rom", "isa-bios"…), or the name. */
  readonly alias: string;
  /** Guest-physical start (offset_within_address_space). */
  readonly gpa: number;
  /** Bytes, a multiple of PAGE_SIZE. */
  readonly size: number;
  /** Host virtual address of the first byte. */
  readonly hva: number;
  /** Mapped read-only (ROM, or a read-only alias such as pam-rom). */
  readonly readonly: boolean;
  /** The backing block. */
  readonly block: RamBlock;
  /** Offset of the first byte inside the block (offset_within_region, resolved through aliases). */
  readonly offsetInBlock: number;
}

/** One PAM-routed range of [0xc0000, 0x100000) after the firmware shadowed the BIOS area. */
interface ShadowRange {
  start: number;
  end: number;
  readonly: boolean;
}

export interface GuestMemoryConfig {
  /** Machine memory layout. */
  layout: 'q35' | 'flat';
  /** Guest RAM (-m), bytes; a multiple of PAGE_SIZE, at least 2 MiB. */
  ramBytes: number;
  /** q35: power-on state ("none") or after SeaBIOS POST ("seabios", the default). */
  firmware?: 'none' | 'seabios';
  /** q35: a std VGA device with 16 MiB VRAM (QEMU's default display); default false (-vga none). */
  vga?: boolean;
  /** q35: machine property max-ram-below-4g, bytes. */
  maxRamBelow4g?: number;
  /** q35 + seabios: the PAM shadow layout of [0xc0000, 0x100000); default from QEMU 377a07aa. */
  shadow?: readonly ShadowRange[];
  /** HVA of the first block; default 0x7f0000000000. */
  hvaBase?: number;
}

/** Booted SeaBIOS q35 shadow layout printed in QEMU commit 377a07aa. */
const SEABIOS_SHADOW: readonly ShadowRange[] = Object.freeze([
  { start: 0xc0000, end: 0xca000, readonly: true },
  { start: 0xca000, end: 0xcd000, readonly: false },
  { start: 0xcd000, end: 0xec000, readonly: true },
  { start: 0xec000, end: 0xf0000, readonly: false },
  { start: 0xf0000, end: 0x100000, readonly: true },
]);

/** SeaBIOS bios-256k.bin. */
const BIOS_SIZE = 256 * KiB;
/** pc.rom, the option ROM area (PC_ROM_SIZE). */
const PC_ROM_SIZE = 128 * KiB;
/** isa-bios: the top of pc.bios mirrored below 1 MiB (at most 128 KiB). */
const ISA_BIOS_SIZE = 128 * KiB;
/** std VGA default vgamem_mb. */
const VGA_VRAM_SIZE = 16 * MiB;
/** BAR address SeaBIOS assigned to vga.vram in the QEMU 377a07aa example. */
const VGA_VRAM_GPA = 0xfd000000;

const VGA_HOLE_START = 0xa0000;
const ISA_WINDOW_START = 0xc0000;
const ISA_WINDOW_END = 0x100000;

function pageAligned(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0 && x % PAGE_SIZE === 0;
}

/** The q35 split of RAM below and above 4 GiB (pc_q35_init). */
export function q35Split(ramBytes: number, maxRamBelow4g = FOUR_GIB): { below4g: number; above4g: number } {
  let lowmem = ramBytes >= 0xb0000000 ? 0x80000000 : 0xb0000000;
  if (lowmem > maxRamBelow4g) lowmem = maxRamBelow4g;
  const below4g = Math.min(ramBytes, lowmem);
  return { below4g, above4g: ramBytes - below4g };
}

export class GuestMemory {
  /** Host mmaps, in ram_addr order. */
  readonly blocks: readonly RamBlock[];
  /** RAM sections of the flat view, sorted by GPA, non-overlapping. */
  readonly sections: readonly MemoryRegionSection[];
  /** Sections sorted by HVA (aliases may share HVAs), for hvaToGpa. */
  private readonly byHva: readonly MemoryRegionSection[];
  /** Guest RAM (-m) in bytes. */
  readonly ramBytes: number;
  /** Guest RAM mapped below 4 GiB (q35) or all of it (flat). */
  readonly below4g: number;
  /** Guest RAM mapped at 4 GiB and up. */
  readonly above4g: number;

  private constructor(
    blocks: RamBlock[],
    sections: MemoryRegionSection[],
    ramBytes: number,
    below4g: number,
    above4g: number,
  ) {
    this.blocks = Object.freeze(blocks);
    this.sections = Object.freeze(sections.slice().sort((a, b) => a.gpa - b.gpa));
    this.byHva = Object.freeze(sections.slice().sort((a, b) => a.hva - b.hva || a.gpa - b.gpa));
    this.ramBytes = ramBytes;
    this.below4g = below4g;
    this.above4g = above4g;
  }

  /** Builds the layout; EINVAL for sizes QEMU would reject or the model cannot represent. */
  static create(cfg: GuestMemoryConfig): Result<GuestMemory> {
    const ram = cfg.ramBytes;
    if (!pageAligned(ram) || ram < 2 * MiB) {
      return err('EINVAL', `guest RAM must be a multiple of ${PAGE_SIZE} bytes and at least 2 MiB, got ${ram}`);
    }
    const hvaBase = cfg.hvaBase ?? 0x7f0000000000;
    if (!pageAligned(hvaBase)) return err('EINVAL', `hvaBase ${hvaBase} is not page aligned`);

    const blocks: RamBlock[] = [];
    let nextHva = hvaBase;
    let nextOffset = 0;
    const addBlock = (idstr: string, usedLength: number, readonly: boolean): RamBlock => {
      const hva = Math.ceil(nextHva / HVA_ALIGN) * HVA_ALIGN;
      const b: RamBlock = { idstr, index: blocks.length, hva, usedLength, offset: nextOffset, readonly };
      blocks.push(Object.freeze(b));
      nextHva = hva + usedLength + HVA_ALIGN;
      // find_ram_offset keeps blocks apart in ram_addr space too; align like the HVAs.
      nextOffset = Math.ceil((nextOffset + usedLength) / HVA_ALIGN) * HVA_ALIGN;
      return b;
    };
    const sections: MemoryRegionSection[] = [];
    const addSection = (block: RamBlock, alias: string, gpa: number, offsetInBlock: number, size: number, ro: boolean) => {
      if (size <= 0) return;
      sections.push(
        Object.freeze({
          name: block.idstr,
          alias,
          gpa,
          size,
          hva: block.hva + offsetInBlock,
          readonly: ro || block.readonly,
          block,
          offsetInBlock,
        }),
      );
    };

    if (cfg.layout === 'flat') {
      const b = addBlock('ram', ram, false);
      addSection(b, 'ram', 0, 0, ram, false);
      return ok(new GuestMemory(blocks, sections, ram, ram, 0));
    }

    const maxBelow = cfg.maxRamBelow4g ?? FOUR_GIB;
    if (!pageAligned(maxBelow) || maxBelow < 2 * MiB || maxBelow > FOUR_GIB) {
      return err('EINVAL', `max-ram-below-4g ${maxBelow} must be page aligned, in [2 MiB, 4 GiB]`);
    }
    const { below4g, above4g } = q35Split(ram, maxBelow);
    const firmware = cfg.firmware ?? 'seabios';
    const vga = cfg.vga ?? false;
    const pcRam = addBlock('pc.ram', ram, false);
    const pcBios = addBlock('pc.bios', BIOS_SIZE, true);
    const pcRom = addBlock('pc.rom', PC_ROM_SIZE, true);
    const vram = vga ? addBlock('vga.vram', VGA_VRAM_SIZE, false) : undefined;

    addSection(pcRam, 'ram-below-4g', 0, 0, VGA_HOLE_START, false);
    if (firmware === 'seabios') {
      const shadow = cfg.shadow ?? SEABIOS_SHADOW;
      let at = ISA_WINDOW_START;
      for (const r of shadow) {
        if (r.start !== at || r.end <= r.start || !pageAligned(r.start) || !pageAligned(r.end)) {
          return err('EINVAL', `shadow ranges must tile [0xc0000, 0x100000) in page-aligned order`);
        }
        addSection(pcRam, r.readonly ? 'pam-rom' : 'pam-ram', r.start, r.start, r.end - r.start, r.readonly);
        at = r.end;
      }
      if (at !== ISA_WINDOW_END) return err('EINVAL', `shadow ranges must end at 0x100000`);
    } else {
      addSection(pcRom, 'pc.rom', ISA_WINDOW_START, 0, PC_ROM_SIZE, true);
      addSection(pcBios, 'isa-bios', ISA_WINDOW_END - ISA_BIOS_SIZE, BIOS_SIZE - ISA_BIOS_SIZE, ISA_BIOS_SIZE, true);
    }
    addSection(pcRam, 'ram-below-4g', ISA_WINDOW_END, ISA_WINDOW_END, below4g - ISA_WINDOW_END, false);
    if (vram !== undefined && firmware === 'seabios') {
      addSection(vram, 'vga.vram', VGA_VRAM_GPA, 0, VGA_VRAM_SIZE, false);
    }
    addSection(pcBios, 'pc.bios', FOUR_GIB - BIOS_SIZE, 0, BIOS_SIZE, true);
    addSection(pcRam, 'ram-above-4g', FOUR_GIB, below4g, above4g, false);
    return ok(new GuestMemory(blocks, sections, ram, below4g, above4g));
  }

  /** The sections vhost_vdpa_listener_region_add receives at registration, in GPA order. */
  listenerSections(): readonly MemoryRegionSection[] {
    return this.sections;
  }

  /** The section containing `gpa`, or undefined outside RAM. O(log sections). */
  sectionAt(gpa: number): MemoryRegionSection | undefined {
    const s = this.sections;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const x = s[mid]!;
      if (gpa < x.gpa) hi = mid - 1;
      else if (gpa >= x.gpa + x.size) lo = mid + 1;
      else return x;
    }
    return undefined;
  }

  /** GPA → HVA, or undefined outside RAM (MMIO, holes). */
  gpaToHva(gpa: number): number | undefined {
    const s = this.sectionAt(gpa);
    return s === undefined ? undefined : s.hva + (gpa - s.gpa);
  }

  /** GPA → (block, offset in block), or undefined outside RAM. */
  gpaToBlock(gpa: number): { block: RamBlock; offset: number } | undefined {
    const s = this.sectionAt(gpa);
    return s === undefined ? undefined : { block: s.block, offset: s.offsetInBlock + (gpa - s.gpa) };
  }

  /**
   * HVA → GPA: the lowest GPA mapping that host byte, or undefined if no section maps it (a block
   * byte hidden by a hole, or outside every block). Aliased bytes (isa-bios) have several GPAs.
   */
  hvaToGpa(hva: number): number | undefined {
    let best: number | undefined;
    for (const s of this.hvaCandidates(hva)) {
      const g = s.gpa + (hva - s.hva);
      if (best === undefined || g < best) best = g;
    }
    return best;
  }

  /** Every GPA mapping the host byte `hva`, ascending. */
  hvaToGpas(hva: number): number[] {
    return this.hvaCandidates(hva)
      .map((s) => s.gpa + (hva - s.hva))
      .sort((a, b) => a - b);
  }

  private hvaCandidates(hva: number): MemoryRegionSection[] {
    // A machine has about ten RAM sections; a scan is cheaper than a second index.
    return this.byHva.filter((x) => hva >= x.hva && hva < x.hva + x.size);
  }

  /** Pages of one block. */
  static blockPages(block: RamBlock): number {
    return block.usedLength / PAGE_SIZE;
  }

  /** Pages migration sends in its first pass: every block (QEMU migrates every RAMBlock). */
  get totalPages(): number {
    let n = 0;
    for (const b of this.blocks) n += b.usedLength / PAGE_SIZE;
    return n;
  }

  /** Bytes of all blocks. */
  get totalBytes(): number {
    return this.totalPages * PAGE_SIZE;
  }

  /** Guest-visible RAM pages (-m), excluding ROM and VRAM blocks. */
  get ramPages(): number {
    return this.ramBytes / PAGE_SIZE;
  }

  /** The block named `idstr`. */
  block(idstr: string): RamBlock | undefined {
    return this.blocks.find((b) => b.idstr === idstr);
  }
}
