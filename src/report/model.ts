/**
 * The report model: everything the renderers need, derived once from a ReportInput by pure
 * functions. Plugin order in the input never matters (plugins sorted by id, recommendations
 * ranked with a total order ending in the signature), and the insight contract is re-checked
 * here so a recommendation that violates it is never ranked, printed or given a checklist —
 * whatever the caller did before.
 */
import { checkInsightContract, formatContractViolation, hasModeledFigure, recommendationSignature, type ContractViolation, type LandmarkResult } from '../insights/index.ts';
import type { BatchGroupCandidate, Finding, Recommendation, RecommendationWhere } from '../plugins/types.ts';
import { fmtNumber } from './format.ts';
import type { ReportInput, ReportPlugin } from './types.ts';

export const DEFAULT_CLOSE_WINDOW = { startDay: 20, endDay: 5 } as const;

export interface ModeledFigure {
  percent?: number;
  delta_seconds?: number;
  basis: string;
}

export interface RankedRecommendation {
  rank: number;
  signature: string;
  plugin_id: string;
  kind: string;
  action_type: Recommendation['action_type'];
  where: RecommendationWhere;
  text: string;
  scope: Recommendation['scope'];
  relevance: number;
  /** Present only with a basis (the contract guarantees it for ranked recommendations). */
  modeled: ModeledFigure | null;
  not_modeled_reason?: string;
  batch_group?: BatchGroupCandidate;
}

export interface SequenceView {
  sequence_id: string;
  /** Rank of the recommendation that carries it. */
  rank: number;
  plugin_id: string;
  /** Other plugins that reported the same sequence (same id), sorted. */
  also_reported_by: string[];
  recommendation_signature: string;
  target_process_ids: string[];
  close_month: string;
  key: string;
  estimated_calls_reduced: number;
  estimated_delta_seconds_upper: number;
  cohort: BatchGroupCandidate['cohort'];
  suggested_boundary: string;
  modeled: ModeledFigure | null;
  not_modeled_reason?: string;
  text: string;
}

export interface PluginView {
  id: string;
  version: string;
  class: ReportPlugin['class'];
  access: ReportPlugin['access'];
  status: ReportPlugin['result']['status'];
  summary: string;
  reason?: string;
  metrics: Record<string, number>;
  findings: number;
  recommendations: number;
  /** Recommendations left out of the ranking because they violate the contract. */
  recommendations_rejected: number;
  contract_violations: string[];
  actionable: boolean;
}

export interface FindingView extends Finding {
  plugin_id: string;
}

export interface ReportModel {
  input: ReportInput;
  plugins: PluginView[];
  recommendations: RankedRecommendation[];
  sequences: SequenceView[];
  findings: FindingView[];
  /** Only in known-issues mode on. */
  landmarks?: LandmarkResult[];
  closeWindow: { startDay: number; endDay: number };
}

/** Plugins whose recommendations count: a failed or skipped plugin's output is not trusted. */
const TRUSTED_STATUSES = new Set(['ok', 'degraded']);

const SEVERITY_ORDER: Record<string, number> = { critical: 0, warn: 1, info: 2 };

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Descending by value; a missing value ranks after every present one. */
function cmpDescOptional(a: number | undefined, b: number | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return b - a;
}

/**
 * Ranking by modeled impact: modeled_delta_seconds, then modeled_percent, then relevance (all
 * descending), then signature ascending so ties resolve the same way on every machine.
 */
export function compareForRanking(a: Omit<RankedRecommendation, 'rank'>, b: Omit<RankedRecommendation, 'rank'>): number {
  return (
    cmpDescOptional(a.modeled?.delta_seconds, b.modeled?.delta_seconds) ||
    cmpDescOptional(a.modeled?.percent, b.modeled?.percent) ||
    b.relevance - a.relevance ||
    cmpStr(a.signature, b.signature)
  );
}

/** "one call of `A` → `B` per close month …" in plain text (renderers escape it themselves). */
export function suggestedBoundary(g: BatchGroupCandidate): string {
  const chain = g.target_process_ids.join(' → ');
  const values = fmtNumber(g.cohort.distinct_key_values);
  return (
    `one call of ${chain} per close month (${g.close_month}) with the ${values} values of ${g.key} passed as a list, ` +
    `instead of ${values} separate runs of the chain (${fmtNumber(g.cohort.calls)} calls in the ${g.close_month} cohort; ` +
    `estimated ${fmtNumber(g.estimated_calls_reduced)} fewer calls)`
  );
}

function modeledOf(rec: Recommendation): ModeledFigure | null {
  if (!hasModeledFigure(rec) || rec.modeled_basis === undefined || rec.modeled_basis.trim() === '') return null;
  const m: ModeledFigure = { basis: rec.modeled_basis.trim() };
  if (rec.modeled_percent !== undefined) m.percent = rec.modeled_percent;
  if (rec.modeled_delta_seconds !== undefined) m.delta_seconds = rec.modeled_delta_seconds;
  return m;
}

