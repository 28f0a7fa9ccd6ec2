/**
 * Test datasets written straight into a store (datasets row + jobs_<id>/job_params_<id>), and
 * the dataset's Arrow file in layout "1", built from buffers with makeData (the DESIGN.md
 * trap: builders are 6–8× slower). Used by the accessor tests and bench/accessor.bench.ts.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  Dictionary,
  Field,
  Float64,
  Int32,
  makeData,
  makeVector,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  Utf8,
  type Data,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { writeFileSync } from 'node:fs';
import { sha256Hex } from '../../src/common/hash.ts';
import { ERP_COLUMN_NAMES } from '../../src/config/roles.ts';
import { ARROW_BATCH_ROWS, ARROW_META, ARROW_LAYOUT_VERSION, expectedArrowFields } from '../../src/dataset/accessor/arrow-layout.ts';
import { createDatasetIndexesSql, createDatasetTablesSql, JOB_COLUMNS, jobsTable, openStore, paramsTable, type Db } from '../../src/dataset/store.ts';

export type TestJob = Partial<Record<(typeof JOB_COLUMNS)[number], string | number | null>> & { extra?: Record<string, string | null> };

export interface TestDatasetOptions {
  name?: string;
  timezone?: string;
  extraColumns?: string[];
  quality?: Record<string, unknown>;
  /** Roles recorded in mapping_json (default: every canonical role). */
  mapping?: Record<string, string>;
}

const ERP_MAPPING: Record<string, string> = { ...ERP_COLUMN_NAMES };

/** Insert one dataset version; rows get row_id 1..n in order. Returns the dataset id. */
export function insertTestDataset(db: Db, jobs: Iterable<TestJob>, options: TestDatasetOptions = {}): number {
  const extras = options.extraColumns ?? [];
  let id = 0;
  db.transaction(() => {
    const hash = sha256Hex(`${options.name ?? 'test'}:${Math.random()}`);
    const info = db
      .prepare(
        `INSERT INTO datasets (name, fingerprint, source_path, source_format, source_sha256, row_count, timezone, mapping_json, extra_columns_json, quality_json, created_at)
         VALUES (?, ?, 'test.csv', 'csv', ?, 0, ?, ?, ?, ?, '2025-01-01T00:00:00Z')`,
      )
      .run(options.name ?? 'test', hash, hash, options.timezone ?? 'UTC', JSON.stringify(options.mapping ?? ERP_MAPPING), JSON.stringify(extras), JSON.stringify(options.quality ?? {}));
    id = Number(info.lastInsertRowid);
    db.exec(createDatasetTablesSql(id));
    const cols = JOB_COLUMNS.filter((c) => c !== 'row_id');
    const insert = db.prepare(`INSERT INTO ${jobsTable(id)} (${cols.join(', ')}) VALUES (${cols.map(() => "?").join(", ")})`);
    const param = db.prepare(`INSERT INTO ${paramsTable(id)} (row_id, key, value) VALUES (?, ?, ?)`);
    let n = 0;
    for (const job of jobs) {
      n++;
      const values = cols.map((c) => {
        if (c === 'process_queue_id') return job.process_queue_id ?? `Q${n}`;
        if (c === 'process_id') return job.process_id ?? 'P';
        if (c === 'source_line') return job.source_line ?? n + 1;
        if (c === 'extra_json') return job.extra ? JSON.stringify(job.extra) : null;
        return job[c] ?? null;
      });
      const r = insert.run(...values);
      const rowId = Number(r.lastInsertRowid);
      if (typeof job.params === 'string') {
        for (const pair of job.params.split(';')) {
          const eq = pair.indexOf('=');
          if (eq > 0) param.run(rowId, pair.slice(0, eq), pair.slice(eq + 1));
        }
      }
    }
    db.prepare('UPDATE datasets SET row_count = ? WHERE id = ?').run(n, id);
    db.exec(createDatasetIndexesSql(id));
  })();
  return id;
}

/** A file store in a directory with one dataset; the caller closes db. */
export function createTestStore(dir: string, jobs: Iterable<TestJob>, options: TestDatasetOptions = {}): { db: Db; storePath: string; datasetId: number } {
  const storePath = join(dir, 'harness.db');
  const db = openStore(storePath);
  const datasetId = insertTestDataset(db, jobs, options);
  return { db, storePath, datasetId };
}

// ---- Arrow file, layout "1" ----

function validityOf(present: (i: number) => boolean, n: number): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (present(i)) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap, nulls };
}

function utf8Data(values: readonly (string | null)[]): Data<Utf8> {
  const enc = new TextEncoder();
  const encoded = values.map((v) => (v === null ? new Uint8Array(0) : enc.encode(v)));
  const offsets = new Int32Array(values.length + 1);
  for (let i = 0; i < encoded.length; i++) offsets[i + 1] = offsets[i]! + encoded[i]!.length;
  const bytes = new Uint8Array(offsets[values.length]!);
  encoded.forEach((e, i) => bytes.set(e, offsets[i]!));
  const { bitmap, nulls } = validityOf((i) => values[i] !== null, values.length);
  return makeData({ type: new Utf8(), length: values.length, nullCount: nulls, nullBitmap: nulls ? bitmap : null, valueOffsets: offsets, data: bytes });
}

