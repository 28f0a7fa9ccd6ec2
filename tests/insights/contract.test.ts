import { describe, expect, it } from 'vitest';
import { batchGroupSequenceId, checkInsightContract, compliantRecommendationIndexes, formatContractViolation } from '../../src/insights/index.ts';
import type { PluginResult, Recommendation } from '../../src/plugins/types.ts';

const PLUGIN = 'batch_input_clusters_v1';

function batchRec(): Recommendation {
  const ids = ['INV_POST', 'GL_ALLOC', 'AR_RECON'];
  return {
    plugin_id: PLUGIN,
    kind: 'batch_group_candidate',
    action_type: 'batch_input',
    where: { process_ids: [...ids], close_month: '2025-03', key: 'company_code' },
    text: 'Run INV_POST → GL_ALLOC → AR_RECON once per close with all company_code values as a list.',
    modeled_delta_seconds: 5400,
    modeled_basis: 'queue wait + run seconds of the 2025-03 close cohort of these processes',
    scope: 'close_specific',
    relevance: 0.9,
    batch_group: {
      sequence_id: batchGroupSequenceId({ target_process_ids: ids, close_month: '2025-03', key: 'company_code' }),
      target_process_ids: [...ids],
      close_month: '2025-03',
      key: 'company_code',
      estimated_calls_reduced: 370,
      estimated_delta_seconds_upper: 7200,
      cohort: {
        calls: 410,
        distinct_key_values: 40,
        first_queue_dt: '2025-03-20T00:05:00Z',
        last_queue_dt: '2025-04-04T22:10:00Z',
        sample_queue_ids: ['Q1', 'Q2'],
        total_run_seconds: 3600,
        total_wait_seconds: 9000,
      },
    },
  };
}

function plainRec(): Recommendation {
  return {
    plugin_id: PLUGIN,
    kind: 'slow_machine',
    action_type: 'route_process',
    where: { process_ids: ['GL_ALLOC'], machine: 'APP02' },
    text: 'Route GL_ALLOC away from APP02.',
    not_modeled_reason: 'no comparable runs on other machines in this export',
    scope: 'general',
    relevance: 0.4,
  };
}

function result(recs: unknown[], extra: Partial<PluginResult> = {}): PluginResult {
  return { status: 'ok', summary: 'fixture', metrics: { rows: 10 }, findings: [], recommendations: recs as Recommendation[], ...extra };
}

/** Apply a mutation to a fresh valid recommendation (deep copy, so cases are independent). */
function mutate<T extends Recommendation>(base: () => T, f: (r: Record<string, any>) => void): Recommendation {
  const r = structuredClone(base()) as Record<string, any>;
  f(r);
  return r as Recommendation;
}

