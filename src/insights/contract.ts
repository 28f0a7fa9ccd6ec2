/**
 * The insight contract (docs/insight-contract.md) enforced on every plugin result. Pure
 * functions over untrusted data: a result arrives from a child process, so every field is
 * checked for its runtime shape even though the static type says it is fine.
 */
import { contentId } from '../common/hash.ts';
import { isValidCalendarDate } from '../common/parse.ts';
import { ACTION_TYPES, RESULT_STATUSES, type BatchGroupCandidate, type PluginResult, type Recommendation } from '../plugins/types.ts';
import { recommendationSignature } from './signature.ts';

export interface ContractViolation {
  /** Stable machine code, e.g. `recommendation.modeled_without_basis`. */
  code: string;
  message: string;
  /** Dotted path inside the plugin result, e.g. `recommendations[2].modeled_basis`. */
  path: string;
}

const SEVERITIES = ['info', 'warn', 'critical'] as const;
const MEASUREMENTS = ['measured', 'modeled', 'not_applicable'] as const;
const SCOPES = ['general', 'close_specific'] as const;
const WHERE_KEYS = ['process_ids', 'machine', 'close_month', 'key', 'user_id', 'hour_of_day'] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** `YYYY-MM` with a real month (01..12). */
export function isCloseMonth(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = /^(\d{4})-(\d{2})$/.exec(v);
  return m !== null && isValidCalendarDate(Number(m[1]), Number(m[2]), 1);
}

/**
 * The sequence id of a batch_group_candidate: a hash of what identifies the sequence (ordered
 * processes, close month, key), not of its estimates, so the same sequence keeps its id (and
 * its checklist file name) when a rerun refines the numbers.
 */
export function batchGroupSequenceId(candidate: Pick<BatchGroupCandidate, 'target_process_ids' | 'close_month' | 'key'>): string {
  return `seq_${contentId({ close_month: candidate.close_month, key: candidate.key, target_process_ids: candidate.target_process_ids })}`;
}

/** A recommendation carries a modeled figure (percent and/or delta seconds). */
export function hasModeledFigure(rec: Pick<Recommendation, 'modeled_percent' | 'modeled_delta_seconds'>): boolean {
  return rec.modeled_percent !== undefined || rec.modeled_delta_seconds !== undefined;
}

/** Everything JSON can carry without loss (no NaN/±Infinity, functions, BigInt, undefined in arrays, cycles). */
function jsonSafe(v: unknown, seen: Set<object> = new Set()): boolean {
  if (v === null) return true;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (seen.has(v)) return false;
      seen.add(v);
      const ok = Array.isArray(v) ? v.every((x) => x !== undefined && jsonSafe(x, seen)) : Object.values(v).every((x) => x === undefined || jsonSafe(x, seen));
      seen.delete(v);
      return ok;
    }
    default:
      return false;
  }
}

/** Violations of one finding (path prefix e.g. `findings[0]`). */
export function checkFinding(finding: unknown, at: string): ContractViolation[] {
  const out: ContractViolation[] = [];
  const v = (code: string, message: string, path = at) => out.push({ code: `finding.${code}`, message, path });
  if (!isObj(finding)) {
    v('not_object', 'a finding must be an object');
    return out;
  }
  if (!isNonEmptyString(finding.id)) v('missing_id', 'a finding needs a non-empty id', `${at}.id`);
  if (!isNonEmptyString(finding.title)) v('missing_title', 'a finding needs a non-empty title', `${at}.title`);
  if (!(SEVERITIES as readonly unknown[]).includes(finding.severity)) v('bad_severity', `severity must be one of ${SEVERITIES.join(', ')}; got ${JSON.stringify(finding.severity) ?? 'nothing'}`, `${at}.severity`);
  if (!isFiniteNumber(finding.confidence) || finding.confidence < 0 || finding.confidence > 1) v('bad_confidence', `confidence must be a number in 0..1; got ${String(finding.confidence)}`, `${at}.confidence`);
  if (!(MEASUREMENTS as readonly unknown[]).includes(finding.measurement)) v('bad_measurement', `measurement must be one of ${MEASUREMENTS.join(', ')}; got ${JSON.stringify(finding.measurement) ?? 'nothing'}`, `${at}.measurement`);
  for (const key of ['what', 'why'] as const) if (typeof finding[key] !== 'string') v(`missing_${key}`, `a finding needs a "${key}" text`, `${at}.${key}`);
  if (finding.evidence !== undefined && !(isObj(finding.evidence) && jsonSafe(finding.evidence))) v('bad_evidence', 'evidence must be a JSON object without NaN/Infinity, functions or cycles', `${at}.evidence`);
  return out;
}

