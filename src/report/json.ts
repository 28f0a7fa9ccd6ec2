/**
 * report.json: the machine-readable report (schemas/report.schema.json). Only content that is
 * a function of dataset + seed + plugin set + results: no run id, timestamp, telemetry,
 * absolute path or store-local id, so identical runs give byte-identical files.
 */
import type { LandmarkResult } from '../insights/index.ts';
import type { DataQualityIssue } from '../dataset/types.ts';
import type { ActionType, Finding, RecommendationWhere, ResultStatus } from '../plugins/types.ts';
import { isoOrNull } from './format.ts';
import { buildReportModel, type ModeledFigure, type PluginView, type ReportModel, type SequenceView } from './model.ts';
import type { ReportInput } from './types.ts';

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportJsonQualityIssue {
  count: number;
  lines: number[];
}

export interface ReportJsonRecommendation {
  rank: number;
  signature: string;
  plugin_id: string;
  kind: string;
  action_type: ActionType;
  where: RecommendationWhere;
  text: string;
  scope: 'general' | 'close_specific';
  relevance: number;
  /** Always with its basis; null when not modeled (then not_modeled_reason is set). */
  modeled: ModeledFigure | null;
  not_modeled_reason?: string;
  sequence_id?: string;
}

/** A batch sequence as report.json carries it: the report model's view plus its checklist files. */
export type ReportJsonSequence = Omit<SequenceView, 'text'> & { checklist: { markdown: string; json: string } };

/** A plugin as report.json carries it: exactly the report model's view. */
export type ReportJsonPlugin = PluginView;

/** A known-issue landmark as report.json carries it (mode on only). */
export type ReportJsonLandmark = LandmarkResult;

/** The shape of report.json (keys are written sorted). */
export interface ReportJson {
  schema_version: typeof REPORT_SCHEMA_VERSION;
  dataset: {
    name: string;
    fingerprint: string;
    row_count: number;
    columns: string[];
    roles: string[];
    extra_columns: string[];
    timezone: string;
    close_months: { month: string; rows: number }[];
    time_range: { min_queue_dt: string | null; max_queue_dt: string | null };
    distinct_processes: number;
    param_keys: number;
    large_dataset: boolean;
  };
  data_quality: { end_before_start: ReportJsonQualityIssue; malformed_params: ReportJsonQualityIssue; cancelled_before_start: ReportJsonQualityIssue; missing_timestamps: ReportJsonQualityIssue };
  run: { seed: number; plugin_set_hash: string; close_window: { start_day: number; end_day: number } };
  summary: {
    plugins: number;
    plugins_by_status: Record<ResultStatus, number>;
    actionable_plugins: number;
    recommendations: number;
    recommendations_rejected: number;
    modeled_recommendations: number;
    batch_sequences: number;
    findings: number;
    plugins_with_contract_violations: number;
  };
  plugins: ReportJsonPlugin[];
  recommendations: ReportJsonRecommendation[];
  batch_sequences: ReportJsonSequence[];
  findings: (Finding & { plugin_id: string })[];
  /** Only in known-issues mode on: its absence means mode off. */
  known_issues?: { mode: 'on'; landmarks: ReportJsonLandmark[] };
}

export function checklistPath(sequenceId: string, ext: 'md' | 'json'): string {
  return `checklists/${sequenceId}.${ext}`;
}

export function buildReportJson(input: ReportInput, options: { landmarks?: readonly LandmarkResult[] } = {}): ReportJson {
  return reportJsonFromModel(buildReportModel(input, options));
}

function quality(q: DataQualityIssue): ReportJsonQualityIssue {
  return { count: q.count, lines: [...q.lines].sort((a, b) => a - b) };
}

function modeledJson(m: ModeledFigure | null): ModeledFigure | null {
  if (m === null) return null;
  const out: ModeledFigure = { basis: m.basis };
  if (m.percent !== undefined) out.percent = m.percent;
  if (m.delta_seconds !== undefined) out.delta_seconds = m.delta_seconds;
  return out;
}