describe('checkInsightContract: recommendations', () => {
  it.each([
    ['a batch_group_candidate with modeled figure and basis', batchRec()],
    ['a not-modeled recommendation with a reason', plainRec()],
    ['a percent at the 0..100 bounds', mutate(plainRec, (r) => { delete r.not_modeled_reason; r.modeled_percent = 100; r.modeled_basis = 'total queue wait'; })],
    ['a zero percent', mutate(plainRec, (r) => { delete r.not_modeled_reason; r.modeled_percent = 0; r.modeled_basis = 'total queue wait'; })],
    ['where with only a machine', mutate(plainRec, (r) => { r.where = { machine: 'APP02' }; })],
  ])('valid: %s', (_name, rec) => {
    expect(checkInsightContract(PLUGIN, result([rec]))).toEqual([]);
  });

  it.each([
    ['missing plugin_id', (r: any) => delete r.plugin_id, 'recommendation.missing_plugin_id', 'recommendations[0].plugin_id'],
    ['plugin_id of another plugin', (r: any) => (r.plugin_id = 'other_v1'), 'recommendation.foreign_plugin_id', 'recommendations[0].plugin_id'],
    ['empty kind', (r: any) => (r.kind = ' '), 'recommendation.missing_kind', 'recommendations[0].kind'],
    ['unknown action_type', (r: any) => (r.action_type = 'optimize'), 'recommendation.bad_action_type', 'recommendations[0].action_type'],
    ['no where', (r: any) => delete r.where, 'recommendation.missing_where', 'recommendations[0].where'],
    ['empty where', (r: any) => (r.where = {}), 'recommendation.empty_where', 'recommendations[0].where'],
    ['empty process list', (r: any) => (r.where.process_ids = []), 'recommendation.bad_process_ids', 'recommendations[0].where.process_ids'],
    ['blank process id', (r: any) => (r.where.process_ids = ['GL_ALLOC', '']), 'recommendation.bad_process_ids', 'recommendations[0].where.process_ids[1]'],
    ['numeric process id', (r: any) => (r.where.process_ids = [42]), 'recommendation.bad_process_ids', 'recommendations[0].where.process_ids[0]'],
    ['unknown where key', (r: any) => (r.where.proces_ids = ['X']), 'recommendation.unknown_where_key', 'recommendations[0].where.proces_ids'],
    ['impossible close month', (r: any) => (r.where.close_month = '2025-13'), 'recommendation.bad_where_value', 'recommendations[0].where.close_month'],
    ['hour 24', (r: any) => (r.where.hour_of_day = 24), 'recommendation.bad_where_value', 'recommendations[0].where.hour_of_day'],
    ['empty text', (r: any) => (r.text = ''), 'recommendation.missing_text', 'recommendations[0].text'],
    ['no figure and no reason', (r: any) => delete r.not_modeled_reason, 'recommendation.missing_not_modeled_reason', 'recommendations[0].not_modeled_reason'],
    ['blank reason', (r: any) => (r.not_modeled_reason = '  '), 'recommendation.missing_not_modeled_reason', 'recommendations[0].not_modeled_reason'],
    ['modeled percent without basis', (r: any) => { delete r.not_modeled_reason; r.modeled_percent = 100; }, 'recommendation.modeled_without_basis', 'recommendations[0].modeled_basis'],
    ['modeled seconds with empty basis', (r: any) => { delete r.not_modeled_reason; r.modeled_delta_seconds = 10; r.modeled_basis = ''; }, 'recommendation.modeled_without_basis', 'recommendations[0].modeled_basis'],
    ['percent above 100', (r: any) => { delete r.not_modeled_reason; r.modeled_percent = 140; r.modeled_basis = 'b'; }, 'recommendation.bad_modeled_percent', 'recommendations[0].modeled_percent'],
    ['NaN percent', (r: any) => { delete r.not_modeled_reason; r.modeled_percent = Number.NaN; r.modeled_basis = 'b'; }, 'recommendation.bad_modeled_percent', 'recommendations[0].modeled_percent'],
    ['infinite seconds', (r: any) => { delete r.not_modeled_reason; r.modeled_delta_seconds = Infinity; r.modeled_basis = 'b'; }, 'recommendation.bad_modeled_delta', 'recommendations[0].modeled_delta_seconds'],
    ['negative seconds', (r: any) => { delete r.not_modeled_reason; r.modeled_delta_seconds = -5; r.modeled_basis = 'b'; }, 'recommendation.bad_modeled_delta', 'recommendations[0].modeled_delta_seconds'],
    ['figure and reason at once', (r: any) => { r.modeled_percent = 5; r.modeled_basis = 'b'; }, 'recommendation.modeled_and_not_modeled', 'recommendations[0].not_modeled_reason'],
    ['bad scope', (r: any) => (r.scope = 'everywhere'), 'recommendation.bad_scope', 'recommendations[0].scope'],
    ['relevance above 1', (r: any) => (r.relevance = 1.5), 'recommendation.bad_relevance', 'recommendations[0].relevance'],
    ['batch_group on another kind', (r: any) => (r.batch_group = batchRec().batch_group), 'recommendation.batch_group_kind', 'recommendations[0].kind'],
  ])('invalid: %s', (_name, f, code, path) => {
    const violations = checkInsightContract(PLUGIN, result([mutate(plainRec, f)]));
    expect(violations.map((v) => [v.code, v.path])).toContainEqual([code, path]);
    for (const v of violations) expect(v.message.length).toBeGreaterThan(10);
  });

  it.each([
    ['no payload', (r: any) => delete r.batch_group, 'batch_group.missing', 'recommendations[0].batch_group'],
    ['sequence id not the content hash', (r: any) => (r.batch_group.sequence_id = 'seq_0000000000000000'), 'batch_group.bad_sequence_id', 'recommendations[0].batch_group.sequence_id'],
    ['sequence id stale after reordering', (r: any) => { r.batch_group.target_process_ids.reverse(); r.where.process_ids.reverse(); }, 'batch_group.bad_sequence_id', 'recommendations[0].batch_group.sequence_id'],
    ['empty targets', (r: any) => (r.batch_group.target_process_ids = []), 'batch_group.bad_targets', 'recommendations[0].batch_group.target_process_ids'],
    ['close month not YYYY-MM', (r: any) => (r.batch_group.close_month = '2025-3'), 'batch_group.bad_close_month', 'recommendations[0].batch_group.close_month'],
    ['empty key', (r: any) => (r.batch_group.key = ''), 'batch_group.missing_key', 'recommendations[0].batch_group.key'],
    ['negative calls reduced', (r: any) => (r.batch_group.estimated_calls_reduced = -1), 'batch_group.bad_number', 'recommendations[0].batch_group.estimated_calls_reduced'],
    ['NaN delta upper', (r: any) => (r.batch_group.estimated_delta_seconds_upper = Number.NaN), 'batch_group.bad_number', 'recommendations[0].batch_group.estimated_delta_seconds_upper'],
    ['infinite cohort seconds', (r: any) => (r.batch_group.cohort.total_wait_seconds = Infinity), 'batch_group.bad_number', 'recommendations[0].batch_group.cohort.total_wait_seconds'],
    ['no cohort', (r: any) => delete r.batch_group.cohort, 'batch_group.missing_cohort', 'recommendations[0].batch_group.cohort'],
    ['where disagrees with payload', (r: any) => (r.where.process_ids = ['INV_POST']), 'batch_group.where_mismatch', 'recommendations[0].where.process_ids'],
  ])('invalid batch_group_candidate: %s', (_name, f, code, path) => {
    const violations = checkInsightContract(PLUGIN, result([mutate(batchRec, f)]));
    expect(violations.map((v) => [v.code, v.path])).toContainEqual([code, path]);
  });

  it('flags a second recommendation with the same signature as not meaningful', () => {
    const twice = mutate(plainRec, (r) => (r.text = '  ROUTE gl_alloc away from app02 ')); // same after normalization
    const violations = checkInsightContract(PLUGIN, result([plainRec(), twice]));
    expect(violations).toEqual([expect.objectContaining({ code: 'recommendation.duplicate', path: 'recommendations[1]' })]);
  });

  it('reports violations in a stable order (numeric-aware paths)', () => {
    const recs = Array.from({ length: 11 }, (_, i) => mutate(plainRec, (r) => { r.text = `t ${'x'.repeat(i)}`; r.kind = i % 2 ? '' : 'k'; }));
    const paths = checkInsightContract(PLUGIN, result(recs)).map((v) => v.path);
    expect(paths).toEqual(['recommendations[1].kind', 'recommendations[3].kind', 'recommendations[5].kind', 'recommendations[7].kind', 'recommendations[9].kind']);
  });

  it('tells which recommendations are usable', () => {
    const r = result([plainRec(), mutate(plainRec, (x) => delete x.not_modeled_reason), batchRec()]);
    expect([...compliantRecommendationIndexes(PLUGIN, r)]).toEqual([0, 2]);
  });
});

