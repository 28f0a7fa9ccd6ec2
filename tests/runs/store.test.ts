import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/common/hash.ts';
import { loadConfig } from '../../src/config/index.ts';
import { ensureDatasetArrowFile, openStore, readDatasetInfo, storeBusyError, storeWriteLocked, type Db } from '../../src/dataset/index.ts';
import { HarnessError } from '../../src/common/errors.ts';
import { reportError } from '../../src/cli/shared.ts';
import { discoverPlugins, runPlugins, selectPlugins, type DiscoveredPlugin } from '../../src/plugins/index.ts';
import { assertRunCompleted, executeRun, finishRun, getExecutions, getRun, insertRun, listRuns, loadReportInput, prepareRunsStore, runSignatures, selectReferenceRun, staleRunFailure, type NewRun } from '../../src/runs/index.ts';
import { createTestStore, type TestJob } from '../helpers/dataset.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';
import { newRunFixture } from '../helpers/runs.ts';

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
    expect(rows.map((r) => r.version)).toEqual([1, 2]);
  });
});

describe('novelty reference run selection', () => {
  const completed = (db: Db, over: Partial<NewRun> = {}, status: 'completed' | 'failed' = 'completed'): number => {
    const id = insertRun(db, newRunFixture(over));
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
    completed(db);
    let err: HarnessError | undefined;
    try {
      getRun(db, 22);
    } catch (e) {
      err = e as HarnessError;
    }
    expect(err!.message).toMatch(/no run "22" in the store/);
    // "22" is not a typo of "2": no edit-distance suggestion for numeric ids, the hint lists them
    expect(err!.message).not.toMatch(/did you mean/);
    expect(err!.hint).toBe('recent runs: 2, 1 (stat-harness runs list)');
  });
});

