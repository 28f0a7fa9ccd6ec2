import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkInsightContract } from '../../src/insights/index.ts';
import type { PluginResult, Recommendation } from '../../src/plugins/types.ts';

/** The `Example (pass|fail: code)` blocks of docs/insight-contract.md, executed. */
const doc = readFileSync('docs/insight-contract.md', 'utf8');
const examples = [...doc.matchAll(/^Example \((pass|fail: ([a-z_.]+))\):[^\n]*(?:\n[^\n`]+)*\n\n```json\n([\s\S]*?)\n```/gm)].map((m) => ({
  expect: m[1] === 'pass' ? 'pass' : 'fail',
  code: m[2],
  rec: JSON.parse(m[3]!) as Recommendation,
}));

describe('docs/insight-contract.md examples', () => {
  it('has pass and fail examples', () => {
    expect(examples.filter((e) => e.expect === 'pass').length).toBeGreaterThanOrEqual(2);
    expect(examples.filter((e) => e.expect === 'fail').length).toBeGreaterThanOrEqual(4);
  });
  it.each(examples.map((e) => [e.code ?? 'pass', e] as const))('%s', (_n, e) => {
    const result: PluginResult = { status: 'ok', summary: 's', metrics: {}, findings: [], recommendations: [e.rec] };
    const codes = checkInsightContract('batch_input_clusters_v1', result).map((v) => v.code);
    if (e.expect === 'pass') expect(codes).toEqual([]);
    else expect(codes).toContain(e.code);
  });
});