/** Violations of one batch_group_candidate payload. */
export function checkBatchGroup(group: unknown, at: string): ContractViolation[] {
  const out: ContractViolation[] = [];
  const v = (code: string, message: string, path = at) => out.push({ code: `batch_group.${code}`, message, path });
  if (!isObj(group)) {
    v('missing', 'a batch_group_candidate recommendation needs its batch_group payload');
    return out;
  }
  const ids = group.target_process_ids;
  const idsOk = Array.isArray(ids) && ids.length > 0 && ids.every(isNonEmptyString);
  if (!idsOk) v('bad_targets', 'target_process_ids must be a non-empty list of non-empty process ids, in run order', `${at}.target_process_ids`);
  const monthOk = isCloseMonth(group.close_month);
  if (!monthOk) v('bad_close_month', `close_month must be YYYY-MM; got ${JSON.stringify(group.close_month) ?? 'nothing'}`, `${at}.close_month`);
  const keyOk = isNonEmptyString(group.key);
  if (!keyOk) v('missing_key', 'key (the parameter whose values would be passed as a list) must be a non-empty string', `${at}.key`);
  for (const f of ['estimated_calls_reduced', 'estimated_delta_seconds_upper'] as const) {
    const n = group[f];
    if (!isFiniteNumber(n) || n < 0) v('bad_number', `${f} must be a finite number >= 0; got ${String(n)}`, `${at}.${f}`);
  }
  const cohort = group.cohort;
  if (!isObj(cohort)) {
    v('missing_cohort', 'the cohort evidence (calls, distinct key values, queue window, sample queue ids, seconds) is required', `${at}.cohort`);
  } else {
    for (const f of ['calls', 'distinct_key_values', 'total_run_seconds', 'total_wait_seconds'] as const) {
      const n = cohort[f];
      if (!isFiniteNumber(n) || n < 0) v('bad_number', `cohort.${f} must be a finite number >= 0; got ${String(n)}`, `${at}.cohort.${f}`);
    }
    for (const f of ['first_queue_dt', 'last_queue_dt'] as const) {
      if (!isNonEmptyString(cohort[f])) v('bad_cohort', `cohort.${f} must be a non-empty timestamp string`, `${at}.cohort.${f}`);
    }
    const sample = cohort.sample_queue_ids;
    if (!Array.isArray(sample) || !sample.every(isNonEmptyString)) v('bad_cohort', 'cohort.sample_queue_ids must be a list of queue ids', `${at}.cohort.sample_queue_ids`);
  }
  if (idsOk && monthOk && keyOk) {
    const expected = batchGroupSequenceId({ target_process_ids: ids as string[], close_month: group.close_month as string, key: group.key as string });
    if (group.sequence_id !== expected) {
      v('bad_sequence_id', `sequence_id must be the hash of its content (${expected}); got ${JSON.stringify(group.sequence_id) ?? 'nothing'}`, `${at}.sequence_id`);
    }
  } else if (!isNonEmptyString(group.sequence_id)) {
    v('bad_sequence_id', 'sequence_id is required', `${at}.sequence_id`);
  }
  return out;
}

