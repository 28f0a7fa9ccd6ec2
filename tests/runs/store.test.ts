import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/common/hash.ts';
import { loadConfig } from '../../src/config/index.ts';
import { ensureDatasetArrowFile, openStore, readDatasetInfo, type Db } from '../../src/dataset/index.ts';
import { discoverPlugins, runPlugins, selectPlugins, type DiscoveredPlugin } from '../../src/plugins/index.ts';
import { executeRun, finishRun, getExecutions, getRun, insertRun, listRuns, loadReportInput, prepareRunsStore, runSignatures, selectReferenceRun, type NewRun } from '../../src/runs/index.ts';
import { createTestStore, type TestJob } from '../helpers/dataset.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

const FIXTURES = join(ROOT, 'fixtures/plugins/runtime');

function jobs(): TestJob[] {
  const out: TestJob[] = [];
  const t0 = Date.UTC(2025, 2, 20, 8);
  for (let i = 0; i < 40; i++) {
    const q = t0 + i * 600_000;
    const wait = i % 4 === 0 ? 900_000 : 30_000;
    out.push({ process_queue_id: `Q${i}`, process_id: i % 4 === 0 ? 'P100' : `P${200 + (i % 3)}`, queue_dt: q, start_dt: q + wait, end_dt: q + wait + 120_000, params: `company=C${i % 5}`, source_line: i + 2 });
  }
  return out;
}

let registry: DiscoveredPlugin[];
beforeAll(async () => {
  registry = await discoverPlugins({ dirs: [FIXTURES] });
});

