/**
 * Telemetry collector (plan Task 3.2): the accessor counters, peak RSS, wall time and exit
 * reason each plugin execution recorded in `plugin_executions`, plus the dataset context.
 */
import type { DatasetInfo } from '../dataset/index.ts';
import type { ExecutionRow } from '../runs/index.ts';

/**
 * Exit reasons whose terminal message carried the accessor counters. For the others (killed,
 * died, never settled, skipped) the counters are the empty defaults, not a measurement.
 */
const MEASURED_EXITS: ReadonlySet<string> = new Set(['completed', 'plugin_error', 'invalid_result', 'load_error']);

export interface TelemetryFacts {
  covered: boolean;
  exitReason: string;
  rows?: number;
  rowsLoaded?: number;
  unboundedLoadRows?: number;
  unboundedLoadCalls?: number;
  rowsIterated?: number;
  batches?: number;
  sqlStatements?: number;
  sqlRowsReturned?: number;
  truncations?: number;
  peakRssBytes?: number;
  wallMs?: number;
}

/**
 * Facts of one execution; `covered: false` without counters when the plugin did not run in
 * the run or its counters were never reported (a missing counter is `unknown` to a policy,
 * never a reassuring zero).
 */
export function telemetryFacts(execution: ExecutionRow | undefined): TelemetryFacts | { covered: false } {
  if (execution === undefined) return { covered: false };
  if (!MEASURED_EXITS.has(execution.exitReason)) return { covered: false, exitReason: execution.exitReason, peakRssBytes: execution.peakRssBytes, wallMs: execution.wallMs };
  const t = execution.telemetry;
  return {
    covered: true,
    exitReason: execution.exitReason,
    rows: t.rowsLoaded + t.rowsIterated + t.sqlRowsReturned,
    rowsLoaded: t.rowsLoaded,
    unboundedLoadRows: t.unboundedLoadRows,
    unboundedLoadCalls: t.unboundedLoadCalls,
    rowsIterated: t.rowsIterated,
    batches: t.batches,
    sqlStatements: t.sqlStatements,
    sqlRowsReturned: t.sqlRowsReturned,
    truncations: t.truncations,
    peakRssBytes: execution.peakRssBytes,
    wallMs: execution.wallMs,
  };
}

export interface DatasetFacts {
  rows: number;
  fingerprint: string;
  largeRows: number;
  largeDataset: boolean;
}

/** The dataset context; large-dataset mode uses the evaluating config's largeRows (what policies compare with). */
export function datasetFacts(info: DatasetInfo, largeRows: number): DatasetFacts {
  return { rows: info.rowCount, fingerprint: info.fingerprint, largeRows, largeDataset: info.rowCount > largeRows };
}
