/**
 * The ingest orchestrator: input file → one new dataset version in the store, inside ONE
 * write transaction (BEGIN IMMEDIATE … COMMIT). Any error — bad bytes, a ragged row, an
 * impossible timestamp, a conflicting duplicate — or an interruption (SIGINT, kill -9) rolls
 * everything back: SQLite discards an uncommitted transaction, so the store is exactly as it
 * was. Tables are created and filled, indexes built after the bulk load, the fingerprint
 * computed, and only then the `datasets` row is inserted and the transaction committed.
 *
 * Re-ingesting content whose fingerprint is already stored is a no-op (rolled back) that
 * names the existing dataset. `append` creates a new version holding the parent's rows plus
 * the new file's rows, de-duplicated by queue id, with parent_id set.
 */
import { basename, extname, resolve } from 'node:path';
import { HarnessError } from '../../common/errors.ts';
import { assertTimeZone, type HarnessConfig } from '../../config/index.ts';
import { resolveDataset } from '../info.ts';
import { createDatasetIndexesSql, createDatasetTablesSql, JOB_COLUMNS, jobsTable, openStore, paramsTable, type Db } from '../store.ts';
import type { DataQuality } from '../types.ts';
import { readArrow } from './arrow-reader.ts';
import { readCsv } from './csv-reader.ts';
import { readJsonl } from './jsonl-reader.ts';
import { datasetFingerprint } from './fingerprint.ts';
import { RowNormalizer, MAX_QUALITY_LINES } from './normalize.ts';
import { inspectInput, type InputFormat } from './source.ts';
import { createTimestampParser } from './timestamps.ts';
import { DatasetWriter } from './writer.ts';

export interface IngestOptions {
  file: string;
  /** csv | jsonl | arrow; default from the extension (and the ARROW1 magic). */
  format?: string;
  /** Dataset name (default: the file name without extension). */
  name?: string;
  /** `--map` overrides: source column → role (win over config ingest.map). */
  map?: Readonly<Record<string, string>>;
  /** Source time zone for times without an offset (default: config timezone). */
  timezone?: string;
  /** Dataset id or name to append to. */
  append?: string;
  /** Called with bytes read so far (and the total) while reading. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface IngestResult {
  dataset: { id: number; name: string; fingerprint: string; rowCount: number };
  /** True when the content was already stored: nothing was written. */
  noop: boolean;
  quality: DataQuality;
  warnings: string[];
  format: InputFormat;
  /** source column → role */
  mapping: Record<string, string>;
  extraColumns: string[];
  parentId: number | null;
  /** Rows this file added (equals rowCount unless appending; 0 for a no-op). */
  addedRows: number;
  /** Identical duplicate rows that were merged. */
  duplicateRows: number;
  /** Wall time per phase in ms (diagnostics for benchmarks; never part of a hashed artifact). */
  phases: { readMs: number; indexMs: number; fingerprintMs: number; commitMs: number };
}

export async function ingestFile(config: HarnessConfig, options: IngestOptions): Promise<IngestResult> {
  const file = options.file;
  const input = inspectInput(file, options.format);
  const timeZone = options.timezone ?? config.timezone;
  if (options.timezone !== undefined) {
    try {
      assertTimeZone(timeZone);
    } catch {
      throw new HarnessError('usage', `--tz: unknown time zone "${timeZone}"`, { hint: 'use an IANA zone name such as UTC or Europe/Berlin' });
    }
  }
  const name = options.name ?? (basename(file, extname(file)) || basename(file));
  if (name.trim() === '') throw new HarnessError('usage', '--name must not be empty');
  const overrides = { ...config.ingest.map, ...(options.map ?? {}) };
  const db = openStore(config.store);
  try {
    return await ingestInto(db, config, options, input.format, input.size, timeZone, name, overrides);
  } finally {
    db.close();
  }
}

