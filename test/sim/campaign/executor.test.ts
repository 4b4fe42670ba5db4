// executor.test.ts — the executor runs the main thread's plan: worker threads give the same
// records as one thread, and never go back to the scenario files.

import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planCampaign } from '../../../sim/campaign/campaign.js';
import { executeCampaign } from '../../../sim/campaign/executor.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('executeCampaign', () => {
  it('workers execute the plan they are given, even once the scenario file is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-exec-'));
    copyFileSync(join(ROOT, 'scenarios', 'compare-profiles.yaml'), join(dir, 's.yaml'));
    const c = await planCampaign(['s.yaml'], { cwd: dir, replications: 2 });
    rmSync(join(dir, 's.yaml'));
    const one = await executeCampaign(c, { jobs: 1, progress: false });
    const two = await executeCampaign(c, { jobs: 2, progress: false });
    expect(two.interrupted).toBe(false);
    expect(two.records).toHaveLength(c.runs.length);
    const key = (r: { variant: string; replication: number }) => `${r.variant}#${r.replication}`;
    const sorted = (rs: typeof one.records) => [...rs].sort((a, b) => key(a).localeCompare(key(b)));
    expect(JSON.stringify(sorted(two.records))).toBe(JSON.stringify(sorted(one.records)));
  });
});
