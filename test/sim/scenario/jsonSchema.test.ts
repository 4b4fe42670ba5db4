// jsonSchema.test.ts — the published JSON Schemas (`svqsim schema`) accept every shipped scenario
// and profile file, as an editor's validator (ajv, draft 2020-12) would check them, and reject a
// typo'd key.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { profileJsonSchema, scenarioJsonSchema } from '../../../sim/scenario/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const yamlFiles = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));

function validator(schema: Record<string, unknown>) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

describe('published JSON Schemas', () => {
  const scenario = validator(scenarioJsonSchema());
  const profile = validator(profileJsonSchema());

  for (const file of [...yamlFiles('scenarios'), 'sim/bench/sweep.yaml']) {
    it(`accept ${file}`, () => {
      const ok = scenario(parse(readFileSync(join(ROOT, file), 'utf8')));
      expect(scenario.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  for (const file of yamlFiles('scenarios/profiles')) {
    it(`accept the profile file ${file}`, () => {
      const ok = profile(parse(readFileSync(join(ROOT, file), 'utf8')));
      expect(profile.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  it('leave optional keys optional and reject unknown ones', () => {
    const doc = parse(readFileSync(join(ROOT, 'scenarios', 'default.yaml'), 'utf8')) as { workload: Record<string, unknown> };
    delete doc.workload.hotSet;
    expect(scenario(doc)).toBe(true);
    doc.workload.hotset = '1GiB';
    expect(scenario(doc)).toBe(false);
  });
});