/** Violations of one recommendation produced by `pluginId`. */
export function checkRecommendation(pluginId: string, rec: unknown, at: string): ContractViolation[] {
  const out: ContractViolation[] = [];
  const v = (code: string, message: string, path = at) => out.push({ code: `recommendation.${code}`, message, path });
  if (!isObj(rec)) {
    v('not_object', 'a recommendation must be an object');
    return out;
  }
  if (!isNonEmptyString(rec.plugin_id)) v('missing_plugin_id', 'plugin_id is required', `${at}.plugin_id`);
  else if (rec.plugin_id !== pluginId) v('foreign_plugin_id', `plugin_id "${rec.plugin_id}" is not the producing plugin "${pluginId}"`, `${at}.plugin_id`);
  if (!isNonEmptyString(rec.kind)) v('missing_kind', 'kind is required', `${at}.kind`);
  if (!(ACTION_TYPES as readonly unknown[]).includes(rec.action_type)) {
    v('bad_action_type', `action_type must be one of ${ACTION_TYPES.join(', ')}; got ${JSON.stringify(rec.action_type) ?? 'nothing'}`, `${at}.action_type`);
  }
  out.push(...checkWhere(rec.where, `${at}.where`));
  if (!isNonEmptyString(rec.text)) v('missing_text', 'text (what to change) is required', `${at}.text`);
  if (!(SCOPES as readonly unknown[]).includes(rec.scope)) v('bad_scope', `scope must be one of ${SCOPES.join(', ')}`, `${at}.scope`);
  if (!isFiniteNumber(rec.relevance) || rec.relevance < 0 || rec.relevance > 1) v('bad_relevance', `relevance must be a number in 0..1; got ${String(rec.relevance)}`, `${at}.relevance`);

  const modeled = rec.modeled_percent !== undefined || rec.modeled_delta_seconds !== undefined;
  if (rec.modeled_percent !== undefined) {
    const p = rec.modeled_percent;
    if (!isFiniteNumber(p) || p < 0 || p > 100) v('bad_modeled_percent', `modeled_percent must be a finite number in 0..100; got ${String(p)}`, `${at}.modeled_percent`);
  }
  if (rec.modeled_delta_seconds !== undefined) {
    const d = rec.modeled_delta_seconds;
    if (!isFiniteNumber(d) || d < 0) v('bad_modeled_delta', `modeled_delta_seconds must be a finite number >= 0 (seconds saved); got ${String(d)}`, `${at}.modeled_delta_seconds`);
  }
  if (modeled) {
    if (!isNonEmptyString(rec.modeled_basis)) v('modeled_without_basis', 'a modeled figure needs a non-empty modeled_basis (what it is relative to); without one it is not shown', `${at}.modeled_basis`);
    if (rec.not_modeled_reason !== undefined) v('modeled_and_not_modeled', 'a recommendation is either modeled (figure + basis) or not (not_modeled_reason), not both', `${at}.not_modeled_reason`);
  } else if (!isNonEmptyString(rec.not_modeled_reason)) {
    v('missing_not_modeled_reason', 'without a modeled figure, a non-empty not_modeled_reason is required', `${at}.not_modeled_reason`);
  }

  if (rec.kind === 'batch_group_candidate' || rec.batch_group !== undefined) {
    if (rec.kind !== 'batch_group_candidate') v('batch_group_kind', 'a batch_group payload belongs to kind "batch_group_candidate"', `${at}.kind`);
    const groupViolations = checkBatchGroup(rec.batch_group, `${at}.batch_group`);
    out.push(...groupViolations);
    if (groupViolations.length === 0 && isObj(rec.where)) out.push(...checkBatchGroupWhere(rec.where, rec.batch_group as Obj, at));
  }
  return out;
}

function checkWhere(where: unknown, at: string): ContractViolation[] {
  const out: ContractViolation[] = [];
  const v = (code: string, message: string, path = at) => out.push({ code: `recommendation.${code}`, message, path });
  if (!isObj(where)) {
    v('missing_where', 'where must be an object of structured targets (process_ids, machine, close_month, key, user_id, hour_of_day)');
    return out;
  }
  const present = WHERE_KEYS.filter((k) => where[k] !== undefined);
  for (const k of Object.keys(where)) {
    if (!(WHERE_KEYS as readonly string[]).includes(k)) v('unknown_where_key', `unknown where target "${k}" (allowed: ${WHERE_KEYS.join(', ')})`, `${at}.${k}`);
  }
  if (present.length === 0) v('empty_where', 'where needs at least one structured target (e.g. the process ids the change applies to)');
  if (where.process_ids !== undefined) {
    const ids = where.process_ids;
    if (!Array.isArray(ids) || ids.length === 0) v('bad_process_ids', 'where.process_ids must be a non-empty list', `${at}.process_ids`);
    else ids.forEach((id, i) => {
      if (!isNonEmptyString(id)) v('bad_process_ids', `process id at position ${i} must be a non-empty string`, `${at}.process_ids[${i}]`);
    });
  }
  for (const k of ['machine', 'key', 'user_id'] as const) {
    if (where[k] !== undefined && !isNonEmptyString(where[k])) v('bad_where_value', `where.${k} must be a non-empty string`, `${at}.${k}`);
  }
  if (where.close_month !== undefined && !isCloseMonth(where.close_month)) v('bad_where_value', `where.close_month must be YYYY-MM; got ${JSON.stringify(where.close_month)}`, `${at}.close_month`);
  if (where.hour_of_day !== undefined) {
    const h = where.hour_of_day;
    if (!(typeof h === 'number' && Number.isInteger(h) && h >= 0 && h <= 23)) v('bad_where_value', `where.hour_of_day must be an integer 0..23; got ${String(h)}`, `${at}.hour_of_day`);
  }
  return out;
}

