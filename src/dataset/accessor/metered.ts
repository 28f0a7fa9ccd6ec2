/**
 * The metering layer both backends share: argument validation, the load/rowLimit rules of
 * the streaming policy, and one telemetry record in which every call is counted. A backend
 * only knows how to scan columnar batches (already filtered), run guarded SQL and describe
 * the dataset.
 */
import { HarnessError } from '../../common/errors.ts';
import type {
  AccessTelemetry,
  ColumnBatch,
  DatasetAccessor,
  DatasetInfo,
  IterBatchesOptions,
  LoadOptions,
  LoadResult,
  SqlOptions,
  SqlResult,
} from '../types.ts';
import { emptyTelemetry } from '../types.ts';
import { resolveColumns, type ColumnSpec, type DatasetSchema } from './columns.ts';
import { compileWhere, type CompiledWhere } from './where.ts';

/**
 * 1,024 rows. Measured on 1M and 5M rows × 17 columns (bench/accessor.bench.ts): the cost
 * that dominates is the garbage collector keeping alive the strings of the batch in hand, and
 * V8 grows its young generation while survival is high. Peak RSS of a full pass, 1M / 5M
 * rows: 65,536-row batches ~530 MB, 8,192 ~257 MB, 4,096 210 / 251 MB, 2,048 185 / 251 MB,
 * 1,024 185 / 184 MB (flat). Throughput is at least as good with small batches (65,536-row
 * batches ran at ~0.4–0.7× a raw SQLite scan). A plugin may still ask for bigger batches.
 */
export const DEFAULT_BATCH_SIZE = 1_024;
/** A batch is materialized at once: cap it so a typo cannot allocate gigabytes. */
export const MAX_BATCH_SIZE = 1_048_576;

export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;
export type SqlFunction = (query: string, params: SqlParams | undefined, options: SqlOptions | undefined) => SqlResult;

export interface ScanBackend {
  readonly rowCount: number;
  readonly schema: DatasetSchema;
  /** Batches of `columns` (in that order) for the rows matching `where`, in row_id order, ≤ batchSize rows each. */
  scan(columns: readonly ColumnSpec[], batchSize: number, where: CompiledWhere | undefined): Generator<ColumnBatch, void, undefined>;
  sql: SqlFunction;
  info(): DatasetInfo;
}

export interface MeteringOptions {
  /** The plugin the accessor is handed to (named in every error). */
  pluginId: string;
  /** config.largeRows: above it the dataset is "large" and load() needs a rowLimit. */
  largeRows: number;
  /** config.env.streamingPolicyStrict (STAT_HARNESS_STREAMING_POLICY_STRICT=1): phase B, unbounded loads fail. */
  streamingStrict: boolean;
  /** The plugin has an allowlist entry (with a reason) for the streaming policy. */
  allowUnboundedLoad: boolean;
  /** Counters to add to (the runner keeps a reference and persists it); a fresh record by default. */
  telemetry?: AccessTelemetry;
}

export interface MeteredAccessor extends DatasetAccessor {
  readonly telemetry: AccessTelemetry;
}