async function ingestInto(
  db: Db,
  config: HarnessConfig,
  options: IngestOptions,
  format: InputFormat,
  size: number,
  timeZone: string,
  name: string,
  overrides: Record<string, string>,
): Promise<IngestResult> {
  const file = options.file;
  const parent = options.append === undefined ? undefined : parentDataset(db, options.append);
  begin(db, config.store);
  let open = true;
  try {
    // The write lock is held, so max(id)+1 cannot race with another writer.
    const id = ((db.prepare('SELECT max(id) AS m FROM datasets').get() as { m: number | null }).m ?? 0) + 1;
    db.exec(createDatasetTablesSql(id));
    const writer = new DatasetWriter(db, id);
    const jobs = jobsTable(id);
    // Append: the parent's rows first (same row ids), copied in SQL.
    const previousRows = parent ? copyParent(db, parent.id, id) : 0;
    const rowStmt = db.prepare(`SELECT ${JOB_COLUMNS.join(', ')} FROM ${jobs} WHERE row_id = ?`).raw(true);
    const normalizer = new RowNormalizer({
      file,
      overrides,
      redaction: config.ingest.redact,
      parseTime: createTimestampParser(timeZone),
      timeZone,
      unit: format === 'arrow' ? 'row' : 'line',
      undoFormulaGuard: format === 'csv',
      lateColumns: format === 'jsonl',
      firstRowId: previousRows + 1,
      out: {
        addJob: (v) => writer.addJob(v),
        addParam: (r, k, v) => writer.addParam(r, k, v),
        storedRow: (rowId) => {
          writer.flush();
          return rowStmt.get(rowId) as (string | number | null)[];
        },
        storedQueueIds: () => {
          writer.flush();
          return db.prepare(`SELECT process_queue_id, row_id FROM ${jobs}`).raw(true).iterate() as IterableIterator<[string, number]>;
        },
      },
    });
    if (parent) {
      const ids = db.prepare(`SELECT process_queue_id, row_id FROM ${jobs}`).raw(true);
      for (const [qid, rowId] of ids.iterate() as IterableIterator<[string, number]>) normalizer.seedExisting(qid, rowId);
    }
    const t0 = performance.now();
    const progress = options.onProgress ? (n: number) => options.onProgress!(n, size) : undefined;
    const digest =
      format === 'csv'
        ? await readCsv(file, normalizer, progress)
        : format === 'jsonl'
          ? readJsonl(file, normalizer, progress)
          : readArrow(file, timeZone, normalizer, progress);
    normalizer.finish();
    writer.flush();
    const t1 = performance.now();
    const rowCount = previousRows + writer.rows;
    const mapping = normalizer.mapping!;
    const mappingJson: Record<string, string> = {};
    for (const [role, col] of Object.entries(mapping.roles)) mappingJson[col] = role;
    const warnings = [...normalizer.warnings];
    const dup = normalizer.duplicates;
    if (dup.count > 0) {
      warnings.push(`${dup.count} identical duplicate row${dup.count === 1 ? '' : 's'} merged (same queue id and content; ${format === 'arrow' ? 'rows' : 'lines'} ${dup.lines.join(', ')}${dup.count > dup.lines.length ? ', …' : ''})`);
    }
    // Indexes after the bulk load (one sort each), then the fingerprint walks the queue-id index.
    db.exec(createDatasetIndexesSql(id));
    const t2 = performance.now();
    const fingerprint = datasetFingerprint(db, id);
    const t3 = performance.now();
    const existing = db.prepare('SELECT id, name FROM datasets WHERE fingerprint = ?').get(fingerprint) as { id: number; name: string } | undefined;
    const extraColumns = parent ? [...new Set([...parent.extraColumns, ...normalizer.extraColumns])].sort() : normalizer.extraColumns;
    const quality = parent ? mergeQuality(parent.quality, normalizer.quality) : normalizer.quality;
    if (existing) {
      db.exec('ROLLBACK');
      open = false;
      const fp = fingerprint.slice(0, 16);
      warnings.unshift(`already ingested as dataset ${existing.id} "${existing.name}" (fingerprint ${fp}…): nothing written`);
      const stored = db.prepare('SELECT row_count, quality_json FROM datasets WHERE id = ?').get(existing.id) as { row_count: number; quality_json: string };
      return {
        dataset: { id: existing.id, name: existing.name, fingerprint, rowCount: stored.row_count },
        noop: true,
        quality: JSON.parse(stored.quality_json) as DataQuality,
        warnings,
        format,
        mapping: mappingJson,
        extraColumns,
        parentId: parent?.id ?? null,
        addedRows: 0,
        duplicateRows: dup.count,
        phases: { readMs: t1 - t0, indexMs: t2 - t1, fingerprintMs: t3 - t2, commitMs: 0 },
      };
    }
    const redaction = normalizer.redactionRecord;
    db.prepare(
      `INSERT INTO datasets (id, name, fingerprint, parent_id, source_path, source_format, source_sha256, row_count, timezone,
         mapping_json, extra_columns_json, quality_json, redaction_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      name,
      fingerprint,
      parent?.id ?? null,
      resolve(file),
      format,
      digest.sha256,
      rowCount,
      timeZone,
      JSON.stringify(mappingJson),
      JSON.stringify(extraColumns),
      JSON.stringify(quality),
      JSON.stringify(redaction),
      new Date().toISOString(),
    );
    db.exec('COMMIT');
    open = false;
    const t4 = performance.now();
    return {
      dataset: { id, name, fingerprint, rowCount },
      noop: false,
      quality,
      warnings,
      format,
      mapping: mappingJson,
      extraColumns,
      parentId: parent?.id ?? null,
      addedRows: writer.rows,
      duplicateRows: dup.count,
      phases: { readMs: t1 - t0, indexMs: t2 - t1, fingerprintMs: t3 - t2, commitMs: t4 - t3 },
    };
  } finally {
    if (open && db.inTransaction) db.exec('ROLLBACK');
  }
}

function begin(db: Db, store: string): void {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new HarnessError('store-busy', `the store ${store} is locked by another writer (another ingest?)`, { hint: 'wait for it to finish and run the command again' });
    }
    throw err;
  }
}

interface ParentDataset {
  id: number;
  extraColumns: string[];
  quality: DataQuality;
}

function parentDataset(db: Db, ref: string): ParentDataset {
  const id = resolveDataset(db, ref);
  const row = db.prepare('SELECT extra_columns_json, quality_json FROM datasets WHERE id = ?').get(id) as { extra_columns_json: string; quality_json: string };
  return { id, extraColumns: JSON.parse(row.extra_columns_json) as string[], quality: JSON.parse(row.quality_json) as DataQuality };
}

/** Copy the parent's rows and params (same row ids) in SQL; returns the number of rows. */
function copyParent(db: Db, parentId: number, id: number): number {
  const copied = db.prepare(`INSERT INTO ${jobsTable(id)} SELECT * FROM ${jobsTable(parentId)} ORDER BY row_id`).run();
  db.exec(`INSERT INTO ${paramsTable(id)} (row_id, key, value) SELECT row_id, key, value FROM ${paramsTable(parentId)} ORDER BY row_id, key, value`);
  const max = (db.prepare(`SELECT max(row_id) FROM ${jobsTable(id)}`).pluck().get() as number | null) ?? 0;
  if (max !== copied.changes) throw new HarnessError('store-corrupt', `dataset ${parentId}: row ids are not 1..${copied.changes}`, { hint: 're-ingest that dataset' });
  return copied.changes;
}

function mergeQuality(a: DataQuality, b: DataQuality): DataQuality {
  const out = {} as DataQuality;
  for (const key of Object.keys(b) as (keyof DataQuality)[]) {
    const x = a[key] ?? { count: 0, lines: [] };
    out[key] = { count: x.count + b[key].count, lines: [...x.lines, ...b[key].lines].slice(0, MAX_QUALITY_LINES) };
  }
  return out;
}
