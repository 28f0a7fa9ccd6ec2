/**
 * Export of one dataset version's normalized table, for pandas / polars / DuckDB users:
 * the 14 canonical role columns (always, in canonical order, empty when unmapped) followed by
 * the extra source columns (sorted), rows in row_id order.
 * - csv:   RFC 4180, header line, times as ISO 8601 UTC, every cell through csvCell (a value
 *          starting with = + - @ gets a leading ' so no spreadsheet runs it as a formula; the
 *          CSV ingest removes exactly that prefix again, so export → ingest round-trips).
 * - jsonl: one object per row, all columns present, null for empty, times ISO 8601 UTC.
 * - arrow: Arrow IPC file, times Timestamp(ms, "UTC"), strings Utf8.
 * Re-ingesting any of the three gives the same fingerprint as the exported dataset.
 */
import { closeSync, openSync, renameSync, rmSync } from 'node:fs';
import { csvRow } from '../common/csv.ts';
import { HarnessError } from '../common/errors.ts';
import { CANONICAL_ROLES, TIME_ROLES } from '../config/roles.ts';
import { TimestampColumn, Utf8Column, writeAll, writeArrowFile, type ColumnBuilder } from './arrow-file.ts';
import { ensureParentDir, outputFileError } from './output-file.ts';
import { jobsTable, type Db } from './store.ts';

export const EXPORT_FORMATS = ['csv', 'jsonl', 'arrow'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** Output file; written to a temp name and renamed. Undefined: standard output. */
  out?: string;
}

export interface ExportResult {
  datasetId: number;
  rows: number;
  columns: string[];
  out: string | null;
}

type Value = string | number | null;

const IS_TIME: readonly boolean[] = CANONICAL_ROLES.map((r) => TIME_ROLES.includes(r));

export function exportDataset(db: Db, datasetId: number, options: ExportOptions): ExportResult {
  const ds = db.prepare('SELECT extra_columns_json FROM datasets WHERE id = ?').get(datasetId) as { extra_columns_json: string } | undefined;
  if (!ds) throw new HarnessError('unknown-dataset', `no dataset ${datasetId}`, { hint: 'list datasets with stat-harness info' });
  const extras = JSON.parse(ds.extra_columns_json) as string[];
  const columns = [...CANONICAL_ROLES, ...extras];
  const stmt = db.prepare(`SELECT ${CANONICAL_ROLES.join(', ')}, extra_json FROM ${jobsTable(datasetId)} ORDER BY row_id`).raw(true);
  const rows = (): IterableIterator<Value[]> => stmt.iterate() as IterableIterator<Value[]>;
  const extraAt = CANONICAL_ROLES.length;
  /** One output row: roles (times as epoch ms) then extras. */
  const expand = (raw: Value[], out: Value[]): void => {
    for (let i = 0; i < extraAt; i++) out[i] = raw[i]!;
    const extra = raw[extraAt] === null ? null : (JSON.parse(raw[extraAt] as string) as Record<string, string>);
    for (let i = 0; i < extras.length; i++) out[extraAt + i] = extra?.[extras[i]!] ?? null;
  };
  const out: Value[] = new Array<Value>(columns.length).fill(null);
  let count = 0;

  if (options.out !== undefined) ensureParentDir(options.out);
  if (options.format === 'arrow') {
    const builders: ColumnBuilder[] = columns.map((_, i) => (i < extraAt && IS_TIME[i] ? new TimestampColumn() : new Utf8Column()));
    count = writeArrowFile(options.out ?? null, { names: columns, builders }, (push) => {
      for (const raw of rows()) {
        expand(raw, out);
        push(out);
      }
    });
    return { datasetId, rows: count, columns, out: options.out ?? null };
  }

  const sink = openTextSink(options.out);
  try {
    if (options.format === 'csv') {
      sink.write(csvRow(columns));
      for (const raw of rows()) {
        expand(raw, out);
        for (let i = 0; i < extraAt; i++) if (IS_TIME[i] && out[i] !== null) out[i] = new Date(out[i] as number).toISOString();
        sink.write(csvRow(out));
        count++;
      }
    } else {
      for (const raw of rows()) {
        expand(raw, out);
        let line = '{';
        for (let i = 0; i < columns.length; i++) {
          const v = out[i]!;
          const text = v === null ? 'null' : i < extraAt && IS_TIME[i] ? `"${new Date(v as number).toISOString()}"` : JSON.stringify(String(v));
          line += `${i === 0 ? '' : ','}${JSON.stringify(columns[i])}:${text}`;
        }
        sink.write(`${line}}\n`);
        count++;
      }
    }
    sink.close();
  } catch (err) {
    sink.abort();
    throw err;
  }
  return { datasetId, rows: count, columns, out: options.out ?? null };
}

interface TextSink {
  write(s: string): void;
  close(): void;
  abort(): void;
}

/** Buffered text output to a file (temp + rename) or to standard output. */
function openTextSink(path: string | undefined): TextSink {
  let fd = 1;
  let tmp: string | undefined;
  if (path !== undefined) {
    tmp = `${path}.tmp-${process.pid}`;
    try {
      fd = openSync(tmp, 'w');
    } catch (err) {
      throw outputFileError(path, err);
    }
  }
  let buf = '';
  const flush = (): void => {
    writeAll(fd, Buffer.from(buf, 'utf8'));
    buf = '';
  };
  return {
    write(s) {
      buf += s;
      if (buf.length >= 1 << 20) flush();
    },
    close() {
      flush();
      if (tmp !== undefined) {
        closeSync(fd);
        renameSync(tmp, path!);
      }
    },
    abort() {
      if (tmp !== undefined) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
        rmSync(tmp, { force: true });
      }
    },
  };
}