function recommendationIndex(v: ContractViolation): number | undefined {
  const m = /^recommendations\[(\d+)\]/.exec(v.path);
  return m ? Number(m[1]) : undefined;
}

function findingIndex(v: ContractViolation): number | undefined {
  const m = /^findings\[(\d+)\]/.exec(v.path);
  return m ? Number(m[1]) : undefined;
}

export function buildReportModel(input: ReportInput, options: { landmarks?: readonly LandmarkResult[] } = {}): ReportModel {
  if (input.knownIssuesMode === 'off' && options.landmarks !== undefined) {
    // A caller bug, not user input: in mode off landmarks must never reach an artifact.
    throw new Error('landmark results were passed to a report in known-issues mode off');
  }
  const plugins = [...input.plugins].sort((a, b) => cmpStr(a.id, b.id));
  const candidates: Omit<RankedRecommendation, 'rank'>[] = [];
  const findings: FindingView[] = [];
  const views: PluginView[] = [];

  for (const p of plugins) {
    const result = p.result;
    const violations = checkInsightContract(p.id, result);
    const badRecs = new Set(violations.map(recommendationIndex).filter((i): i is number => i !== undefined));
    const badFindings = new Set(violations.map(findingIndex).filter((i): i is number => i !== undefined));
    const trusted = TRUSTED_STATUSES.has(result.status);
    const recs = Array.isArray(result.recommendations) ? result.recommendations : [];
    let accepted = 0;
    if (trusted) {
      recs.forEach((rec, i) => {
        if (badRecs.has(i)) return;
        accepted++;
        const c: Omit<RankedRecommendation, 'rank'> = {
          signature: recommendationSignature(rec),
          plugin_id: rec.plugin_id,
          kind: rec.kind,
          action_type: rec.action_type,
          where: rec.where,
          text: rec.text.trim(),
          scope: rec.scope,
          relevance: rec.relevance,
          modeled: modeledOf(rec),
        };
        if (c.modeled === null && rec.not_modeled_reason !== undefined) c.not_modeled_reason = rec.not_modeled_reason.trim();
        if (rec.batch_group !== undefined) c.batch_group = rec.batch_group;
        candidates.push(c);
      });
      (Array.isArray(result.findings) ? result.findings : []).forEach((f, i) => {
        if (!badFindings.has(i)) findings.push({ ...f, plugin_id: p.id });
      });
    }
    const contractViolations = [...new Set([...p.contractViolations, ...violations.map(formatContractViolation)])].sort();
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(result.metrics ?? {})) if (typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
    const view: PluginView = {
      id: p.id,
      version: p.version,
      class: p.class,
      access: p.access,
      status: result.status,
      summary: typeof result.summary === 'string' ? result.summary : '',
      metrics,
      findings: Array.isArray(result.findings) ? result.findings.length : 0,
      recommendations: recs.length,
      recommendations_rejected: recs.length - accepted,
      contract_violations: contractViolations,
      actionable: accepted > 0,
    };
    if (result.reason !== undefined) view.reason = result.reason;
    views.push(view);
  }

  const recommendations = candidates.sort(compareForRanking).map((c, i) => ({ rank: i + 1, ...c }));
  const model: ReportModel = {
    input,
    plugins: views,
    recommendations,
    sequences: buildSequences(recommendations),
    findings: findings.sort(
      (a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || b.confidence - a.confidence || cmpStr(a.plugin_id, b.plugin_id) || cmpStr(a.id, b.id),
    ),
    closeWindow: input.closeWindow ?? { ...DEFAULT_CLOSE_WINDOW },
  };
  if (input.knownIssuesMode === 'on') model.landmarks = [...(options.landmarks ?? [])].sort((a, b) => cmpStr(a.id, b.id));
  return model;
}

/** One entry per sequence id, carried by its best-ranked recommendation. */
function buildSequences(ranked: readonly RankedRecommendation[]): SequenceView[] {
  const byId = new Map<string, SequenceView>();
  for (const r of ranked) {
    const g = r.batch_group;
    if (!g) continue;
    const seen = byId.get(g.sequence_id);
    if (seen) {
      if (r.plugin_id !== seen.plugin_id && !seen.also_reported_by.includes(r.plugin_id)) seen.also_reported_by = [...seen.also_reported_by, r.plugin_id].sort();
      continue;
    }
    const s: SequenceView = {
      sequence_id: g.sequence_id,
      rank: r.rank,
      plugin_id: r.plugin_id,
      also_reported_by: [],
      recommendation_signature: r.signature,
      target_process_ids: [...g.target_process_ids],
      close_month: g.close_month,
      key: g.key,
      estimated_calls_reduced: g.estimated_calls_reduced,
      estimated_delta_seconds_upper: g.estimated_delta_seconds_upper,
      cohort: g.cohort,
      suggested_boundary: suggestedBoundary(g),
      modeled: r.modeled,
      text: r.text,
    };
    if (r.not_modeled_reason !== undefined) s.not_modeled_reason = r.not_modeled_reason;
    byId.set(g.sequence_id, s);
  }
  return [...byId.values()];
}
