import { describe, expect, it } from 'vitest';
import { compareSignatures, evaluateAutonomousGate, normalizeRecommendationText, recommendationSignature } from '../../src/insights/index.ts';
import type { Recommendation } from '../../src/plugins/types.ts';

const rec: Recommendation = {
  plugin_id: 'p_v1',
  kind: 'batch_group_candidate',
  action_type: 'batch_input',
  where: { process_ids: ['A', 'B'], close_month: '2025-03', key: 'company_code' },
  text: 'Run A → B once per close; saves 1,200 s (12.5%).',
  scope: 'close_specific',
  relevance: 0.5,
  not_modeled_reason: 'x',
};

describe('normalizeRecommendationText', () => {
  it.each([
    ['  Saves 1,200.5 s\n\tper   close.  ', 'saves # s per close'],
    ['Queue wait drops 12.5% (from 3e4 s)!', 'queue wait drops # (from # s)'],
    ['ＦＵＬＬＷＩＤＴＨ ＡＢＣ', 'fullwidth abc'],
    ['P100 and P200', 'p# and p#'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeRecommendationText(input)).toBe(expected);
  });
});

describe('recommendationSignature', () => {
  const sig = recommendationSignature(rec);
  it('is a sha256 hex digest', () => expect(sig).toMatch(/^[0-9a-f]{64}$/));
  it('ignores case, whitespace, numbers, figures, relevance and key order of where', () => {
    expect(recommendationSignature({ ...rec, text: 'run a → b ONCE per close; saves 1,150 s (11%)' })).toBe(sig);
    expect(recommendationSignature({ ...rec, where: { key: 'company_code', close_month: '2025-03', process_ids: ['A', 'B'] } })).toBe(sig);
    expect(recommendationSignature({ ...rec, relevance: 0.9, modeled_percent: 3 } as Recommendation)).toBe(sig);
  });
  it.each([
    ['plugin_id', { plugin_id: 'q_v1' }],
    ['kind', { kind: 'other' }],
    ['action_type', { action_type: 'reschedule' }],
    ['process order', { where: { ...rec.where, process_ids: ['B', 'A'] } }],
    ['close month', { where: { ...rec.where, close_month: '2025-04' } }],
    ['key', { where: { ...rec.where, key: 'plant' } }],
    ['wording', { text: 'Run A then B separately' }],
  ])('changes with %s', (_n, change) => {
    expect(recommendationSignature({ ...rec, ...change } as Recommendation)).not.toBe(sig);
  });
});

describe('compareSignatures', () => {
  it('splits new, dropped and unchanged, sorted, with Jaccard', () => {
    const c = compareSignatures(['c', 'a', 'b', 'a'], ['d', 'b', 'c', 'e']);
    expect(c).toEqual({ newCount: 2, droppedCount: 1, unchangedCount: 2, jaccard: 0.4, new: ['d', 'e'], dropped: ['a'], unchanged: ['b', 'c'] });
  });
  it('identical runs: jaccard 1, nothing new', () => {
    expect(compareSignatures(['x', 'y'], ['y', 'x'])).toMatchObject({ newCount: 0, droppedCount: 0, unchangedCount: 2, jaccard: 1 });
  });
  it('two empty runs are identical, not NaN', () => {
    expect(compareSignatures([], []).jaccard).toBe(1);
  });
  it('is independent of input order', () => {
    expect(compareSignatures(['b', 'a'], ['c', 'a'])).toEqual(compareSignatures(['a', 'b'], ['a', 'c']));
  });
});

describe('evaluateAutonomousGate (docs/insight-contract.md examples)', () => {
  const base = { knownIssuesMode: 'off' as const, discoveryRecommendations: 3, actionablePlugins: 2 };
  const sigs = (n: number, prefix = 's') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  it('passes with one new insight', () => {
    expect(evaluateAutonomousGate({ ...base, novelty: compareSignatures(sigs(40), [...sigs(40), 'new']) }).status).toBe('pass');
  });
  it('fails when 40 of 40 insights are unchanged', () => {
    const g = evaluateAutonomousGate({ ...base, novelty: compareSignatures(sigs(40), sigs(40)) });
    expect(g.status).toBe('fail');
    expect(g.checks.find((c) => c.name === 'novelty')).toMatchObject({ status: 'fail' });
  });
  it('passes on Jaccard <= 0.95 even without new insights (dropped ones)', () => {
    const g = evaluateAutonomousGate({ ...base, novelty: compareSignatures(sigs(20), sigs(19)) }); // 19/20 = 0.95
    expect(g.status).toBe('pass');
  });
  it('fails on Jaccard just above 0.95 with no new insight', () => {
    expect(evaluateAutonomousGate({ ...base, novelty: compareSignatures(sigs(40), sigs(39)) }).status).toBe('fail'); // 0.975
  });
  it('NOVELTY_MIN=0 disables the novelty condition', () => {
    expect(evaluateAutonomousGate({ ...base, noveltyMin: 0, novelty: compareSignatures(sigs(5), sigs(5)) }).status).toBe('pass');
  });
  it('NOVELTY_MIN=3 needs three new insights', () => {
    expect(evaluateAutonomousGate({ ...base, noveltyMin: 3, novelty: compareSignatures(sigs(40), [...sigs(40), 'n1', 'n2']) }).status).toBe('fail');
  });
  it('fails with no discovery recommendations or no actionable plugin, even without a reference', () => {
    const g = evaluateAutonomousGate({ ...base, discoveryRecommendations: 0, actionablePlugins: 0 });
    expect(g.status).toBe('fail');
    expect(g.checks.map((c) => [c.name, c.status])).toEqual([
      ['discovery_recommendations', 'fail'],
      ['actionable_plugins', 'fail'],
      ['novelty', 'not_applicable'],
    ]);
  });
  it('a first run (no reference) with recommendations passes, novelty not_applicable', () => {
    const g = evaluateAutonomousGate(base);
    expect(g.status).toBe('pass');
    expect(g.checks[2]).toMatchObject({ name: 'novelty', status: 'not_applicable' });
  });
  it('mode on is not gated', () => {
    expect(evaluateAutonomousGate({ ...base, knownIssuesMode: 'on', discoveryRecommendations: 0 }).status).toBe('not_applicable');
  });
});
