// merge.test.ts — shard merging: byte-identical to the unsharded document, and the input checks.

import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mergeResults } from '../../metrics/merge.js';
import { parseResultText, readResultFile } from '../../metrics/resultFile.js';
import { InputError } from '../../sim/cli/io.js';
import { makeDocument } from '../fixtures/results/makeFixture.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'results');

describe('mergeResults', () => {
  it('merges the two shards into the unsharded document, byte for byte', () => {
    const a = readResultFile('shard-1of2.json', fixtures);
    const b = readResultFile('shard-2of2.json', fixtures);
    const merged = mergeResults([
      { name: 'b', doc: b },
      { name: 'a', doc: a },
    ]);
    expect(merged.shard).toBeUndefined();
    expect(JSON.stringify(merged, null, 2) + '\n').toBe(readFileSync(join(fixtures, 'two-variants.json'), 'utf8'));
  });

  it('names duplicate replications', () => {
    const a = makeDocument({ from: 0, to: 10 });
    const b = makeDocument({ from: 8, to: 20 });
    expect(() => mergeResults([{ name: 'A.json', doc: a }, { name: 'B.json', doc: b }])).toThrow(
      /duplicate run: switch-128g\/baseline replication 8 is in A\.json and in B\.json/,
    );
  });

  it('names missing replications', () => {
    const a = makeDocument({ from: 0, to: 5 });
    const b = makeDocument({ from: 10, to: 20 });
    expect(() => mergeResults([{ name: 'A', doc: a }, { name: 'B', doc: b }])).toThrow(/missing runs: switch-128g\/baseline replications 5, 6, 7, 8, 9/);
  });

  it('names a missing shard: a merged result that is not partial has every variant', () => {
    // One replication of two variants, sharded in two: each shard holds one variant.
    const whole = makeDocument({ to: 1 });
    whole.scenarios[0]!.variants = ['baseline', 'desc-persist'];
    const shard = (index: number) => ({ ...whole, shard: { index, count: 2 }, runs: whole.runs.filter((_, i) => i % 2 === index - 1) });
    expect(() => mergeResults([{ name: 'A', doc: shard(1) }])).toThrow('the merged result would be incomplete: scenario "switch-128g" variant "desc-persist" has no runs (is a shard missing?)');
    expect(mergeResults([{ name: 'A', doc: shard(1) }, { name: 'B', doc: shard(2) }]).runs).toHaveLength(2);
    expect(mergeResults([{ name: 'A', doc: { ...shard(1), partial: true } }]).partial).toBe(true);
  });

  it('refuses different scenario hashes and tool major versions', () => {
    const a = makeDocument({ from: 0, to: 5 });
    const b = makeDocument({ from: 5, to: 10, hash: 'sha256:other' });
    expect(() => mergeResults([{ name: 'A', doc: a }, { name: 'B', doc: b }])).toThrow(InputError);
    expect(() => mergeResults([{ name: 'A', doc: a }, { name: 'B', doc: b }])).toThrow(/hash sha256:other in B/);
    const c = makeDocument({ from: 5, to: 10 });
    c.tool = { name: 'svqsim', version: '1.0.0' };
    expect(() => mergeResults([{ name: 'A', doc: a }, { name: 'C', doc: c }])).toThrow(/major versions differ/);
  });
});

describe('readResultFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svqsim-result-'));
  it('says when the file is missing', () => {
    expect(() => readResultFile('nope.json', dir)).toThrow(/cannot read result file nope\.json: no such file/);
  });
  it('gives line and column of a JSON syntax error', () => {
    writeFileSync(join(dir, 'bad.json'), '{\n  "resultVersion": 1,\n  "tool": }\n');
    expect(() => readResultFile('bad.json', dir)).toThrow(/^bad\.json:3:11: not valid JSON/);
  });
  it('rejects another resultVersion and missing members', () => {
    expect(() => parseResultText('{"resultVersion": 9}', 'x.json')).toThrow(/x\.json: resultVersion 9 is not supported/);
    const doc = makeDocument({ from: 0, to: 2 }) as unknown as Record<string, unknown>;
    delete (doc.runs as Record<string, unknown>[])[1]!.downtime2;
    expect(() => parseResultText(JSON.stringify(doc), 'y.json')).toThrow(/y\.json: not a svqsim result: member runs\[1\]\.downtime2 is missing/);
  });
  it('messages are one line', () => {
    try {
      parseResultText('[1,', 'z.json');
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });
});

describe('jsonSyntaxError', () => {
  it('finds the offset of common mistakes', async () => {
    const { jsonSyntaxError } = await import('../../metrics/jsonPosition.js');
    expect(jsonSyntaxError('{"a": [1, 2,]}')).toEqual({ offset: 12, reason: "unexpected ']'" });
    expect(jsonSyntaxError('{"a": 1')?.reason).toBe("expected ',' or '}', found end of input");
    expect(jsonSyntaxError('{"a": 1} x')?.offset).toBe(9);
    expect(jsonSyntaxError('{"a": [true, null, -1.5e3, "x\\"y"]}')).toBeUndefined();
  });
});
