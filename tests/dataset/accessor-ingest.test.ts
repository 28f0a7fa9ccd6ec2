/**
 * The accessors over a dataset made the real way: synth → ingestFile → ensureDatasetArrowFile.
 * Checks that the ingest's Arrow file (delta dictionaries) and the SQLite tables give the
 * same batches, and that info() agrees with the synth ground truth.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type HarnessConfig } from '../../src/config/index.ts';
import {
  createArrowAccessor,
  createSqliteAccessor,
  ensureDatasetArrowFile,
  ingestFile,
  JOB_COLUMNS,
  openStore,
  synthesizeLog,
  type ColumnBatch,
  type Db,
  type MeteredAccessor,
  type SynthResult,
} from '../../src/dataset/index.ts';
import { tempDir } from '../helpers/cli.ts';

let db: Db;
let config: HarnessConfig;
let synth: SynthResult;
let datasetId: number;
let arrowPath: string;
const BASE = { pluginId: 'ingest_parity_v1', largeRows: 1_000_000, streamingStrict: false, allowUnboundedLoad: false };

beforeAll(async () => {
  const dir = tempDir('accessor-ingest-');
  // 70k rows: more than one 65,536-row Arrow batch, so delta dictionaries are exercised.
  synth = synthesizeLog({ rows: 70_000, seed: 5, out: join(dir, 'log.csv'), months: 3 });
  config = { ...loadConfig({ cwd: dir, env: {} }), store: join(dir, 'harness.db') };
  const ingested = await ingestFile(config, { file: join(dir, 'log.csv') });
  datasetId = ingested.dataset.id;
  db = openStore(config.store);
  arrowPath = ensureDatasetArrowFile(db, config.store, datasetId);
}, 120_000);
afterAll(() => db?.close());

function flatten(acc: MeteredAccessor, columns: string[], batchSize: number, where?: Parameters<MeteredAccessor['iterBatches']>[0]['where']): unknown[][] {
  const out: unknown[][] = [];
  const batches: ColumnBatch[] = [...acc.iterBatches({ columns, batchSize, ...(where ? { where } : {}) })];
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) out.push(columns.map((c) => b.columns[c]![i]));
  }
  return out;
}

describe('accessors over an ingested synthetic log', () => {
  it('SQLite and Arrow backends return identical batches over every column', () => {
    const sqlite = createSqliteAccessor({ db, datasetId, ...BASE });
    const arrow = createArrowAccessor({ arrowPath, ...BASE, info: sqlite.info() });
    const cols = [...JOB_COLUMNS];
    const a = flatten(sqlite, cols, 30_000);
    const b = flatten(arrow, cols, 30_000);
    expect(a.length).toBe(70_000);
    expect(b).toEqual(a);
    expect(arrow.telemetry).toMatchObject({ batches: 3, rowsIterated: 70_000 });
    sqlite.close();
  });

  it('filters identically on both backends (the failing process\'s errors)', () => {
    const sqlite = createSqliteAccessor({ db, datasetId, ...BASE });
    const arrow = createArrowAccessor({ arrowPath, ...BASE });
    const where = { process_id: { equals: synth.truth.failingProcess.processId }, status: { equals: 'ERROR' } };
    const a = flatten(sqlite, ['row_id', 'process_queue_id'], 100, where);
    expect(a.length).toBe(synth.truth.failingProcess.errors);
    expect(flatten(arrow, ['row_id', 'process_queue_id'], 100, where)).toEqual(a);
    sqlite.close();
  });

  it('info() agrees with the ground truth: row count, close months, all roles', () => {
    const info = createSqliteAccessor({ db, datasetId, ...BASE }).info();
    expect(info.rowCount).toBe(70_000);
    expect(info.closeMonths).toEqual(synth.truth.closeMonths);
    expect(info.roles.length).toBe(14);
    expect(info.largeDataset).toBe(false);
    expect(info.quality.cancelledBeforeStart.count).toBeGreaterThan(0);
  });

  it('sql() sees the same dataset through the guarded views', () => {
    const sqlite = createSqliteAccessor({ db, datasetId, ...BASE });
    const cluster = synth.truth.batchInputClusters[0]!;
    const r = sqlite.sql('SELECT count(*) AS n, count(DISTINCT p.value) AS k FROM jobs j JOIN job_params p ON p.row_id = j.row_id WHERE j.process_id = ? AND p.key = ?', [
      cluster.processIds[0],
      cluster.key,
    ]);
    expect(r.rows).toEqual([{ n: cluster.callCounts[0], k: cluster.distinctKeyValues }]);
    sqlite.close();
  });
});
