/**
 * SQLite backend: keyset pagination on row_id (`row_id > last ORDER BY row_id LIMIT page`),
 * pages of 1,024 rows fetched with `.all()` and transposed into preallocated columnar arrays
 * until a batch is full. Memory is one batch plus one page whatever the dataset size, and no
 * statement stays open between batches, so a plugin may call load()/sql() inside its loop.
 *
 * Measured on 1M rows × 17 columns (bench/accessor.bench.ts): small `.all()` pages beat a
 * per-row `iterate()` (one native call per page instead of per row; the page's row arrays die
 * young), and the cost that dominates is the garbage collector promoting the strings a batch
 * keeps alive — hence the small default batch (DEFAULT_BATCH_SIZE in accessor/metered.ts).
 */
import type { Db } from '../store.ts';
import { jobsTable } from '../store.ts';
import type { ColumnBatch } from '../types.ts';
import type { ColumnSpec } from './columns.ts';
import { columnSql, whereToSql, type CompiledWhere } from './where.ts';

export const SQLITE_PAGE_ROWS = 1024;

export function* scanSqlite(
  db: Db,
  datasetId: number,
  columns: readonly ColumnSpec[],
  batchSize: number,
  where: CompiledWhere | undefined,
): Generator<ColumnBatch, void, undefined> {
  const filter = whereToSql(where);
  const select = ['row_id', ...columns.map(columnSql)].join(', ');
  const stmt = db
    .prepare(`SELECT ${select} FROM ${jobsTable(datasetId)} WHERE row_id > ?${filter.sql} ORDER BY row_id LIMIT ?`)
    .raw(true);
  const width = columns.length;
  const numeric = columns.map((c) => c.kind === 'number');
  // Extra columns come out of json_extract and may be JSON numbers; plugins always get strings.
  const stringify = columns.map((c) => c.extra);
  let lastRowId = Number.MIN_SAFE_INTEGER;
  let exhausted = false;
  while (!exhausted) {
    const arrays: (Float64Array | (string | null)[])[] = columns.map((c) => (c.kind === 'number' ? new Float64Array(batchSize) : new Array<string | null>(batchSize)));
    let n = 0;
    let firstRowId = NaN;
    while (n < batchSize) {
      const want = Math.min(SQLITE_PAGE_ROWS, batchSize - n);
      const page = stmt.all(lastRowId, ...filter.params, want) as unknown[][];
      for (let i = 0; i < page.length; i++) {
        const row = page[i]!;
        for (let j = 0; j < width; j++) {
          const v = row[j + 1];
          if (numeric[j]) (arrays[j] as Float64Array)[n] = v === null ? NaN : (v as number);
          else (arrays[j] as (string | null)[])[n] = v === null || !stringify[j] ? (v as string | null) : String(v);
        }
        n++;
      }
      if (page.length > 0) {
        if (Number.isNaN(firstRowId)) firstRowId = page[0]![0] as number;
        lastRowId = page[page.length - 1]![0] as number;
      }
      if (page.length < want) {
        exhausted = true;
        break;
      }
    }
    if (n === 0) return;
    const batch: ColumnBatch = { length: n, firstRowId, columns: {} };
    for (let j = 0; j < width; j++) {
      const a = arrays[j]!;
      if (n < batchSize) {
        if (a instanceof Float64Array) arrays[j] = a.slice(0, n);
        else a.length = n;
      }
      batch.columns[columns[j]!.name] = arrays[j]!;
    }
    yield batch;
  }
}
