// fixtures.test.ts — the checked-in result fixtures match their generator (UPDATE_FIXTURES=1 rewrites them).

import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDocuments } from '../fixtures/results/makeFixture.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'results');

describe('result fixtures', () => {
  for (const [name, doc] of Object.entries(fixtureDocuments())) {
    it(`${name} is up to date`, () => {
      const text = JSON.stringify(doc, null, 2) + '\n';
      if (process.env.UPDATE_FIXTURES) writeFileSync(join(dir, name), text);
      expect(readFileSync(join(dir, name), 'utf8')).toBe(text);
    });
  }
});