describe('checkInsightContract: findings and result', () => {
  const finding = () => ({ id: 'f1', severity: 'warn', confidence: 0.8, title: 'Queue wait doubles at close', what: 'w', why: 'y', measurement: 'measured', evidence: { p95: 12 } });
  it('accepts a valid finding', () => {
    expect(checkInsightContract(PLUGIN, result([], { findings: [finding() as never] }))).toEqual([]);
  });
  it.each([
    ['no id', (f: any) => delete f.id, 'finding.missing_id', 'findings[0].id'],
    ['no title', (f: any) => delete f.title, 'finding.missing_title', 'findings[0].title'],
    ['severity "high"', (f: any) => (f.severity = 'high'), 'finding.bad_severity', 'findings[0].severity'],
    ['confidence 1.2', (f: any) => (f.confidence = 1.2), 'finding.bad_confidence', 'findings[0].confidence'],
    ['confidence NaN', (f: any) => (f.confidence = Number.NaN), 'finding.bad_confidence', 'findings[0].confidence'],
    ['measurement "guessed"', (f: any) => (f.measurement = 'guessed'), 'finding.bad_measurement', 'findings[0].measurement'],
    ['NaN in evidence', (f: any) => (f.evidence = { x: [1, Number.NaN] }), 'finding.bad_evidence', 'findings[0].evidence'],
  ])('invalid finding: %s', (_name, f, code, path) => {
    const bad = finding() as Record<string, any>;
    f(bad);
    expect(checkInsightContract(PLUGIN, result([], { findings: [bad as never] })).map((v) => [v.code, v.path])).toContainEqual([code, path]);
  });
  it.each([
    ['status "great"', { status: 'great' }, 'result.bad_status', 'status'],
    ['NaN metric', { metrics: { rows: Number.NaN } }, 'result.bad_metric', 'metrics.rows'],
    ['findings not a list', { findings: 'none' }, 'result.bad_findings', 'findings'],
  ])('invalid result: %s', (_name, extra, code, path) => {
    const v = checkInsightContract(PLUGIN, result([], extra as never));
    expect(v.map((x) => [x.code, x.path])).toContainEqual([code, path]);
  });
  it('formats a violation as one line', () => {
    const [v] = checkInsightContract(PLUGIN, result([], { status: 'great' as never }));
    expect(formatContractViolation(v!)).toMatch(/^status: status must be one of ok, na, skipped, degraded, error; got "great" \[result\.bad_status\]$/);
  });
});

describe('batchGroupSequenceId', () => {
  it('is a stable hash of ordered processes, close month and key (golden)', () => {
    expect(batchGroupSequenceId({ target_process_ids: ['INV_POST', 'GL_ALLOC', 'AR_RECON'], close_month: '2025-03', key: 'company_code' })).toBe('seq_194d6cbd3f4cb35e');
  });
  it('changes with order, month or key', () => {
    const base = { target_process_ids: ['A', 'B'], close_month: '2025-03', key: 'k' };
    const id = batchGroupSequenceId(base);
    expect(batchGroupSequenceId({ ...base, target_process_ids: ['B', 'A'] })).not.toBe(id);
    expect(batchGroupSequenceId({ ...base, close_month: '2025-04' })).not.toBe(id);
    expect(batchGroupSequenceId({ ...base, key: 'k2' })).not.toBe(id);
    expect(id).toMatch(/^seq_[0-9a-f]{16}$/);
  });
});