/**
 * Write `<dir>/datasets/<id>-<fp16>.arrow` for a dataset (temp file + rename). Streams the
 * table in 65,536-row batches; each dictionary column shares one dictionary across batches.
 */
export function writeTestArrowFile(db: Db, storePath: string, datasetId: number, options: { utf8Columns?: string[]; path?: string } = {}): string {
  const ds = db.prepare('SELECT fingerprint, row_count FROM datasets WHERE id = ?').get(datasetId) as { fingerprint: string; row_count: number };
  const path = options.path ?? join(dirname(storePath), 'datasets', `${datasetId}-${ds.fingerprint.slice(0, 16)}.arrow`);
  mkdirSync(dirname(path), { recursive: true });
  const layout = expectedArrowFields().map((f) => (options.utf8Columns?.includes(f.name) ? { ...f, kind: 'utf8' as const } : f));
  // Dictionaries first (one pass per column over distinct values; fine at test/bench sizes).
  const dictionaries = new Map<string, { index: Map<string, number>; vector: Vector<Utf8>; type: Dictionary<Utf8, Int32> }>();
  layout.forEach((f, k) => {
    if (f.kind !== 'dict') return;
    const values = (db.prepare(`SELECT DISTINCT ${f.name} AS v FROM ${jobsTable(datasetId)} WHERE ${f.name} IS NOT NULL ORDER BY v`).raw(true).all() as [string][]).map((r) => r[0]);
    dictionaries.set(f.name, {
      index: new Map(values.map((v, i) => [v, i])),
      vector: makeVector(utf8Data(values)),
      type: new Dictionary(new Utf8(), new Int32(), k),
    });
  });
  const fields = layout.map((f) => new Field(f.name, f.kind === 'f64' ? new Float64() : f.kind === 'utf8' ? new Utf8() : dictionaries.get(f.name)!.type, true));
  const schema = new Schema(
    fields,
    new Map([
      [ARROW_META.fingerprint, ds.fingerprint],
      [ARROW_META.datasetId, String(datasetId)],
      [ARROW_META.rowCount, String(ds.row_count)],
      [ARROW_META.layout, ARROW_LAYOUT_VERSION],
    ]),
  );
  const writer = new RecordBatchFileWriter();
  writer.reset(undefined, schema);
  const stmt = db.prepare(`SELECT ${JOB_COLUMNS.join(', ')} FROM ${jobsTable(datasetId)} WHERE row_id > ? ORDER BY row_id LIMIT ${ARROW_BATCH_ROWS}`).raw(true);
  let last = 0;
  for (;;) {
    const rows = stmt.all(last) as unknown[][];
    if (rows.length === 0) break;
    last = rows[rows.length - 1]![0] as number;
    const n = rows.length;
    const children = layout.map((f, k): Data<DataType> => {
      if (f.kind === 'f64') {
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) values[i] = rows[i]![k] === null ? NaN : (rows[i]![k] as number);
        return makeData({ type: new Float64(), length: n, nullCount: 0, data: values });
      }
      if (f.kind === 'utf8') return utf8Data(rows.map((r) => r[k] as string | null));
      const dict = dictionaries.get(f.name)!;
      const idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = rows[i]![k] === null ? 0 : dict.index.get(rows[i]![k] as string)!;
      const { bitmap, nulls } = validityOf((i) => rows[i]![k] !== null, n);
      return makeData({ type: dict.type, length: n, nullCount: nulls, nullBitmap: nulls ? bitmap : null, data: idx, dictionary: dict.vector });
    });
    const struct = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
    writer.write(new RecordBatch(schema, struct));
  }
  writer.finish();
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, writer.toUint8Array(true));
  renameSync(tmp, path);
  return path;
}

/** A deterministic small job log for accessor tests. */
export function sampleJobs(n: number, start = Date.UTC(2025, 0, 18, 8)): TestJob[] {
  const jobs: TestJob[] = [];
  for (let i = 0; i < n; i++) {
    const queue = start + i * 3_600_000;
    jobs.push({
      process_queue_id: `Q${1000 + i}`,
      process_id: `PROC_${i % 7}`,
      status: i % 11 === 0 ? 'ERROR' : 'COMPLETE',
      local_machine_id: `M${i % 3}`,
      assigned_machine_id: i % 13 === 0 ? null : `M${i % 4}`,
      queue_dt: queue,
      start_dt: i % 17 === 0 ? null : queue + 60_000,
      end_dt: i % 17 === 0 ? null : queue + 60_000 + (i % 5) * 30_000,
      params: i % 9 === 0 ? null : `KEY=${i % 4};VENDOR=V${i}`,
      user_id: `U${i % 5}`,
      master_id: null,
      parent_id: i > 0 && i % 4 === 0 ? `Q${1000 + i - 1}` : null,
      dep_id: null,
      schedule_id: null,
      extra: { REGION: i % 2 ? 'EU' : 'US', NOTE: i % 6 === 0 ? null : `n${i}` },
    });
  }
  return jobs;
}
