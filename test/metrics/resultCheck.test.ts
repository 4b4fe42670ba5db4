// resultCheck.test.ts — result documents are checked, not trusted: compare, gate, report and
// merge refuse (exit 2, one line naming the file and the member) a document whose structure is
// wrong or whose aggregates, runs or completeness do not agree with its runs.

import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli } from '../cliHarness.js';
import { documentProblem } from '../../metrics/resultSchema.js';
import { documentInconsistency } from '../../metrics/resultConsistency.js';
import { readResultFile } from '../../metrics/resultFile.js';
import { fixtureDocuments, makeDocument } from '../fixtures/results/makeFixture.js';
import { toolVersion } from '../../sim/tool/version.js';
import type { ResultDocument } from '../../metrics/result.js';

const ROOT = join(import.meta.dirname, '..', '..');
type Doc = ResultDocument & Record<string, unknown>;
const base = (): Doc => {
  const d = makeDocument({}) as Doc;
  d.tool.version = toolVersion();
  d.scenarios[0]!.variants = ['baseline', 'desc-persist'];
  return d;
};

/** Each hand edit, and what the error line must say after the file name. */
const EDITS: [string, (d: Doc) => unknown, RegExp][] = [
  ['a p99 of -1 ns', (d) => (d.aggregates['switch-128g/baseline']!.metrics.downtime2!.p99 = -1), /: aggregates\["switch-128g\/baseline"\]\.metrics\.downtime2\.p99 is -1, but the runs give \d+ \(edited or damaged/],
  ['a hand-edited mean', (d) => (d.aggregates['switch-128g/desc-persist']!.metrics.downtime1!.mean *= 0.5), /: aggregates\["switch-128g\/desc-persist"\]\.metrics\.downtime1\.mean is [\d.e+]+, but the runs give/],
  ['empty aggregates', (d) => (d.aggregates = {}), /: aggregates\["switch-128g\/baseline"\] is missing, but the document has runs of it$/m],
  ['an empty metrics map', (d) => (d.aggregates['switch-128g/baseline']!.metrics = {}), /: aggregates\["switch-128g\/baseline"\]\.metrics\.batches is nothing, but the runs give an object/],
  ['an edited histogram', (d) => (d.aggregates['switch-128g/baseline']!.histograms.downtime2 = 'HISTFAAAAB'), /: aggregates\["switch-128g\/baseline"\]\.histograms\.downtime2 is "HISTFAAAAB", but the runs give "/],
  ['runs removed', (d) => (d.runs = []), /: scenario "switch-128g" variant "baseline" has no runs, yet the result is not marked partial$/m],
  ['runs removed from a partial result', (d) => ((d.runs = []), (d.partial = true)), /: aggregates\["switch-128g\/baseline"\] has no runs \(aggregates must come from the document's runs\)$/m],
  ['no runs member', (d) => delete (d as Record<string, unknown>).runs, /: not a svqsim result: member runs is missing$/m],
  ['a negative downtime', (d) => (d.runs[3]!.downtime2.totalNs = -5), /: member runs\[3\]\.downtime2\.totalNs should be a number >= 0, found -5$/m],
  ['a string count', (d) => ((d.runs[0]!.countsByPhase.init as unknown as Record<string, unknown>).update = '2'), /: member runs\[0\]\.countsByPhase\.init\.update should be a number, found the string "2"$/m],
  ['a run twice', (d) => d.runs.push(d.runs[0]!), /: runs\[40\] repeats "switch-128g\/baseline" replication 0 \(runs\[0\]\)$/m],
  ['a run of no listed scenario', (d) => (d.runs[5]!.scenario = 'elsewhere'), /: runs\[5\]\.scenario "elsewhere" is not one of the document's scenarios$/m],
  ['a variant dropped from a complete result', (d) => {
    d.runs = d.runs.filter((r) => r.variant === 'baseline');
    delete d.aggregates['switch-128g/desc-persist'];
  }, /: scenario "switch-128g" variant "desc-persist" has no runs, yet the result is not marked partial$/m],
  ['a replication dropped from a complete result', (d) => d.runs.splice(4, 1), /: scenario "switch-128g" variant "baseline" lacks replication 4 \(it has 19 runs\), yet the result is not marked partial$/m],
  ['a prototype key', (d) => Object.defineProperty(d.runs[0]!.countsByPhase, '__proto__', { value: d.runs[0]!.countsByPhase.init, enumerable: true }), /: member runs\[0\]\.countsByPhase has the key "__proto__", which svqsim never writes$/m],
  ['another resultVersion', (d) => (d.resultVersion = 7 as 1), /: resultVersion 7 is not supported/],
  ['a foreign tool', (d) => ((d.tool as { name: string }).name = 'other'), /: member tool\.name should be "svqsim", found the string "other"$/m],
  ['a long, multi-line key', (d) => ((d.aggregates as Record<string, unknown>)[`x\n${'k'.repeat(100_000)}`] = d.aggregates['switch-128g/baseline']), /: aggregates\["x\\nk+"\.\.\. \(100002 characters\)\] has no runs/],
];

describe('result documents are checked against their runs', () => {
  it('accepts the fixtures and fresh results of shipped scenarios', async () => {
    for (const [name, doc] of Object.entries(fixtureDocuments())) {
      expect(documentProblem(JSON.parse(JSON.stringify(doc))), name).toBeNull();
    }
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-check-'));
    for (const s of ['default', 'compare-profiles', 'custom-profile']) {
      const r = await cli(['run', join(ROOT, 'scenarios', `${s}.yaml`), '--replications', '2', '--out', `${s}.json`, '--quiet', '--jobs', '2'], { cwd: dir });
      expect(r.code).toBe(0);
      const doc = readResultFile(`${s}.json`, dir);
      expect(doc.runs.length).toBeGreaterThan(0);
    }
  });

  it('recomputes the aggregates of another svqsim version instead of trusting them', () => {
    const d = makeDocument({}) as Doc;
    d.tool.version = '0.0.1-older';
    const right = structuredClone(d.aggregates);
    d.aggregates['switch-128g/baseline']!.metrics.downtime2!.p99 = 1;
    expect(documentInconsistency(d, { verifyAggregates: false })).toBeNull();
    expect(d.aggregates).toEqual(right);
  });

  describe('every command refuses each inconsistency in one line naming file and member', () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-check-'));
    beforeAll(() => {
      writeFileSync(join(dir, 'good.json'), JSON.stringify(base(), null, 2));
      EDITS.forEach(([, edit], i) => {
        const d = base();
        edit(d);
        writeFileSync(join(dir, `edit${i}.json`), JSON.stringify(d, null, 2));
      });
    });
    const commands: [string, (f: string) => string[]][] = [
      ['compare', (f) => ['compare', f]],
      ['gate', (f) => ['gate', f, '-t', 'downtime2.p99 < 1h']],
      ['gate --baseline', (f) => ['gate', 'good.json', '--baseline', f]],
      ['report', (f) => ['report', f, '--out', 'r.html']],
      ['merge', (f) => ['merge', f]],
    ];
    EDITS.forEach(([what, , message], i) => {
      it(what, async () => {
        for (const [name, args] of commands) {
          const r = await cli(args(`edit${i}.json`), { cwd: dir });
          expect(r.code, `${name}: ${r.stderr}`).toBe(2);
          expect(r.stdout, name).toBe('');
          expect(r.stderr.split('\n'), name).toHaveLength(2);
          expect(r.stderr, name).toMatch(new RegExp(`^svqsim: error: edit${i}\\.json${message.source}`, message.flags));
        }
      });
    });
  });
});
