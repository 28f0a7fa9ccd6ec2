/**
 * SQLite backend: keyset pagination on row_id (`row_id > last ORDER BY row_id LIMIT batch`),
 * each page stepped with a raw iterator straight into preallocated columnar arrays. Memory is
 * one batch, whatever the dataset size (DESIGN.md trap: `.all()` costs ~0.7 KB per row), and
 * no statement stays open between batches, so a plugin may call load()/sql() inside its loop.
 */
import type { Db } from '../store.ts';
import { jobsTable } from '../store.ts';
import type { ColumnBatch } from '../types.ts';
import type { ColumnSpec } from './columns.ts';
import { columnSql, whereToSql, type CompiledWhere } from './where.ts';

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
  for (;;) {
    const arrays: (Float64Array | (string | null)[])[] = columns.map((c) => (c.kind === 'number' ? new Float64Array(batchSize) : new Array<string | null>(batchSize)));
    let n = 0;
    let firstRowId = NaN;
    for (const row of stmt.iterate(lastRowId, ...filter.params, batchSize) as IterableIterator<unknown[]>) {
      for (let j = 0; j < width; j++) {
        const v = row[j + 1];
        if (numeric[j]) (arrays[j] as Float64Array)[n] = v === null ? NaN : (v as number);
        else (arrays[j] as (string | null)[])[n] = v === null || !stringify[j] ? (v as string | null) : String(v);
      }
      lastRowId = row[0] as number;
      if (n === 0) firstRowId = lastRowId;
      n++;
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
    if (n < batchSize) return;
  }
}
