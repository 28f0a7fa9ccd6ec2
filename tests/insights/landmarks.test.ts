import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { batchGroupSequenceId, evaluateLandmarks, loadKnownIssues, recommendationSignature, type Landmark } from '../../src/insights/index.ts';
import type { Recommendation } from '../../src/plugins/types.ts';

const FIX = 'fixtures/insights/';

function loadError(file: string): HarnessError {
  try {
    loadKnownIssues(file);
  } catch (err) {
    if (err instanceof HarnessError) return err;
    throw err;
  }
  throw new Error(`expected ${file} to be rejected`);
}

describe('loadKnownIssues', () => {
  it('loads the example file sorted by id with defaults', () => {
    const l = loadKnownIssues(`${FIX}known-issues.valid.yaml`);
    expect(l.map((x) => x.id)).toEqual(['app02-slow', 'close-invoice-chain', 'payroll-export-dupes']);
    expect(l[1]).toEqual({
      id: 'close-invoice-chain',
      title: 'Invoice posting chain called once per company at close',
      plugin_id: 'batch_input_clusters_v1',
      kind: 'batch_group_candidate',
      where: { process_ids: ['INV_POST', 'AR_RECON'], close_month: '2025-03' },
      min_count: 1,
    });
  });
  it('loads the repository known-issues.yaml', () => {
    expect(loadKnownIssues('known-issues.yaml').length).toBeGreaterThan(0);
  });
  it.each([
    ['known-issues.unknown-key.yaml', 'schema', 4, /unknown key "plugn_id".*did you mean "plugin_id"/],
    ['known-issues.duplicate-id.yaml', 'duplicate-landmark', 5, /"a" is used twice/],
    ['known-issues.no-matcher.yaml', 'landmark-matches-everything', 2, /no matcher/],
    ['known-issues.bad-range.yaml', 'landmark-bad-range', 6, /max_count 2 below min_count 3/],
    ['known-issues.bad-month.yaml', 'schema', 5, /close_month/],
    ['known-issues.tag.yaml', 'yaml-tag-resolve-failed', 1, /include/],
    ['does-not-exist.yaml', 'file-not-found', undefined, /cannot read/],
  ])('%s is rejected with a position', (file, code, line, message) => {
    const e = loadError(`${FIX}${file}`);
    expect(e.code).toBe(code);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
    expect(e.exitCode).toBe(2);
    if (line !== undefined) expect(e.file).toBe(`${FIX}${file}`);
  });
});

describe('evaluateLandmarks', () => {
  const rec = (over: Partial<Recommendation>): Recommendation => {
    const r: Recommendation = {
      plugin_id: 'batch_input_clusters_v1',
      kind: 'batch_group_candidate',
      action_type: 'batch_input',
      where: { process_ids: ['INV_POST', 'GL_ALLOC', 'AR_RECON'], close_month: '2025-03', key: 'company_code' },
      text: 'Batch the invoice chain',
      not_modeled_reason: 'r',
      scope: 'close_specific',
      relevance: 0.5,
      ...over,
    };
    if (r.kind === 'batch_group_candidate') {
      const g = { target_process_ids: r.where.process_ids!, close_month: r.where.close_month!, key: r.where.key! };
      const cohort = { calls: 4, distinct_key_values: 2, first_queue_dt: 'a', last_queue_dt: 'b', sample_queue_ids: [], total_run_seconds: 1, total_wait_seconds: 1 };
      r.batch_group = { ...g, sequence_id: batchGroupSequenceId(g), estimated_calls_reduced: 2, estimated_delta_seconds_upper: 1, cohort };
    }
    return r;
  };
  const landmarks = loadKnownIssues(`${FIX}known-issues.valid.yaml`);

  it('reports confirmed, missing, below_min and over_limit', () => {
    const recs = [
      rec({}),
      rec({ kind: 'slow_machine', action_type: 'route_process', where: { machine: 'APP02' }, text: 'Route A off APP02' }),
      rec({ kind: 'slow_machine', action_type: 'route_process', where: { machine: 'APP02', process_ids: ['B'] }, text: 'Route B off APP02' }),
      rec({ kind: 'dedupe', action_type: 'throttle_or_dedupe', where: { process_ids: ['PAY_EXPORT'] }, text: 'Deduplicate the Payroll   Export calls' }),
    ];
    const r = evaluateLandmarks(landmarks, recs);
    expect(r.map((x) => [x.id, x.status, x.count])).toEqual([
      ['app02-slow', 'over_limit', 2],
      ['close-invoice-chain', 'confirmed', 1],
      ['payroll-export-dupes', 'below_min', 1],
    ]);
    expect(r[1]!.matched_signatures).toEqual([recommendationSignature(recs[0]!)]);
  });
  it('missing when nothing matches; process ids must keep their relative order', () => {
    const reversed = rec({ where: { process_ids: ['AR_RECON', 'GL_ALLOC', 'INV_POST'], close_month: '2025-03', key: 'company_code' } });
    const r = evaluateLandmarks(landmarks, [reversed]);
    expect(r.map((x) => x.status)).toEqual(['missing', 'missing', 'missing']);
  });
  it('min_count 0 with nothing found is confirmed', () => {
    const l: Landmark = { id: 'none-expected', title: 'x', kind: 'never', min_count: 0, max_count: 0 };
    expect(evaluateLandmarks([l], [rec({})])[0]!.status).toBe('confirmed');
  });
  it('does not depend on the order of landmarks or recommendations', () => {
    const recs = [rec({}), rec({ where: { machine: 'APP02' }, kind: 'k', text: 't' })];
    expect(evaluateLandmarks([...landmarks].reverse(), [...recs].reverse())).toEqual(evaluateLandmarks(landmarks, recs));
  });
});

describe('evaluateLandmarks with non-compliant input', () => {
  it('skips recommendations that violate the contract (and does not crash on them)', () => {
    const l: Landmark = { id: 'x', title: 'x', where: { machine: 'APP02' }, min_count: 1 };
    const bad = [
      { plugin_id: 'p', kind: 'k', action_type: 'route_process', where: { machine: 'APP02' }, text: 't', modeled_percent: 100, scope: 'general', relevance: 1 },
      { plugin_id: 'p', where: { machine: 'APP02' } },
      null,
    ] as unknown as Recommendation[];
    expect(evaluateLandmarks([l], bad)[0]).toMatchObject({ status: 'missing', count: 0 });
  });
});
