/**
 * The dataset accessor contract handed to plugins as `ctx.dataset` (DESIGN.md "The dataset").
 * Everything is synchronous and metered into an AccessTelemetry record.
 */
import type { CanonicalRole } from '../config/roles.ts';

/** A column a plugin may ask for: a canonical role, `row_id`, or an extra source column by name. */
export type ColumnName = CanonicalRole | 'row_id' | (string & {});

/** Structured filter (never SQL text): all conditions must hold. */
export type WhereClause = Readonly<Record<string, WhereCondition>>;
export type WhereCondition =
  | { equals: string | number | null }
  | { in: readonly (string | number)[] }
  | { range: { gte?: number; gt?: number; lte?: number; lt?: number } };

export interface IterBatchesOptions {
  columns: readonly ColumnName[];
  /** Rows per batch (default 1,024: DEFAULT_BATCH_SIZE, chosen by bench/accessor.bench.ts). */
  batchSize?: number;
  where?: WhereClause;
}

/**
 * One columnar batch. Times and integers are Float64Array (NaN for null) so arithmetic needs
 * no branching; strings are dictionary-decoded arrays (null for null).
 */
export interface ColumnBatch {
  length: number;
  /** row_id of the first row in this batch. */
  firstRowId: number;
  columns: Record<string, Float64Array | (string | null)[]>;
}

export interface LoadOptions {
  columns: readonly ColumnName[];
  /**
   * Required on a large dataset (rows > largeRows) unless the plugin is allowlisted. On a large
   * dataset a rowLimit above largeRows counts as unbounded, exactly like no rowLimit: refused
   * under STAT_HARNESS_STREAMING_POLICY_STRICT=1, otherwise loaded and recorded in telemetry
   * (unboundedLoadCalls / unboundedLoadRows) for the streaming policy.
   */
  rowLimit?: number;
  where?: WhereClause;
}

export interface LoadResult {
  rows: Record<string, string | number | null>[];
  /** True when rowLimit cut the result short. */
  truncated: boolean;
}

export interface SqlOptions {
  /** Hard cap on returned rows (default 10,000). */
  maxRows?: number;
  /** Time bound in ms (default 10,000). */
  timeoutMs?: number;
}

export interface SqlResult {
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}

export interface DataQualityIssue {
  count: number;
  /** Source lines of the first occurrences (capped). */
  lines: number[];
}

export interface DataQuality {
  endBeforeStart: DataQualityIssue;
  malformedParams: DataQualityIssue;
  cancelledBeforeStart: DataQualityIssue;
  missingTimestamps: DataQualityIssue;
}

export interface DatasetInfo {
  id: number;
  name: string;
  fingerprint: string;
  rowCount: number;
  /** Canonical roles present plus extra columns kept from the source. */
  columns: string[];
  roles: CanonicalRole[];
  extraColumns: string[];
  timezone: string;
  /** Close months (YYYY-MM) with their row counts, ascending. */
  closeMonths: { month: string; rows: number }[];
  timeRange: { minQueueDt: number | null; maxQueueDt: number | null };
  distinctProcesses: number;
  paramKeys: number;
  largeDataset: boolean;
  quality: DataQuality;
}

/** Counters recorded by the metered accessor; persisted per plugin execution. */
export interface AccessTelemetry {
  rowsLoaded: number;
  /** Rows returned by unbounded load() calls — no rowLimit, or above largeRows on a large dataset (the streaming policy's runtime signal). */
  unboundedLoadRows: number;
  unboundedLoadCalls: number;
  loadCalls: number;
  rowsIterated: number;
  batches: number;
  iterCalls: number;
  sqlStatements: number;
  sqlRowsReturned: number;
  sqlRejected: number;
  truncations: number;
  infoCalls: number;
}

export interface DatasetAccessor {
  iterBatches(options: IterBatchesOptions): IterableIterator<ColumnBatch>;
  load(options: LoadOptions): LoadResult;
  sql(query: string, params?: readonly unknown[] | Readonly<Record<string, unknown>>, options?: SqlOptions): SqlResult;
  info(): DatasetInfo;
}

export function emptyTelemetry(): AccessTelemetry {
  return {
    rowsLoaded: 0,
    unboundedLoadRows: 0,
    unboundedLoadCalls: 0,
    loadCalls: 0,
    rowsIterated: 0,
    batches: 0,
    iterCalls: 0,
    sqlStatements: 0,
    sqlRowsReturned: 0,
    sqlRejected: 0,
    truncations: 0,
    infoCalls: 0,
  };
}