export function reportJsonFromModel(model: ReportModel): ReportJson {
  const { input } = model;
  const d = input.dataset;
  const byStatus: Record<ResultStatus, number> = { degraded: 0, error: 0, na: 0, ok: 0, skipped: 0 };
  for (const p of model.plugins) byStatus[p.status] += 1;
  const out: ReportJson = {
    schema_version: REPORT_SCHEMA_VERSION,
    dataset: {
      name: d.name,
      fingerprint: d.fingerprint,
      row_count: d.rowCount,
      columns: [...d.columns],
      roles: [...d.roles],
      extra_columns: [...d.extraColumns],
      timezone: d.timezone,
      close_months: d.closeMonths.map((m) => ({ month: m.month, rows: m.rows })),
      time_range: { min_queue_dt: isoOrNull(d.timeRange.minQueueDt), max_queue_dt: isoOrNull(d.timeRange.maxQueueDt) },
      distinct_processes: d.distinctProcesses,
      param_keys: d.paramKeys,
      large_dataset: d.largeDataset,
    },
    data_quality: {
      end_before_start: quality(d.quality.endBeforeStart),
      malformed_params: quality(d.quality.malformedParams),
      cancelled_before_start: quality(d.quality.cancelledBeforeStart),
      missing_timestamps: quality(d.quality.missingTimestamps),
    },
    run: {
      seed: input.seed,
      plugin_set_hash: input.pluginSetHash,
      close_window: { start_day: model.closeWindow.startDay, end_day: model.closeWindow.endDay },
    },
    summary: {
      plugins: model.plugins.length,
      plugins_by_status: byStatus,
      actionable_plugins: model.plugins.filter((p) => p.actionable).length,
      recommendations: model.recommendations.length,
      recommendations_rejected: model.plugins.reduce((n, p) => n + p.recommendations_rejected, 0),
      modeled_recommendations: model.recommendations.filter((r) => r.modeled !== null).length,
      batch_sequences: model.sequences.length,
      findings: model.findings.length,
      plugins_with_contract_violations: model.plugins.filter((p) => p.contract_violations.length > 0).length,
    },
    plugins: model.plugins.map((p) => {
      const o: ReportJsonPlugin = {
        id: p.id,
        version: p.version,
        class: p.class,
        access: p.access,
        status: p.status,
        summary: p.summary,
        metrics: p.metrics,
        findings: p.findings,
        recommendations: p.recommendations,
        recommendations_rejected: p.recommendations_rejected,
        actionable: p.actionable,
        contract_violations: p.contract_violations,
      };
      if (p.reason !== undefined) o.reason = p.reason;
      return o;
    }),
    recommendations: model.recommendations.map((r) => {
      const o: ReportJsonRecommendation = {
        rank: r.rank,
        signature: r.signature,
        plugin_id: r.plugin_id,
        kind: r.kind,
        action_type: r.action_type,
        where: r.where,
        text: r.text,
        scope: r.scope,
        relevance: r.relevance,
        modeled: modeledJson(r.modeled),
      };
      if (r.not_modeled_reason !== undefined) o.not_modeled_reason = r.not_modeled_reason;
      if (r.batch_group !== undefined) o.sequence_id = r.batch_group.sequence_id;
      return o;
    }),
    batch_sequences: model.sequences.map((s) => {
      const o: ReportJsonSequence = {
        sequence_id: s.sequence_id,
        rank: s.rank,
        plugin_id: s.plugin_id,
        also_reported_by: s.also_reported_by,
        recommendation_signature: s.recommendation_signature,
        target_process_ids: s.target_process_ids,
        close_month: s.close_month,
        key: s.key,
        estimated_calls_reduced: s.estimated_calls_reduced,
        estimated_delta_seconds_upper: s.estimated_delta_seconds_upper,
        cohort: {
          calls: s.cohort.calls,
          distinct_key_values: s.cohort.distinct_key_values,
          first_queue_dt: s.cohort.first_queue_dt,
          last_queue_dt: s.cohort.last_queue_dt,
          sample_queue_ids: [...s.cohort.sample_queue_ids],
          total_run_seconds: s.cohort.total_run_seconds,
          total_wait_seconds: s.cohort.total_wait_seconds,
        },
        suggested_boundary: s.suggested_boundary,
        modeled: modeledJson(s.modeled),
        checklist: { markdown: checklistPath(s.sequence_id, 'md'), json: checklistPath(s.sequence_id, 'json') },
      };
      if (s.not_modeled_reason !== undefined) o.not_modeled_reason = s.not_modeled_reason;
      return o;
    }),
    findings: model.findings.map((f) => ({
      plugin_id: f.plugin_id,
      id: f.id,
      severity: f.severity,
      confidence: f.confidence,
      title: f.title,
      what: f.what,
      why: f.why,
      measurement: f.measurement,
      evidence: f.evidence ?? {},
    })),
  };
  // The key exists only in mode on (its absence means mode off): in mode off nothing about
  // known issues — not even the mode's name — appears in any artifact.
  if (model.landmarks !== undefined) {
    out.known_issues = {
      mode: 'on',
      landmarks: model.landmarks.map((l) => {
        const o: ReportJsonLandmark = { id: l.id, title: l.title, status: l.status, count: l.count, min_count: l.min_count, matched_signatures: l.matched_signatures };
        if (l.max_count !== undefined) o.max_count = l.max_count;
        return o;
      }),
    };
  }
  return out;
}