describe('a plugin cannot corrupt the store', () => {
  it('opening the store with node:sqlite or fs for writing is refused; integrity and content hash unchanged', async () => {
    const dir = tempDir();
    const { db, storePath, datasetId } = createTestStore(dir, jobs());
    const arrowPath = ensureDatasetArrowFile(db, storePath, datasetId);
    const info = readDatasetInfo(db, datasetId, { largeRows: 1_000_000, closeWindow: { startDay: 20, endDay: 5 } });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const before = sha256Hex(readFileSync(storePath));
    process.env['STAT_HARNESS_TEST_STORE'] = storePath;
    const [record] = await runPlugins({
      plugins: selectPlugins(registry, ['fixture_opens_store']),
      dataset: { arrowPath, info, streamingStrict: false, unboundedAllowlist: [] },
      seed: 0,
      config: { largeRows: 1_000_000, timezone: 'UTC', closeWindow: { startDay: 20, endDay: 5 } },
      artifactsRoot: join(dir, 'artifacts'),
      timeoutMs: 20_000,
      memoryMb: 512,
    });
    expect(record!.result.summary).toMatch(/node:sqlite refused/);
    expect(record!.result.summary).toMatch(/fs refused: ERR_ACCESS_DENIED/);
    expect(sha256Hex(readFileSync(storePath))).toBe(before);
    const check = new Database(storePath, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });
});

describe('executeRun and the runs store', () => {
  let db: Db;
  let runId: number;
  beforeAll(async () => {
    const dir = tempDir();
    const store = createTestStore(dir, jobs());
    db = store.db;
    const config = loadConfig({ cwd: dir, env: {} });
    const executed = await executeRun({
      db,
      storePath: store.storePath,
      datasetId: store.datasetId,
      dataset: readDatasetInfo(db, store.datasetId, { largeRows: 1_000_000, closeWindow: config.closeWindow }),
      arrowPath: ensureDatasetArrowFile(db, store.storePath, store.datasetId),
      plugins: selectPlugins(registry, ['queue_wait_by_process_v1', 'fixture_ok', 'fixture_throws', 'fixture_contract_violation']),
      seed: 5,
      knownIssuesMode: 'off',
      config: { ...config, plugins: { ...config.plugins, timeoutMs: 20_000, memoryMb: 512 } },
      harnessVersion: '0.0.0-test',
      outDir: (id) => join(dir, 'runs', String(id)),
    });
    runId = executed.runId;
  });

  it('records the run with its hashes and mode, completed', () => {
    const run = getRun(db, runId);
    expect(run).toMatchObject({ status: 'completed', seed: 5, knownIssuesMode: 'off', harnessVersion: '0.0.0-test' });
    expect(run.pluginIds).toEqual(['fixture_contract_violation', 'fixture_ok', 'fixture_throws', 'queue_wait_by_process_v1']);
    expect(run.pluginSetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.endedAt).not.toBeNull();
    expect(listRuns(db).map((r) => r.id)).toEqual([runId]);
  });

  it('persists each execution with status, exit reason, telemetry and resource figures', () => {
    const ex = Object.fromEntries(getExecutions(db, runId).map((e) => [e.pluginId, e]));
    expect(ex['fixture_throws']).toMatchObject({ status: 'error', exitReason: 'plugin_error', reason: 'run() failed: fixture failure: something broke' });
    const qw = ex['queue_wait_by_process_v1']!;
    expect(qw.status).toBe('ok');
    expect(qw.telemetry.rowsIterated).toBe(40);
    expect(qw.telemetry.iterCalls).toBe(1);
    expect(qw.peakRssBytes).toBeGreaterThan(0);
    expect(qw.wallMs).toBeGreaterThan(0);
  });

  it('records insight-contract violations per plugin and keeps non-compliant recommendations out of the signatures', () => {
    const ex = getExecutions(db, runId).find((e) => e.pluginId === 'fixture_contract_violation')!;
    expect(ex.contractViolations.join('\n')).toMatch(/recommendations\[0\]\.modeled_basis: a modeled figure needs a non-empty modeled_basis/);
    expect(ex.contractViolations.join('\n')).toMatch(/recommendations\[1\]/);
    const rows = db.prepare('SELECT ordinal, compliant, signature FROM recommendations WHERE run_id = ? AND plugin_id = ? ORDER BY ordinal').all(runId, 'fixture_contract_violation') as {
      ordinal: number;
      compliant: number;
      signature: string | null;
    }[];
    expect(rows.map((r) => r.compliant)).toEqual([0, 0, 1]);
    expect(rows[2]!.signature).toMatch(/^[0-9a-f]{64}$/);
    const sigs = runSignatures(db, runId);
    expect(sigs).toContain(rows[2]!.signature);
    expect(sigs).toHaveLength(3); // fixture_ok, queue_wait (P100), fixture_contract_violation[2]
    expect((db.prepare('SELECT COUNT(*) AS n FROM findings WHERE run_id = ?').get(runId) as { n: number }).n).toBeGreaterThan(1);
  });

  it('loadReportInput: plugins sorted by id, results and violations, no run id or telemetry', () => {
    const input = loadReportInput(db, runId);
    expect(input.plugins.map((p) => p.id)).toEqual(['fixture_contract_violation', 'fixture_ok', 'fixture_throws', 'queue_wait_by_process_v1']);
    expect(input.seed).toBe(5);
    expect(input.closeWindow).toEqual({ startDay: 20, endDay: 5 });
    const text = JSON.stringify(input);
    expect(text).not.toMatch(/peakRss|wallMs|startedAt|runId/);
    expect(input.plugins[0]!.contractViolations.length).toBeGreaterThan(0);
  });

  it('the migrations are recorded and idempotent', () => {
    prepareRunsStore(db);
    const rows = db.prepare("SELECT version FROM schema_migrations WHERE namespace = 'runs'").all() as { version: number }[];
    expect(rows.map((r) => r.version)).toEqual([1]);
  });
});

describe('novelty reference run selection', () => {
  const base = (over: Partial<NewRun> = {}): NewRun => ({
    datasetId: 1,
    dataset: { id: 1, name: 'd', fingerprint: 'fp1' } as NewRun['dataset'],
    seed: 0,
    pluginIds: ['a', 'b'],
    pluginIdsHash: 'ids1',
    pluginSetHash: 'set1',
    codeHash: 'code1',
    configHash: 'cfg1',
    config: {},
    knownIssuesMode: 'off',
    harnessVersion: '0',
    startedAt: '2025-01-01T00:00:00Z',
    ...over,
  });
  const completed = (db: Db, over: Partial<NewRun> = {}, status: 'completed' | 'failed' = 'completed'): number => {
    const id = insertRun(db, base(over));
    finishRun(db, id, status, '2025-01-01T00:01:00Z');
    return id;
  };

  it('picks the latest earlier completed run with the same fingerprint, mode off, plugin ids and seed, whose code or config differs', () => {
    const db = openStore(join(tempDir(), 's.db'));
    prepareRunsStore(db);
    const older = completed(db, { codeHash: 'code0' });
    const newer = completed(db, { configHash: 'cfg0' });
    completed(db, { codeHash: 'codeX', knownIssuesMode: 'on' });
    completed(db, { codeHash: 'codeX', seed: 9 });
    completed(db, { codeHash: 'codeX', pluginIdsHash: 'ids2' });
    completed(db, { codeHash: 'codeX', dataset: { id: 1, name: 'd', fingerprint: 'fp2' } as NewRun['dataset'] });
    completed(db, { codeHash: 'codeX' }, 'failed');
    completed(db); // identical rerun: not a prior run
    const current = completed(db);
    const sel = selectReferenceRun(db, current);
    expect(sel.reference?.id).toBe(newer);
    expect(sel.reference?.id).not.toBe(older);
  });

  it('says why there is no reference', () => {
    const db = openStore(join(tempDir(), 's.db'));
    prepareRunsStore(db);
    const first = completed(db);
    expect(selectReferenceRun(db, first)).toMatchObject({ reference: undefined, reason: expect.stringMatching(/no earlier completed run/) });
    const rerun = completed(db);
    expect(selectReferenceRun(db, rerun).reason).toMatch(/identical code and config hashes/);
  });

  it('an unknown run id is a usage error listing recent runs', () => {
    const db = openStore(join(tempDir(), 's.db'));
    prepareRunsStore(db);
    completed(db);
    expect(() => getRun(db, 77)).toThrow(/no run "77" in the store/);
  });
});