export function createMeteredAccessor(backend: ScanBackend, options: MeteringOptions): MeteredAccessor {
  const { pluginId } = options;
  if (!Number.isSafeInteger(options.largeRows) || options.largeRows < 0) {
    throw new HarnessError('internal', `largeRows must be a non-negative integer; got ${options.largeRows}`);
  }
  const telemetry = options.telemetry ?? emptyTelemetry();

  function checkBatchSize(value: unknown): number {
    if (value === undefined) return DEFAULT_BATCH_SIZE;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_BATCH_SIZE) {
      throw new HarnessError('invalid-batch-size', `${pluginId}: iterBatches batchSize must be an integer 1..${MAX_BATCH_SIZE}; got ${String(value)}`, {
        hint: `omit it for the default of ${DEFAULT_BATCH_SIZE}`,
      });
    }
    return value;
  }

  function* metered(inner: Generator<ColumnBatch, void, undefined>): Generator<ColumnBatch, void, undefined> {
    // try/finally: a plugin that breaks out early still releases the backend's resources.
    try {
      for (const batch of inner) {
        telemetry.batches++;
        telemetry.rowsIterated += batch.length;
        yield batch;
      }
    } finally {
      inner.return(undefined);
    }
  }

  return {
    telemetry,

    iterBatches(opts: IterBatchesOptions): IterableIterator<ColumnBatch> {
      telemetry.iterCalls++;
      const o = (opts ?? {}) as Partial<IterBatchesOptions>;
      const columns = resolveColumns(backend.schema, o.columns, pluginId, 'iterBatches');
      const batchSize = checkBatchSize(o.batchSize);
      const where = compileWhere(o.where, backend.schema, pluginId);
      return metered(backend.scan(columns, batchSize, where));
    },

    load(opts: LoadOptions): LoadResult {
      telemetry.loadCalls++;
      const o = (opts ?? {}) as Partial<LoadOptions>;
      const columns = resolveColumns(backend.schema, o.columns, pluginId, 'load');
      const where = compileWhere(o.where, backend.schema, pluginId);
      const rowLimit = o.rowLimit;
      if (rowLimit !== undefined && (typeof rowLimit !== 'number' || !Number.isSafeInteger(rowLimit) || rowLimit < 0)) {
        throw new HarnessError('invalid-row-limit', `${pluginId}: load rowLimit must be a non-negative integer; got ${String(rowLimit)}`);
      }
      const large = backend.rowCount > options.largeRows;
      const unbounded = isUnboundedLoad(rowLimit, large, options.largeRows);
      if (unbounded && large && options.streamingStrict && !options.allowUnboundedLoad) {
        const what = rowLimit === undefined ? 'without a rowLimit' : `with rowLimit ${rowLimit} (above largeRows, so unbounded)`;
        throw new HarnessError(
          'unbounded-load',
          `${pluginId}: load() ${what} on a large dataset (${backend.rowCount} rows > largeRows ${options.largeRows}) is refused while STAT_HARNESS_STREAMING_POLICY_STRICT=1`,
          {
            hint: `pass load({ columns, rowLimit }) with rowLimit ≤ largeRows (${options.largeRows}), stream with iterBatches({ columns }), or add an allowlist.yaml entry for policy streaming.unbounded-loader and subject ${pluginId} with a reason`,
          },
        );
      }
      const rows = materialize(backend, columns, where, rowLimit);
      const truncated = rowLimit !== undefined && rows.length > rowLimit;
      if (truncated) {
        rows.length = rowLimit;
        telemetry.truncations++;
      }
      telemetry.rowsLoaded += rows.length;
      if (unbounded) {
        telemetry.unboundedLoadCalls++;
        telemetry.unboundedLoadRows += rows.length;
      }
      return { rows, truncated };
    },

    sql(query, params, sqlOptions) {
      let result: SqlResult;
      try {
        result = backend.sql(query, params, sqlOptions);
      } catch (err) {
        // Refused or failed (a proxied refusal arrives as a plain Error): counted either way.
        telemetry.sqlRejected++;
        throw err;
      }
      telemetry.sqlStatements++;
      telemetry.sqlRowsReturned += result.rows.length;
      if (result.truncated) telemetry.truncations++;
      return result;
    },

    info() {
      telemetry.infoCalls++;
      return structuredClone(backend.info());
    },
  };
}

/**
 * Whether a load() counts as unbounded for the streaming policy: no rowLimit at all, or — on a
 * large dataset — a rowLimit above largeRows (otherwise `rowLimit: Number.MAX_SAFE_INTEGER`
 * would load everything while telemetry recorded a bounded load).
 */
export function isUnboundedLoad(rowLimit: number | undefined, large: boolean, largeRows: number): boolean {
  return rowLimit === undefined || (large && rowLimit > largeRows);
}

/** Rows of a load(): up to rowLimit + 1 (one extra tells whether the limit cut anything). */
function materialize(backend: ScanBackend, columns: readonly ColumnSpec[], where: CompiledWhere | undefined, rowLimit: number | undefined): LoadResult['rows'] {
  const want = rowLimit === undefined ? Infinity : rowLimit + 1;
  const batchSize = Math.min(DEFAULT_BATCH_SIZE, want);
  const rows: LoadResult['rows'] = [];
  const scan = backend.scan(columns, batchSize, where);
  try {
    for (const batch of scan) {
      const cols = columns.map((c) => batch.columns[c.name]!);
      const take = Math.min(batch.length, want - rows.length);
      for (let i = 0; i < take; i++) {
        const row: Record<string, string | number | null> = {};
        for (let j = 0; j < columns.length; j++) {
          const v = cols[j]![i] ?? null;
          row[columns[j]!.name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
        }
        rows.push(row);
      }
      if (rows.length >= want) break;
    }
  } finally {
    scan.return(undefined);
  }
  return rows;
}
