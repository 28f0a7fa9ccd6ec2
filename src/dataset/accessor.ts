/**
 * The metered dataset accessors handed to plugins as `ctx.dataset` (DESIGN.md "The dataset").
 * Two backends behind one contract and one metering layer (accessor/metered.ts):
 *
 * - `createSqliteAccessor`: reads the store directly (in-process runs, tests, the runner's own
 *   process); sql() goes through the guarded read-only connection of sql-guard.ts.
 * - `createArrowAccessor`: streams record batches from the dataset's Arrow IPC file, with no
 *   native addon and no store access, for sandboxed plugin processes; sql() is proxied by the
 *   runner (`sqlProxy`) and info() is handed in.
 */
import { HarnessError } from '../common/errors.ts';
import type { CloseWindow } from './close-window.ts';
import { DEFAULT_CLOSE_WINDOW } from './close-window.ts';
import { readDatasetInfo } from './info.ts';
import { openSqlGuard, type SqlGuard } from './sql-guard.ts';
import type { Db } from './store.ts';
import type { DatasetInfo } from './types.ts';
import { datasetSchema } from './accessor/columns.ts';
import { createMeteredAccessor, type MeteredAccessor, type MeteringOptions, type SqlFunction } from './accessor/metered.ts';
import { scanSqlite } from './accessor/sqlite.ts';
import { openArrowDataset } from './accessor/arrow.ts';

export { DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, type MeteredAccessor, type MeteringOptions, type SqlFunction, type SqlParams } from './accessor/metered.ts';
export type { ColumnKind, ColumnSpec } from './accessor/columns.ts';

export interface SqliteAccessorOptions extends MeteringOptions {
  /** An open store connection (file-backed: sql() opens its own read-only connection on the same file). */
  db: Db;
  datasetId: number;
  /** Close window for info().closeMonths (config.closeWindow). */
  closeWindow?: CloseWindow;
}

export interface SqliteDatasetAccessor extends MeteredAccessor {
  /** Close the dedicated SQL connection (opened on first sql() call). */
  close(): void;
}

export function createSqliteAccessor(options: SqliteAccessorOptions): SqliteDatasetAccessor {
  const { db, datasetId } = options;
  const row = db.prepare('SELECT row_count, extra_columns_json FROM datasets WHERE id = ?').get(datasetId) as
    | { row_count: number; extra_columns_json: string }
    | undefined;
  if (!row) throw new HarnessError('unknown-dataset', `no dataset with id ${datasetId} in ${db.name}`, { hint: 'list datasets with stat-harness info' });
  let extra: unknown;
  try {
    extra = JSON.parse(row.extra_columns_json);
  } catch {
    extra = undefined;
  }
  if (!Array.isArray(extra) || !extra.every((c) => typeof c === 'string')) {
    throw new HarnessError('store-corrupt', `dataset ${datasetId}: datasets.extra_columns_json must be an array of column names`, { hint: 're-ingest the dataset' });
  }
  const schema = datasetSchema(extra as string[]);
  let guard: SqlGuard | undefined;
  let info: DatasetInfo | undefined;
  const accessor = createMeteredAccessor(
    {
      rowCount: row.row_count,
      schema,
      scan: (columns, batchSize, where) => scanSqlite(db, datasetId, columns, batchSize, where),
      sql: (query, params, sqlOptions) => {
        guard ??= openSqlGuard({ storePath: db.name, datasetId });
        return guard.query(query, params, sqlOptions);
      },
      info: () => (info ??= readDatasetInfo(db, datasetId, { largeRows: options.largeRows, closeWindow: options.closeWindow ?? DEFAULT_CLOSE_WINDOW })),
    },
    options,
  );
  return Object.assign(accessor, {
    close(): void {
      guard?.close();
      guard = undefined;
    },
  });
}

export interface ArrowAccessorOptions extends MeteringOptions {
  /** The dataset's Arrow IPC file (datasetArrowPath layout). */
  arrowPath: string;
  /** The dataset description, computed by the runner from the store (the sandbox has no store access). */
  info?: DatasetInfo;
  /** sql() by RPC to the runner's SQL process; without it sql() throws. */
  sqlProxy?: SqlFunction;
}

export function createArrowAccessor(options: ArrowAccessorOptions): MeteredAccessor {
  const file = openArrowDataset(options.arrowPath);
  const extra = options.info?.extraColumns ?? file.extraColumns;
  const schema = datasetSchema(extra);
  return createMeteredAccessor(
    {
      rowCount: file.rowCount,
      schema,
      scan: (columns, batchSize, where) => file.scan(columns, batchSize, where),
      sql: (query, params, sqlOptions) => {
        if (!options.sqlProxy) {
          throw new HarnessError('sql-unavailable', `${options.pluginId}: sql() is not available in this process (Arrow-file accessor without an SQL proxy)`, {
            hint: 'declare access "sql_assist" so the runner provides the SQL process, or use iterBatches/load',
          });
        }
        return options.sqlProxy(query, params, sqlOptions);
      },
      info: () => {
        if (!options.info) {
          throw new HarnessError('info-unavailable', `${options.pluginId}: info() was not provided to this Arrow-file accessor`, {
            hint: 'the runner passes the DatasetInfo it read from the store (createArrowAccessor({ info }))',
          });
        }
        return options.info;
      },
    },
    options,
  );
}
