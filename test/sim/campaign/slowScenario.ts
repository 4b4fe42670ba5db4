// slowScenario.ts — a scenario one run of which takes seconds (128 GiB, two mlx5 NICs, dense
// traffic and 10 us probes), for tests that stop a run while it is in progress.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Writes `slow.yaml` (one variant, one replication) into `dir`; returns its name. */
export function slowScenario(dir: string): string {
  const ref = readFileSync(join(ROOT, 'scenarios', 'reference-128g.yaml'), 'utf8');
  const text = ref
    .slice(0, ref.indexOf('variants:'))
    .replace('replications: 5', 'replications: 1')
    .replace('50kpps', '200kpps')
    .replace('interval: 1ms', 'interval: 10us');
  writeFileSync(join(dir, 'slow.yaml'), text);
  return 'slow.yaml';
}
