// resultText.test.ts — result documents written and read in pieces: the same bytes and the same
// document as whole-string JSON, and the same error positions.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunked, documentPieces, findRuns, writeDocumentFile } from '../../metrics/resultText.js';
import { readResultFile } from '../../metrics/resultFile.js';
import { InputError } from '../../sim/tool/inputError.js';
import { defined } from '../defined.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'results');

/** Documents shaped like results: members around a runs array of objects with any JSON inside. */
const docs = fc.record({
  resultVersion: fc.integer(),
  tool: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  scenarios: fc.array(fc.jsonValue(), { maxLength: 3 }),
  runs: fc.array(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), { maxLength: 6 }),
  aggregates: fc.jsonValue(),
});

const utf8 = (s: string) => Buffer.from(s, 'utf8');

describe('documentPieces', () => {
  it('joins to exactly JSON.stringify(doc, null, 2) plus a newline, in any chunk size', () => {
    fc.assert(
      fc.property(docs, fc.integer({ min: 1, max: 64 }), (doc, size) => {
        const want = JSON.stringify(doc, null, 2) + '\n';
        expect([...documentPieces(doc)].join('')).toBe(want);
        expect([...chunked(documentPieces(doc), size)].join('')).toBe(want);
      }),
    );
  });

  it('writes a file byte-identical to the whole-string form, through a temporary name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-text-'));
    const doc = JSON.parse(readFileSync(join(fixtures, 'two-variants.json'), 'utf8')) as { runs: unknown[] };
    writeDocumentFile(join(dir, 'r.json'), doc);
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toBe(readFileSync(join(fixtures, 'two-variants.json'), 'utf8'));
  });
});

describe('findRuns', () => {
  it('finds each run of pretty and compact text, whatever the strings hold', () => {
    fc.assert(
      fc.property(docs, fc.boolean(), (doc, pretty) => {
        const buf = utf8(pretty ? JSON.stringify(doc, null, 2) : JSON.stringify(doc));
        // What whole-text parsing gives (JSON has no -0, for one).
        const want = JSON.parse(buf.toString('utf8')) as typeof doc;
        const layout = findRuns(buf);
        expect(layout).not.toBeNull();
        const runs = layout!.elements.map(([s, e]) => JSON.parse(buf.toString('utf8', s, e)) as unknown);
        expect(runs).toEqual(want.runs);
        const shell = Buffer.concat([buf.subarray(0, layout!.open), buf.subarray(layout!.close)]);
        expect(JSON.parse(shell.toString('utf8'))).toEqual({ ...want, runs: [] });
      }),
    );
  });

  it('ignores a "runs" that is not a top-level key', () => {
    const buf = utf8('{"a": {"runs": [1]}, "b": "\\"runs\\": [2]", "runs": [{"x": 1}]}');
    const layout = findRuns(buf)!;
    expect(layout.elements.map(([s, e]) => buf.toString('utf8', s, e))).toEqual(['{"x": 1}']);
    expect(findRuns(utf8('{"a": {"runs": []}}'))).toBeNull();
  });
});

describe('reading a result file run by run', () => {
  for (const name of ['two-variants.json', 'shard-1of2.json', 'previous.json']) {
    it(`${name}: the same document as reading it whole`, () => {
      expect(readResultFile(name, fixtures, 0)).toEqual(readResultFile(name, fixtures));
    });
  }

  // Breaks the first line after line 40 that contains `member`, and checks both readers.
  for (const member of ['"replication"', '"p99"']) {
    it(`reports a syntax error at ${member} (${member === '"p99"' ? 'after' : 'inside'} the runs) where whole-text parsing does`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'svqsim-text-'));
      const text = readFileSync(join(fixtures, 'two-variants.json'), 'utf8');
      const lines = text.split('\n');
      const i = lines.findIndex((l, k) => k > 40 && l.includes(member));
      lines[i] = defined(lines[i], `a line after line 40 with ${member}`).replace(/: (\d+)/, ': 1x');
      writeFileSync(join(dir, 'bad.json'), lines.join('\n'));
      const whole = () => readResultFile('bad.json', dir);
      const pieces = () => readResultFile('bad.json', dir, 0);
      expect(whole).toThrow(InputError);
      expect(whole).toThrow(new RegExp(`^bad\\.json:${i + 1}:\\d+: not valid JSON`));
      let wholeMsg = '';
      try {
        whole();
      } catch (e) {
        wholeMsg = (e as Error).message;
      }
      expect(pieces).toThrow(wholeMsg);
    });
  }

  it('names a run that is not an object, and a document without runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-text-'));
    writeFileSync(join(dir, 'num.json'), '{\n  "resultVersion": 1,\n  "runs": [\n    7\n  ]\n}\n');
    expect(() => readResultFile('num.json', dir, 0)).toThrow('num.json:4:5: runs[0] should be an object');
    writeFileSync(join(dir, 'none.json'), '{"resultVersion": 1}');
    expect(() => readResultFile('none.json', dir, 0)).toThrow('none.json: not a svqsim result: member runs is missing');
  });
});
