// guestMemory.test.ts — q35 and flat layouts: sections, aliases, GPA/HVA lookups.
import { describe, expect, it } from 'vitest';
import { GuestMemory, q35Split, type GuestMemoryConfig } from '../../vmm/guestMemory.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function make(cfg: GuestMemoryConfig): GuestMemory {
  const r = GuestMemory.create(cfg);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('q35 split', () => {
  it('puts 2 GiB below 4G for guests of 2.75 GiB and more, else up to 2.75 GiB', () => {
    expect(q35Split(16 * GiB)).toEqual({ below4g: 2 * GiB, above4g: 14 * GiB });
    expect(q35Split(0xb0000000)).toEqual({ below4g: 2 * GiB, above4g: 0xb0000000 - 2 * GiB });
    expect(q35Split(2.5 * GiB)).toEqual({ below4g: 2.5 * GiB, above4g: 0 });
    expect(q35Split(1 * GiB)).toEqual({ below4g: 1 * GiB, above4g: 0 });
    expect(q35Split(16 * GiB, 1 * GiB)).toEqual({ below4g: 1 * GiB, above4g: 15 * GiB });
  });
});

describe('q35 booted (SeaBIOS) layout', () => {
  const mem = make({ layout: 'q35', ramBytes: 16 * GiB });
  const pcRam = mem.block('pc.ram')!;

  it('lists the RAM sections a vhost listener receives, in GPA order', () => {
    const s = mem.listenerSections().map((x) => [x.alias, x.gpa, x.size, x.readonly]);
    expect(s).toEqual([
      ['ram-below-4g', 0, 0xa0000, false],
      ['pam-rom', 0xc0000, 0xa000, true],
      ['pam-ram', 0xca000, 0x3000, false],
      ['pam-rom', 0xcd000, 0x1f000, true],
      ['pam-ram', 0xec000, 0x4000, false],
      ['pam-rom', 0xf0000, 0x10000, true],
      ['ram-below-4g', 0x100000, 2 * GiB - 0x100000, false],
      ['pc.bios', 4 * GiB - 256 * 1024, 256 * 1024, true],
      ['ram-above-4g', 4 * GiB, 14 * GiB, false],
    ]);
  });

  it('leaves the VGA window 0xa0000–0xc0000 out of RAM', () => {
    expect(mem.sectionAt(0x9ffff)?.alias).toBe('ram-below-4g');
    expect(mem.sectionAt(0xa0000)).toBeUndefined();
    expect(mem.sectionAt(0xbffff)).toBeUndefined();
    expect(mem.gpaToHva(0xb0000)).toBeUndefined();
    expect(mem.sectionAt(0xc0000)?.alias).toBe('pam-rom');
  });

  it('aliases high RAM into pc.ram after the low part: GPA 4G is HVA base + 2G', () => {
    expect(mem.gpaToHva(0)).toBe(pcRam.hva);
    expect(mem.gpaToHva(4 * GiB)).toBe(pcRam.hva + 2 * GiB);
    expect(mem.gpaToHva(4 * GiB + 12345)).toBe(pcRam.hva + 2 * GiB + 12345);
    expect(mem.gpaToHva(0xc1000)).toBe(pcRam.hva + 0xc1000);
    expect(mem.gpaToBlock(5 * GiB)).toEqual({ block: pcRam, offset: 3 * GiB });
    expect(mem.gpaToHva(2 * GiB)).toBeUndefined(); // PCI hole
    expect(mem.gpaToHva(18 * GiB)).toBeUndefined(); // past the end of RAM
  });

  it('inverts GPA → HVA', () => {
    for (const gpa of [0, 0x9f000, 0xc0000, 0xf5000, 0x100000, 2 * GiB - 1, 4 * GiB, 17 * GiB, 18 * GiB - 1]) {
      const hva = mem.gpaToHva(gpa)!;
      expect(mem.hvaToGpa(hva)).toBe(gpa);
    }
    // The pc.ram bytes behind the VGA window are not mapped anywhere.
    expect(mem.hvaToGpa(pcRam.hva + 0xa0000)).toBeUndefined();
  });

  it('counts pages of every block', () => {
    expect(mem.ramPages).toBe((16 * GiB) / 4096);
    expect(mem.totalPages).toBe((16 * GiB + 256 * 1024 + 128 * 1024) / 4096);
  });

  it('adds vga.vram as a RAM section when a std VGA is present', () => {
    const v = make({ layout: 'q35', ramBytes: 16 * GiB, vga: true });
    const s = v.sections.find((x) => x.name === 'vga.vram')!;
    expect(s.gpa).toBe(0xfd000000);
    expect(s.size).toBe(16 * MiB);
    expect(v.sections).toHaveLength(10);
  });

  it('keeps a small guest entirely below 4G', () => {
    const small = make({ layout: 'q35', ramBytes: 2 * GiB + 512 * MiB });
    expect(small.sections.filter((x) => x.alias === 'ram-above-4g')).toHaveLength(0);
    expect(small.sectionAt(2 * GiB + 100)?.alias).toBe('ram-below-4g');
  });
});

describe('q35 power-on layout', () => {
  const mem = make({ layout: 'q35', ramBytes: 8 * GiB, firmware: 'none', vga: true });
  it('shows pc.rom and the isa-bios alias of pc.bios under 1 MiB, no VRAM BAR yet', () => {
    expect(mem.sections.map((x) => x.alias)).toEqual([
      'ram-below-4g',
      'pc.rom',
      'isa-bios',
      'ram-below-4g',
      'pc.bios',
      'ram-above-4g',
    ]);
    const bios = mem.block('pc.bios')!;
    expect(mem.gpaToHva(0xe0000)).toBe(bios.hva + 0x20000);
    expect(mem.gpaToHva(0xfffe0000)).toBe(bios.hva + 0x20000);
    expect(mem.hvaToGpas(bios.hva + 0x20000)).toEqual([0xe0000, 0xfffe0000]);
    expect(mem.hvaToGpa(bios.hva + 0x20000)).toBe(0xe0000);
  });
});

describe('flat layout and validation', () => {
  it('is one section at GPA 0', () => {
    const mem = make({ layout: 'flat', ramBytes: 1 * GiB, hvaBase: 0x10000000 });
    expect(mem.sections).toHaveLength(1);
    expect(mem.gpaToHva(0x1234)).toBe(0x10001234);
    expect(mem.hvaToGpa(0x10001234)).toBe(0x1234);
    expect(mem.totalPages).toBe(262144);
  });
  it('rejects unaligned or tiny RAM with EINVAL', () => {
    expect(GuestMemory.create({ layout: 'q35', ramBytes: 1 * GiB + 1 })).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(GuestMemory.create({ layout: 'flat', ramBytes: 4096 })).toMatchObject({ ok: false, errno: 'EINVAL' });
  });
  it('places blocks in disjoint, aligned host mappings', () => {
    const mem = make({ layout: 'q35', ramBytes: 4 * GiB, vga: true });
    const bs = [...mem.blocks].sort((a, b) => a.hva - b.hva);
    for (let i = 1; i < bs.length; i++) expect(bs[i]!.hva).toBeGreaterThanOrEqual(bs[i - 1]!.hva + bs[i - 1]!.usedLength);
    for (const b of bs) expect(b.hva % (2 * MiB)).toBe(0);
  });
});
