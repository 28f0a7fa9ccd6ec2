/**
 * Plugin SDK types (DESIGN.md "Plugins"). A plugin is one self-describing module:
 * metadata (id, version, class, access contract, dependencies, apiVersion) beside `run`.
 */
import type { AccessTelemetry, DatasetAccessor, DatasetInfo } from '../dataset/types.ts';

/** SDK version a plugin declares; the runner refuses plugins written for a newer major. */
export const PLUGIN_API_VERSION = '1.0' as const;

export const PLUGIN_CLASSES = [
  'direct_action_generators',
  'supporting_signal_detectors',
  'synthesis_verification',
  'reporting_post_processing',
] as const;
export type PluginClass = (typeof PLUGIN_CLASSES)[number];

/** Declared data-access contract (verified statically by the scan and at runtime by telemetry). */
export const ACCESS_CONTRACTS = ['iter_batches', 'dataset_loader_bounded', 'dataset_loader_unbounded', 'sql_assist', 'orchestration_only'] as const;
export type AccessContract = (typeof ACCESS_CONTRACTS)[number];

export const RESULT_STATUSES = ['ok', 'na', 'skipped', 'degraded', 'error'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

export type Severity = 'info' | 'warn' | 'critical';
export type Measurement = 'measured' | 'modeled' | 'not_applicable';

export interface Finding {
  id: string;
  severity: Severity;
  /** 0..1 */
  confidence: number;
  title: string;
  what: string;
  why: string;
  measurement: Measurement;
  evidence: Record<string, unknown>;
}

export const ACTION_TYPES = ['batch_input', 'route_process', 'reschedule', 'throttle_or_dedupe', 'fix_failure', 'add_capacity', 'investigate'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** Structured targets: where exactly the change is made. */
export interface RecommendationWhere {
  /** Process ids in the order they run. */
  process_ids?: string[];
  machine?: string;
  /** YYYY-MM */
  close_month?: string;
  key?: string;
  user_id?: string;
  hour_of_day?: number;
}

export interface Recommendation {
  plugin_id: string;
  kind: string;
  action_type: ActionType;
  where: RecommendationWhere;
  text: string;
  /** Modeled saving as a percent of the basis; requires modeled_basis. */
  modeled_percent?: number;
  modeled_delta_seconds?: number;
  /** What the modeled figure is relative to (e.g. "total queue wait of the 2025-03 close cohort"). */
  modeled_basis?: string;
  /** Required when there is no modeled figure. */
  not_modeled_reason?: string;
  scope: 'general' | 'close_specific';
  /** 0..1, used for ranking alongside modeled impact. */
  relevance: number;
  /** batch_group_candidate payload when kind === 'batch_group_candidate'. */
  batch_group?: BatchGroupCandidate;
}

export interface BatchGroupCandidate {
  /** Deterministic hash of the sequence content. */
  sequence_id: string;
  /** Ordered as they run. */
  target_process_ids: string[];
  close_month: string;
  key: string;
  estimated_calls_reduced: number;
  estimated_delta_seconds_upper: number;
  cohort: {
    calls: number;
    distinct_key_values: number;
    first_queue_dt: string;
    last_queue_dt: string;
    sample_queue_ids: string[];
    total_run_seconds: number;
    total_wait_seconds: number;
  };
}

export interface PluginResult {
  status: ResultStatus;
  summary: string;
  metrics: Record<string, number>;
  findings: Finding[];
  recommendations: Recommendation[];
  /** Why status is na/skipped/degraded/error. */
  reason?: string;
}

export interface PluginLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface PluginContext {
  dataset: DatasetAccessor;
  /** Plugin-specific config from .statharnessrc.yaml plus harness settings plugins may read. */
  config: Readonly<{ largeRows: number; timezone: string; closeWindow: { startDay: number; endDay: number }; plugin: Readonly<Record<string, unknown>> }>;
  seed: number;
  /** Result of a declared dependency (throws for an undeclared one). */
  results(pluginId: string): PluginResult | undefined;
  /** This plugin's own artifacts directory: the only place it may write. */
  artifacts: string;
  log: PluginLogger;
}

/** What a plugin declares about itself: everything but `run` (schemas/plugin-manifest.schema.json). */
export interface PluginManifest {
  id: string;
  version: string;
  /** SDK version the plugin was written for (`PLUGIN_API_VERSION` at the time). */
  apiVersion: string;
  class: PluginClass;
  access: AccessContract;
  dependsOn?: string[];
  description?: string;
}

export interface PluginDefinition extends PluginManifest {
  id: string;
  version: string;
  apiVersion: string;
  class: PluginClass;
  access: AccessContract;
  dependsOn?: string[];
  description?: string;
  run(ctx: PluginContext): PluginResult | Promise<PluginResult>;
}

export type { AccessTelemetry, DatasetAccessor, DatasetInfo };