/** The pid of a process that has exited (spawned and waited for). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  expect(r.status).toBe(0);
  return r.pid!;
}

describe('runs whose process is gone, and unfinished runs', () => {

  it('records the runner pid and host; a running run whose process is gone reads (and is stored) as failed "interrupted"', () => {
    const db = openStore(join(tempDir(), 's.db'));
    prepareRunsStore(db);
    const live = insertRun(db, newRunFixture());
    const dead = deadPid();
    const stale = insertRun(db, newRunFixture({ runnerPid: dead }));
    const elsewhere = insertRun(db, newRunFixture({ runnerPid: dead, runnerHost: 'another-host.invalid' }));
    const legacy = insertRun(db, newRunFixture());
    db.prepare('UPDATE runs SET runner_pid = NULL, runner_host = NULL WHERE id = ?').run(legacy);
    const finished = insertRun(db, newRunFixture({ runnerPid: dead }));
    finishRun(db, finished, 'completed', '2025-01-01T00:01:00Z');

    expect(getRun(db, live)).toMatchObject({ status: 'running', runnerPid: process.pid });
    const byId = new Map(listRuns(db).map((r) => [r.id, r]));
    expect(byId.get(stale)).toMatchObject({ status: 'failed', failure: `interrupted: its process (pid ${dead}) is gone without finishing the run` });
    expect(byId.get(live)!.status).toBe('running');
    expect(byId.get(elsewhere)!.status).toBe('running'); // a pid on another host cannot be checked
    expect(byId.get(legacy)!.status).toBe('running'); // recorded before the pid column existed
    expect(byId.get(finished)!.status).toBe('completed');
    // persisted, so reference selection and other readers see it too
    expect(db.prepare('SELECT status, failure IS NOT NULL AS f FROM runs WHERE id = ?').get(stale)).toEqual({ status: 'failed', f: 1 });
    expect(getRun(db, stale).status).toBe('failed');
  });

  it('staleRunFailure asks the probe only for running runs of this host', () => {
    const calls: number[] = [];
    const probe = { host: 'h', alive: (pid: number) => (calls.push(pid), pid === 1) };
    const run = { ...getRunShape(), status: 'running' as const, runnerPid: 2, runnerHost: 'h' };
    expect(staleRunFailure(run, probe)).toMatch(/interrupted: its process \(pid 2\) is gone/);
    expect(staleRunFailure({ ...run, runnerPid: 1 }, probe)).toBeUndefined();
    expect(staleRunFailure({ ...run, status: 'completed' }, probe)).toBeUndefined();
    expect(staleRunFailure({ ...run, runnerHost: 'other' }, probe)).toBeUndefined();
    expect(calls).toEqual([2, 1]);
  });

  it('assertRunCompleted refuses running and failed runs with the status and what to do', () => {
    const run = getRunShape();
    expect(() => assertRunCompleted({ ...run, status: 'completed' }, 'write reports')).not.toThrow();
    expect(() => assertRunCompleted({ ...run, status: 'running' }, 'write reports')).toThrow(/cannot write reports for run 7: its status is running — it is still running/);
    let err: HarnessError | undefined;
    try {
      assertRunCompleted({ ...run, status: 'failed', failure: 'interrupted by SIGINT' }, 'write reports');
    } catch (e) {
      err = e as HarnessError;
    }
    expect(err).toBeInstanceOf(HarnessError);
    expect(err!.exitCode).toBe(2);
    expect(err!.message).toMatch(/its status is failed — it failed \(interrupted by SIGINT\)/);
    expect(err!.hint).toMatch(/stat-harness run --dataset 3/);
  });

  function getRunShape(): ReturnType<typeof getRun> {
    return {
      id: 7, datasetId: 3, datasetFingerprint: 'fp', datasetName: 'd', seed: 0, pluginIds: [], pluginIdsHash: '', pluginSetHash: '', codeHash: '', configHash: '',
      knownIssuesMode: 'off', status: 'completed', failure: null, harnessVersion: '0', outDir: null, startedAt: '', endedAt: null, runnerPid: null, runnerHost: null,
    };
  }
});

describe('a store locked by another process (an ingest holding its write transaction)', () => {
  it('readers proceed; a run-row write fails as store-busy (exit 2, no "this is a bug"); a stale run is still reported failed', () => {
    const path = join(tempDir(), 's.db');
    const setup = openStore(path);
    prepareRunsStore(setup);
    const stale = insertRun(setup, newRunFixture({ runnerPid: deadPid() }));
    setup.close();

    const ingest = openStore(path);
    ingest.exec('BEGIN IMMEDIATE');
    const run = openStore(path);
    try {
      run.pragma('busy_timeout = 0');
      prepareRunsStore(run); // already migrated: no write needed
      expect(storeWriteLocked(run)).toBe(true);
      expect(listRuns(run).map((r) => [r.id, r.status])).toEqual([[stale, 'failed']]);
      let thrown: unknown;
      try {
        insertRun(run, newRunFixture());
      } catch (e) {
        thrown = e;
      }
      expect((thrown as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
      const mapped = storeBusyError(thrown);
      expect(mapped).toBeInstanceOf(HarnessError);
      expect(mapped!.code).toBe('store-busy');
      expect(mapped!.message).toMatch(/the store is locked by another stat-harness process \(an ingest\?\)/);
      expect(mapped!.hint).toMatch(/retry when it finishes/);
      const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      let exit: number;
      let printed: string;
      try {
        exit = reportError(thrown);
        printed = write.mock.calls.map((c) => String(c[0])).join('');
      } finally {
        write.mockRestore();
      }
      expect(exit).toBe(2);
      expect(printed).toMatch(/error \[store-busy\] the store is locked by another stat-harness process/);
      expect(printed).not.toMatch(/this is a bug/);
      expect(storeBusyError(new Error('x'))).toBeUndefined();
      expect(storeBusyError({ code: 'SQLITE_LOCKED_SHAREDCACHE' })?.code).toBe('store-busy');
    } finally {
      ingest.exec('ROLLBACK');
      ingest.close();
    }
    expect(storeWriteLocked(run)).toBe(false);
    expect(listRuns(run)[0]!.status).toBe('failed');
    // the stale run was persisted once the lock was gone
    expect(run.prepare('SELECT status FROM runs WHERE id = ?').get(stale)).toEqual({ status: 'failed' });
    run.close();
  });
});
