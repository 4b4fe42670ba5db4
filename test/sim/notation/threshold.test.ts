// threshold.test.ts — gate threshold syntax and the published JSON Schemas.
import { describe, expect, it } from 'vitest';
import { profileJsonSchema, scenarioJsonSchema } from '../../../sim/scenario/jsonSchema.js';
import { parseThreshold } from '../../../sim/notation/threshold.js';

describe('parseThreshold', () => {
  it('parses times to ns and counts as numbers', () => {
    expect(parseThreshold('downtime2.p99 < 300ms')).toMatchObject({ metric: 'downtime2', stat: 'p99', op: '<', value: 300_000_000, kind: 'time' });
    expect(parseThreshold('observed.p99.9 >= 1.5s')).toMatchObject({ stat: 'p99.9', op: '>=', value: 1_500_000_000 });
    expect(parseThreshold('downtime1.max<=250000ns')).toMatchObject({ op: '<=', value: 250_000 });
    // A bare number would silently be nanoseconds: refused, with the unit to add.
    expect(parseThreshold('downtime1.max<=250000')).toMatch(/a time limit needs a unit/);
    expect(parseThreshold('downtime2.p99<2')).toMatch(/as in 2ms/);
    expect(parseThreshold('setMapRebuilds.max == 3')).toMatchObject({ value: 3, kind: 'count' });
    expect(parseThreshold('downtime2.count > 10')).toMatchObject({ value: 10, kind: 'count' });
  });

  it('explains what is wrong', () => {
    expect(parseThreshold('downtime2 < 3')).toBe(
      'expected "<metric>.<stat> <op> <value>" like "downtime2.p99 < 300ms", found "downtime2 < 3"',
    );
    expect(parseThreshold('downtime2.maxx < 3ms')).toBe('unknown statistic "maxx" (did you mean "max"?)');
    expect(parseThreshold('update.max < 3ms')).toBe('expected a plain number for update.max, found "3ms"');
    expect(parseThreshold('downtime2.max < 3 parsecs')).toMatch(/^expected/);
    expect(parseThreshold('downtime2.max < 3parsecs')).toBe('downtime2.max: expected a duration like 300ms, found "3parsecs"');
  });
});

describe('JSON Schemas', () => {
  it('describe unit fields as a string with a pattern or a number, and mark required keys', () => {
    const s = scenarioJsonSchema() as { properties: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    const memory = s.properties.vm!.properties.memory as { anyOf: { type: string; pattern?: string }[] };
    expect(memory.anyOf.map((a) => a.type)).toEqual(['string', 'integer']);
    const re = new RegExp(memory.anyOf[0]!.pattern ?? '');
    expect(re.test('16GiB')).toBe(true);
    expect(re.test('16 gigs')).toBe(false);
    expect(s.properties.vm!.required).toContain('memory');
    expect(s.properties.migration!.required).toContain('bandwidth');
    expect(JSON.stringify(s)).not.toContain('x-required');
    const p = profileJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(p.properties)).toEqual(['name', 'description', 'extends', 'capabilities', 'costs']);
  });
});
