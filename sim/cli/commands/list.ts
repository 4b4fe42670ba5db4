// list.ts — `svqsim list`: the shipped scenarios, device profiles and strategies, one line each.

import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { CliIo } from '../io.js';
import { packageRoot } from '../../tool/version.js';
import { shippedProfiles } from '../../../device/profiles/index.js';
import { STRATEGY_SOURCES } from '../../../vmm/vhostVdpaNet.js';
import { ADMIN_VQ_SOURCES } from '../../../vmm/adminVqNet.js';

/** Shipped scenario files with their descriptions; `cwd` given, paths usable from there (relative inside it, else absolute). */
export function shippedScenarios(cwd?: string): { file: string; description: string }[] {
  const dir = join(packageRoot(), 'scenarios');
  const out: { file: string; description: string }[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!/\.(ya?ml|json)$/.test(f)) continue;
    let description = '';
    try {
      const doc = parse(readFileSync(join(dir, f), 'utf8')) as { description?: unknown; name?: unknown } | null;
      if (doc && typeof doc.description === 'string') description = doc.description.trim().split('\n')[0]!;
      else if (doc && doc.name === undefined) continue; // not a scenario (e.g. a profile file)
    } catch {
      description = '(unreadable)';
    }
    const abs = join(dir, f);
    const rel = cwd === undefined ? `scenarios/${f}` : relative(cwd, abs);
    out.push({ file: cwd !== undefined && (rel.startsWith('..') || isAbsolute(rel)) ? abs : rel, description });
  }
  return out;
}

export function registerListCommand(program: Command, io: CliIo): void {
  program
    .command('list')
    .description('list the shipped scenarios, device profiles and strategies (with where each strategy comes from)')
    .action(() => {
      const scenarios = shippedScenarios(io.cwd);
      const w = Math.max(...scenarios.map((s) => s.file.length), 8);
      io.stdout('Scenarios:\n');
      for (const s of scenarios) io.stdout(`  ${s.file.padEnd(w)}  ${s.description}\n`);
      const profiles = Object.values(shippedProfiles);
      const pw = Math.max(...profiles.map((p) => p.name.length), 8);
      io.stdout('\nDevice profiles (use as `profile:` in a scenario; extend in a profile file):\n');
      for (const p of profiles) io.stdout(`  ${p.name.padEnd(pw)}  ${p.description}\n`);
      const strategies = Object.entries(STRATEGY_SOURCES);
      const sw = Math.max(...strategies.map(([n]) => n.length));
      io.stdout('\nStrategies (`migration.strategies`; the default scenario is upstream QEMU 10.1+: earlyMap on, the proposals off):\n');
      for (const [n, src] of strategies) io.stdout(`  ${n.padEnd(sw)}  ${src}\n`);
      io.stdout('\nTransports (`migration.transport`; vhost-vdpa is upstream; admin-vq by `migration.adminVq.mode`):\n');
      for (const [n, src] of Object.entries(ADMIN_VQ_SOURCES)) io.stdout(`  admin-vq ${n.padEnd(11)}  ${src}\n`);
    });
}