/** The where targets of a batch recommendation must name the same sequence as its payload. */
function checkBatchGroupWhere(where: Obj, group: Obj, at: string): ContractViolation[] {
  const out: ContractViolation[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(where.process_ids, group.target_process_ids)) {
    out.push({ code: 'batch_group.where_mismatch', message: 'where.process_ids must equal batch_group.target_process_ids (same order)', path: `${at}.where.process_ids` });
  }
  if (where.close_month !== group.close_month) out.push({ code: 'batch_group.where_mismatch', message: 'where.close_month must equal batch_group.close_month', path: `${at}.where.close_month` });
  if (where.key !== group.key) out.push({ code: 'batch_group.where_mismatch', message: 'where.key must equal batch_group.key', path: `${at}.where.key` });
  return out;
}

/**
 * Every insight-contract violation in one plugin's result, in a stable order (by path, then
 * code). An empty list means the result is compliant.
 */
export function checkInsightContract(pluginId: string, result: PluginResult): ContractViolation[] {
  const out: ContractViolation[] = [];
  const r: unknown = result;
  if (!isObj(r)) return [{ code: 'result.not_object', message: 'a plugin result must be an object', path: '' }];
  if (!(RESULT_STATUSES as readonly unknown[]).includes(r.status)) {
    out.push({ code: 'result.bad_status', message: `status must be one of ${RESULT_STATUSES.join(', ')}; got ${JSON.stringify(r.status) ?? 'nothing'}`, path: 'status' });
  }
  if (typeof r.summary !== 'string') out.push({ code: 'result.missing_summary', message: 'summary must be a string', path: 'summary' });
  if (r.metrics !== undefined) {
    if (!isObj(r.metrics)) out.push({ code: 'result.bad_metrics', message: 'metrics must be an object of finite numbers', path: 'metrics' });
    else for (const [k, n] of Object.entries(r.metrics)) if (!isFiniteNumber(n)) out.push({ code: 'result.bad_metric', message: `metric "${k}" must be a finite number; got ${String(n)}`, path: `metrics.${k}` });
  }
  if (r.findings !== undefined && !Array.isArray(r.findings)) out.push({ code: 'result.bad_findings', message: 'findings must be a list', path: 'findings' });
  else ((r.findings as unknown[] | undefined) ?? []).forEach((f, i) => out.push(...checkFinding(f, `findings[${i}]`)));
  if (r.recommendations !== undefined && !Array.isArray(r.recommendations)) {
    out.push({ code: 'result.bad_recommendations', message: 'recommendations must be a list', path: 'recommendations' });
  } else {
    const seen = new Map<string, number>();
    ((r.recommendations as unknown[] | undefined) ?? []).forEach((rec, i) => {
      const own = checkRecommendation(pluginId, rec, `recommendations[${i}]`);
      out.push(...own);
      if (own.length > 0) return;
      // A second recommendation with the same signature says nothing new (not meaningful).
      const sig = recommendationSignature(rec as Recommendation);
      const first = seen.get(sig);
      if (first !== undefined) out.push({ code: 'recommendation.duplicate', message: `same signature as recommendations[${first}] (same plugin, kind, action, targets and text)`, path: `recommendations[${i}]` });
      else seen.set(sig, i);
    });
  }
  return out.sort((a, b) => comparePaths(a.path, b.path) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** Numeric-aware path order so recommendations[10] sorts after recommendations[9]. */
export function comparePaths(a: string, b: string): number {
  // Hand-rolled (not localeCompare) so the order never depends on the machine's ICU data.
  const ta = a.split(/(\d+)/);
  const tb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    if (i % 2 === 1) return Number(x) - Number(y) || (x < y ? -1 : 1);
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** One line per violation, as recorded in the runs store and shown in reports. */
export function formatContractViolation(v: ContractViolation): string {
  return `${v.path || '(result)'}: ${v.message} [${v.code}]`;
}

/** Indexes of the recommendations that satisfy the contract on their own (used by reports). */
export function compliantRecommendationIndexes(pluginId: string, result: PluginResult): Set<number> {
  const bad = new Set<number>();
  for (const v of checkInsightContract(pluginId, result)) {
    const m = /^recommendations\[(\d+)\]/.exec(v.path);
    if (m) bad.add(Number(m[1]));
  }
  const recs = Array.isArray(result.recommendations) ? result.recommendations : [];
  return new Set(recs.map((_, i) => i).filter((i) => !bad.has(i)));
}
