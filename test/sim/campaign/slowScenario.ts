// slowScenario.ts — a scenario one run of which takes seconds, for tests that stop a run while it
// is in progress: 16 GiB, two vdpa_sim NICs taking page faults on RX buffers in discarded memory
// (their data plane never sleeps: sim/testbed/pageFaultWindows.ts), dense traffic and 10 us probes.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Writes `slow.yaml` (one variant, one replication) into `dir`; returns its name. */
export function slowScenario(dir: string): string {
  const ref = readFileSync(join(ROOT, 'scenarios', 'reference-128g.yaml'), 'utf8');
  const text = ref
    .slice(0, ref.indexOf('variants:'))
    .replace('replications: 5', 'replications: 1')
    .replace('memory: 128GiB', 'memory: 16GiB')
    .replaceAll('profile: mlx5', 'profile: vdpa_sim')
    .replaceAll('queuePairs: 2', 'queuePairs: 1')
    .replace('50kpps', '200kpps')
    .replace('  hotSet: 4GiB', '  hotSet: 4GiB\n  rxRefillDiscarded: 0.01')
    .replace('interval: 1ms', 'interval: 10us')
    .replace('  downtimeLimit: 300ms', '  downtimeLimit: 300ms\n  strategies: { pageFaults: true }');
  writeFileSync(join(dir, 'slow.yaml'), text);
  return 'slow.yaml';
}
