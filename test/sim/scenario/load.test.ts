// load.test.ts — loading scenario files: the resolved result and every kind of one-line error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../sim/cli/io.js';
import { loadScenarioFile } from '../../../sim/scenario/load.js';

const cwd = 'test/fixtures/scenarios';

async function errorOf(file: string, dir = cwd): Promise<string> {
  try {
    await loadScenarioFile(file, { cwd: dir });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`${file} loaded without error`);
}

function tmpFile(name: string, content: string | Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'svqsim-scenario-'));
  writeFileSync(join(dir, name), content);
  return dir;
}

describe('loadScenarioFile', () => {
  it('resolves a valid scenario with defaults and units converted', async () => {
    const l = await loadScenarioFile('good.yaml', { cwd });
    expect(l.file).toBe('good.yaml');
    expect(l.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const s = l.scenario;
    expect(s.seed).toBe(7);
    expect(s.replications).toBe(3);
    expect(s.warmup).toBe(1);
    expect(s.vm).toEqual({ memory: 16 * 2 ** 30, layout: 'q35', backing: 'thp', contiguousRun: null, prealloc: false });
    expect(s.devices[0]!.profile.name).toBe('vdpa_sim');
    expect(s.devices[0]!.queueSize).toBe(256);
    expect(s.workload.dirtyRate).toBe(100 * 2 ** 20);
    expect(s.workload.hotSet).toBe(Math.floor((16 * 2 ** 30) / 10 / 4096) * 4096);
    expect(s.workload.traffic).toEqual({ packetsPerSecond: 100_000, packetSize: 1500, rxFraction: 0.5 });
    expect(s.workload.probe).toEqual({ interval: 1_000_000 });
    expect(s.migration.bandwidth).toBe(1.25e9);
    expect(s.migration.downtimeLimit).toBe(300_000_000);
    expect(s.migration.startAt).toBe(100_000_000);
    expect(s.migration.maxIterations).toBe(30);
    expect(s.migration.strategies).toEqual({ descGroup: false, iotlbPersist: true, earlyMap: true, batchMaps: false, pageFaults: false, svqPacked: false });
    expect(s.gates.map((g) => [g.metric, g.stat, g.op, g.value])).toEqual([
      ['downtime2', 'p99', '<', 300_000_000],
      ['update', 'max', '<=', 40],
    ]);
  });

  it('accepts JSON', async () => {
    const l = await loadScenarioFile('good.json', { cwd });
    expect(l.scenario.vm).toEqual({ memory: 2 ** 30, layout: 'flat', backing: 'thp', contiguousRun: null, prealloc: false });
    expect(l.scenario.migration.bandwidth).toBe(1.25e9);
    expect(l.scenario.devices[0]!.queueSize).toBe(128);
  });

  it('hashes the file bytes: same bytes, same hash; any edit changes it', async () => {
    const a = tmpFile('s.yaml', '{"name":"h","vm":{"memory":"1GiB"},"devices":[{"name":"n","profile":"vdpa_sim"}],"migration":{"bandwidth":1}}');
    const b = tmpFile('s.yaml', '{"name":"h","vm":{"memory":"1GiB"},"devices":[{"name":"n","profile":"vdpa_sim"}],"migration":{"bandwidth":1}}\n# x');
    const ha = (await loadScenarioFile('s.yaml', { cwd: a })).hash;
    expect((await loadScenarioFile('s.yaml', { cwd: a })).hash).toBe(ha);
    expect((await loadScenarioFile('s.yaml', { cwd: b })).hash).not.toBe(ha);
  });

  it('reports an unknown key with did-you-mean', async () => {
    expect(await errorOf('typo.yaml')).toBe('typo.yaml:2:1: unknown key "replicatons" (did you mean "replications"?)');
    expect(await errorOf('nested-typo.yaml')).toBe('nested-typo.yaml:3:3: unknown key "memroy" in vm (did you mean "memory"?)');
  });

  it('reports a bad value with its field and position', async () => {
    expect(await errorOf('bad-size.yaml')).toBe('bad-size.yaml:3:11: vm.memory: expected a size like 16GiB, found "16 gigs"');
  });

  it('reports wrong types and bounds', async () => {
    const dir = tmpFile(
      's.yaml',
      'name: t\nvm:\n  memory: 32MiB\ndevices:\n  - name: n\n    profile: vdpa_sim\nmigration:\n  bandwidth: 1Gbps\n',
    );
    expect(await errorOf('s.yaml', dir)).toBe('s.yaml:3:11: vm.memory: expected a size like 16GiB of at least 64MiB, found "32MiB"');
    const dir2 = tmpFile(
      's.yaml',
      'name: t\nreplications: 0\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: vdpa_sim\n    queueSize: 100\nmigration:\n  bandwidth: 1Gbps\n',
    );
    expect(await errorOf('s.yaml', dir2)).toBe('s.yaml:2:15: replications: expected a number >= 1, found 0');
    const dir3 = tmpFile(
      's.yaml',
      'name: t\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: vdpa_sim\n    queueSize: 100\nmigration:\n  bandwidth: 1Gbps\n',
    );
    expect(await errorOf('s.yaml', dir3)).toBe('s.yaml:7:16: devices[0].queueSize: expected a power of two, found 100');
    const dir5 = tmpFile('s.yaml', 'name: t\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: vdpa_sim\n    queueSize: 0\nmigration:\n  bandwidth: 1Gbps\n');
    expect(await errorOf('s.yaml', dir5)).toBe('s.yaml:7:16: devices[0].queueSize: expected a number >= 1, found 0');
    const dir4 = tmpFile('s.yaml', 'name: t\nvm:\n  memory: 1GiB\ndevices: {}\nmigration:\n  bandwidth: 1Gbps\n');
    expect(await errorOf('s.yaml', dir4)).toBe('s.yaml:4:10: devices: expected a sequence, found a mapping');
  });

  it('points a missing required key at its parent', async () => {
    const dir = tmpFile('s.yaml', 'name: t\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: vdpa_sim\nmigration:\n  downtimeLimit: 1s\n');
    expect(await errorOf('s.yaml', dir)).toBe('s.yaml:7:1: migration.bandwidth: expected a rate like 10Gbit/s, found nothing');
  });

  it('accepts the admin-vq transport and refuses what its runs cannot do', async () => {
    await expect(loadScenarioFile('admin-vq.yaml', { cwd })).resolves.toBeDefined();
    const body = (migration: string, device = '') =>
      `name: t\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: vdpa_sim\n${device}migration:\n  bandwidth: 1Gbps\n${migration}`;
    expect(await errorOf('s.yaml', tmpFile('s.yaml', body('  transport: admin-vq\n  strategies:\n    batchMaps: true\n')))).toBe(
      's.yaml:11:16: migration.strategies.batchMaps: a vhost-vdpa strategy; with transport admin-vq expected false, found true',
    );
    expect(await errorOf('s.yaml', tmpFile('s.yaml', body('  transport: admin-vq\n  strategies:\n    svqPacked: true\n')))).toBe(
      's.yaml:11:16: migration.strategies.svqPacked: a vhost-vdpa strategy; with transport admin-vq expected false, found true',
    );
    expect(await errorOf('s.yaml', tmpFile('s.yaml', body('  adminVq:\n    mode: deviceParts\n')))).toBe(
      's.yaml:10:5: migration.adminVq: applies to migration.transport admin-vq only (transport is vhost-vdpa)',
    );
    expect(await errorOf('s.yaml', tmpFile('s.yaml', body('  transport: admin-vq\n', "    ring: packed\n    capabilities: { ringLayouts: ['split', 'packed'] }\n")))).toMatch(/^s\.yaml:7:11: devices\[0\]\.ring: .*split rings only/);
    const faults = (kind: string, mode = 'svq') =>
      body(`  transport: admin-vq\n  adminVq: { mode: ${mode} }\nfaults:\n  - { kind: ${kind}, device: n, host: destination }\n`);
    expect(await errorOf('s.yaml', tmpFile('s.yaml', faults('iotlbUpdate')))).toMatch(/^s\.yaml:12:13: faults\[0\]\.kind: iotlbUpdate is a vhost-vdpa fault point/);
    await expect(loadScenarioFile('s.yaml', { cwd: tmpFile('s.yaml', faults('cvqNack')) })).resolves.toBeDefined();
    const cancel = body('  transport: admin-vq\n  adminVq: { mode: deviceParts }\nfaults:\n  - { kind: cancel, afterPass: 1 }\n');
    expect(await errorOf('s.yaml', tmpFile('s.yaml', cancel))).toMatch(/faults\[0\]\.kind: a cancelled device-parts migration is not modelled/);
    expect(await errorOf('s.yaml', tmpFile('s.yaml', body('  transport: admin-vq\n  adminVq: { mode: deviceParts }\n', '    capabilities: { resume: false }\n')))).toMatch(
      /devices\[0\]\.capabilities\.resume: .*DEV_MODE_SET/,
    );
  });

  it('refuses page faults on a device that cannot take them', async () => {
    expect(await errorOf('page-faults.yaml')).toBe(
      'page-faults.yaml:10:17: migration.strategies.pageFaults: device net0 (profile mlx5) cannot take page faults (no capabilities.pageFaults): vhost-vdpa must pin its memory',
    );
  });

  it('checks strategies against device capabilities', async () => {
    expect(await errorOf('desc-group.yaml')).toBe(
      'desc-group.yaml:10:16: migration.strategies.descGroup: device net0 (profile vdpa_sim) has no descriptor group (capabilities.dataDescGroup is null)',
    );
  });

  it('refuses a memlock limit under what the pinning devices pin (use_va devices pin nothing)', async () => {
    const body = (profile: string) => `name: t\nvm:\n  memory: 16GiB\nhost:\n  memlockLimit: 20GiB\ndevices:\n  - name: a\n    profile: ${profile}\n  - name: b\n    profile: ${profile}\nmigration:\n  bandwidth: 1Gbps\n`;
    expect(await errorOf('s.yaml', tmpFile('s.yaml', body('mlx5')))).toBe(
      "s.yaml:5:17: host.memlockLimit: 2 device(s) pin all guest RAM into one pinned_vm: expected at least 32GiB (plus QEMU's own rings and buffers), found 20GiB",
    );
    await expect(loadScenarioFile('s.yaml', { cwd: tmpFile('s.yaml', body('vdpa_sim')) })).resolves.toBeDefined();
  });

  it('refuses a platform-IOMMU parent with more than one group or address space (vhost_vdpa_probe)', async () => {
    const dir = tmpFile('s.yaml', 'name: t\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: platform_iommu\n    capabilities: { nas: 2 }\nmigration:\n  bandwidth: 1Gbps\n');
    expect(await errorOf('s.yaml', dir)).toMatch(/devices\[0\]\.capabilities\.mapModel: device n \(profile platform_iommu\): a platform-IOMMU parent .* found ngroups 1, nas 2$/);
  });

  it('checks device settings against the profile', async () => {
    const dir = tmpFile(
      's.yaml',
      'name: t\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: vdpa_sim\n    queuePairs: 4\nmigration:\n  bandwidth: 1Gbps\n',
    );
    expect(await errorOf('s.yaml', dir)).toBe(
      's.yaml:7:17: devices[0].queuePairs: expected at most 1 (capabilities.maxQueuePairs of profile vdpa_sim), found 4',
    );
    const dir2 = tmpFile(
      's.yaml',
      'name: t\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: vdpa_sim\n    inOrder: true\nmigration:\n  bandwidth: 1Gbps\n',
    );
    expect(await errorOf('s.yaml', dir2)).toBe(
      's.yaml:7:14: devices[0].inOrder: device n (profile vdpa_sim) does not offer IN_ORDER (capabilities.inOrder is false)',
    );
    const dir3 = tmpFile(
      's.yaml',
      'name: t\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: vdpa_sm\nmigration:\n  bandwidth: 1Gbps\n',
    );
    expect(await errorOf('s.yaml', dir3)).toMatch(/^s\.yaml:6:14: devices\[0\]\.profile: unknown profile "vdpa_sm" \(did you mean "vdpa_sim"\?\)/);
  });

  it('validates gate syntax', async () => {
    const dir = tmpFile(
      's.yaml',
      'name: t\nvm:\n  memory: 1GiB\ndevices:\n  - name: n\n    profile: vdpa_sim\nmigration:\n  bandwidth: 1Gbps\ngates:\n  - "downtme2.p99 < 1s"\n',
    );
    expect(await errorOf('s.yaml', dir)).toBe('s.yaml:10:5: gates[0]: unknown metric "downtme2" (did you mean "downtime2"?)');
  });

  it('gives one clear line for unusable files', async () => {
    expect(await errorOf('missing.yaml')).toBe('missing.yaml: no such file');
    expect(await errorOf('profiles')).toBe('profiles: is a directory, not a file');
    expect(await errorOf('empty.yaml')).toBe('empty.yaml: file is empty');
    expect(await errorOf('sequence.yaml')).toBe('sequence.yaml:1:1: expected a mapping at the top level, found a sequence');
    expect(await errorOf('syntax.yaml')).toMatch(/^syntax\.yaml:4:1: YAML syntax error: /);
    const bin = tmpFile('bin.yaml', new Uint8Array([0x6e, 0x61, 0x00, 0xff, 0x10]));
    expect(await errorOf('bin.yaml', bin)).toBe('bin.yaml: not a text file (NUL byte at byte offset 2)');
    const utf = tmpFile('utf.yaml', new Uint8Array([0x6e, 0x3a, 0x20, 0xc3, 0x28]));
    expect(await errorOf('utf.yaml', utf)).toBe('utf.yaml: not a text file (invalid UTF-8)');
    const dup = tmpFile('dup.yaml', 'name: a\nname: b\n');
    expect(await errorOf('dup.yaml', dup)).toMatch(/^dup\.yaml:2:1: duplicate key: /);
  });

  it('refuses alias bombs', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 6; i++) {
      const prev = String.fromCharCode(97 + i);
      const cur = String.fromCharCode(98 + i);
      lines.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const dir = tmpFile('bomb.yaml', lines.join('\n') + '\n');
    expect(await errorOf('bomb.yaml', dir)).toMatch(/^bomb\.yaml: too many YAML alias expansions/);
  });

  it('refuses files over the size limit', async () => {
    const dir = tmpFile('big.yaml', `name: x\n#${'y'.repeat(10 * 1024 * 1024)}\n`);
    expect(await errorOf('big.yaml', dir)).toMatch(/^big\.yaml: file is too large \(\d+ bytes; the limit is 10485760 bytes\)$/);
  });
});
