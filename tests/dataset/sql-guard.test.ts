import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { HarnessError } from '../../src/common/errors.ts';
import { classifyStatement, openSqlGuard, type SqlGuard } from '../../src/dataset/sql-guard.ts';
import type { Db } from '../../src/dataset/store.ts';
import { tempDir } from '../helpers/cli.ts';
import { createTestStore, insertTestDataset, sampleJobs } from '../helpers/dataset.ts';

let dir: string;
let db: Db;
let storePath: string;
let guard: SqlGuard;
let before: string;

/** Everything a write could touch: every table's content and the schema. */
function storeState(d: Db): string {
  const tables = (d.prepare("SELECT name, sql FROM sqlite_master ORDER BY name").all() as { name: string; sql: string | null }[]);
  const h = createHash('sha256');
  for (const t of tables) {
    h.update(`${t.name}\n${t.sql ?? ''}\n`);
    if (t.sql?.startsWith('CREATE TABLE')) h.update(JSON.stringify(d.prepare(`SELECT * FROM "${t.name}"`).raw(true).all()));
  }
  return h.digest('hex');
}

beforeAll(() => {
  dir = tempDir('sql-guard-');
  ({ db, storePath } = createTestStore(dir, sampleJobs(40)));
  // What sql() must not reach: another dataset and a runs-store table with earlier findings.
  expect(insertTestDataset(db, sampleJobs(5))).toBe(2);
  db.exec("CREATE TABLE runs (run_id INTEGER PRIMARY KEY, secret TEXT); INSERT INTO runs VALUES (1, 'finding-signature')");
  before = storeState(db);
  guard = openSqlGuard({ storePath, datasetId: 1 });
});
afterAll(() => {
  guard.close();
  db.close();
});

describe('sql guard: allowed queries', () => {
  it('reads the jobs and job_params views with bound params', () => {
    const r = guard.query('SELECT process_id, count(*) AS n FROM jobs WHERE status = ? GROUP BY process_id ORDER BY process_id', ['COMPLETE']);
    expect(r.columns).toEqual(['process_id', 'n']);
    expect(r.rows.length).toBe(7);
    expect(r.truncated).toBe(false);
    const p = guard.query('SELECT count(DISTINCT key) AS k FROM job_params WHERE value LIKE :v', { v: '%' });
    expect(p.rows).toEqual([{ k: 2 }]);
  });

  it('accepts WITH, VALUES, EXPLAIN QUERY PLAN, comments and a trailing semicolon', () => {
    expect(guard.query('WITH x AS (SELECT 1 AS a) SELECT a FROM x').rows).toEqual([{ a: 1 }]);
    expect(guard.query('VALUES (1)').rows.length).toBe(1);
    expect(guard.query('EXPLAIN QUERY PLAN SELECT * FROM jobs').rows.length).toBeGreaterThan(0);
    expect(guard.query('/* why */ -- note\n SELECT 2 AS b; -- trailing').rows).toEqual([{ b: 2 }]);
  });

  it('caps rows at maxRows and says it truncated', () => {
    const r = guard.query('SELECT row_id FROM jobs ORDER BY row_id', [], { maxRows: 5 });
    expect(r.rows.map((x) => x.row_id)).toEqual([1, 2, 3, 4, 5]);
    expect(r.truncated).toBe(true);
    expect(guard.query('SELECT row_id FROM jobs', [], { maxRows: 40 }).truncated).toBe(false);
    expect(guard.query('SELECT row_id FROM jobs', [], { maxRows: 0 })).toMatchObject({ rows: [], truncated: true });
  });

  it('aborts a query that runs past its time bound between steps', () => {
    const slow = 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50000000) SELECT i FROM c';
    expect(() => guard.query(slow, [], { maxRows: 1_000_000, timeoutMs: 20 })).toThrow(/exceeded its time bound of 20 ms/);
  });
});

describe('sql guard: rejected statements leave the store unchanged', () => {
  const cases: [string, RegExp][] = [
    ["INSERT INTO jobs_1 (process_queue_id, process_id, source_line) VALUES ('x', 'y', 1)", /INSERT statements are not allowed/],
    ["UPDATE jobs_1 SET status = 'X'", /UPDATE statements are not allowed/],
    ['DELETE FROM jobs_1', /DELETE statements are not allowed/],
    ['DROP TABLE jobs_1', /DROP statements are not allowed/],
    ['CREATE TEMP TABLE t (x)', /CREATE statements are not allowed/],
    ["ATTACH ':memory:' AS m", /ATTACH statements are not allowed/],
    ['DETACH temp', /DETACH statements are not allowed/],
    ['PRAGMA writable_schema=1', /PRAGMA statements are not allowed/],
    ['PRAGMA table_info(jobs)', /PRAGMA statements are not allowed/],
    [`VACUUM INTO '${'/tmp/stat-harness-vacuum-into-test.db'}'`, /VACUUM statements are not allowed/],
    ['BEGIN IMMEDIATE', /BEGIN statements are not allowed/],
    ['SAVEPOINT a', /SAVEPOINT statements are not allowed/],
    ['RELEASE a', /RELEASE statements are not allowed/],
    ['ROLLBACK', /ROLLBACK statements are not allowed/],
    ['REINDEX', /REINDEX statements are not allowed/],
    ['ANALYZE', /ANALYZE statements are not allowed/],
    ['EXPLAIN ATTACH \':memory:\' AS m', /ATTACH statements are not allowed/],
    ['SELECT 1; SELECT 2', /more than one statement/],
    ['SELECT 1; DROP TABLE jobs', /more than one statement/],
    ["SELECT load_extension('/tmp/evil.so')", /not authorized/],
    ['WITH x AS (SELECT 1) DELETE FROM jobs_1', /SQLite classifies it as writing/],
    ['', /the query is empty/],
    ['-- only a comment', /the query is empty/],
  ];
  it.each(cases)('%s', (query, message) => {
    let err: unknown;
    try {
      guard.query(query);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe('sql-rejected');
    expect((err as HarnessError).message).toMatch(message);
    expect((err as HarnessError).hint).toMatch(/read-only SELECT/);
    expect(storeState(db)).toBe(before);
  });

  it('wrote no file (VACUUM INTO, ATTACH) next to the store or in /tmp', () => {
    expect(existsSync('/tmp/stat-harness-vacuum-into-test.db')).toBe(false);
    expect(readdirSync(dir).filter((f) => !f.startsWith('harness.db'))).toEqual([]);
    expect(readFileSync(storePath).subarray(0, 15).toString()).toBe('SQLite format 3');
  });

  it('reports SQL errors (unknown table) as sql-error without touching the store', () => {
    expect(() => guard.query('SELECT * FROM no_such_table')).toThrow(/could not prepare the query: no such table: no_such_table/);
    expect(storeState(db)).toBe(before);
  });

  it('validates maxRows and timeoutMs', () => {
    expect(() => guard.query('SELECT 1', [], { maxRows: -1 })).toThrow(/maxRows must be an integer/);
    expect(() => guard.query('SELECT 1', [], { timeoutMs: 0 })).toThrow(/timeoutMs must be a positive number/);
  });
});

describe('sql guard: reads stay inside the dataset (bytecode scope check)', () => {
  const outside: string[] = [
    'SELECT name FROM main.sqlite_master',
    'SELECT name FROM sqlite_schema',
    'SELECT name FROM sqlite_temp_master',
    'SELECT * FROM runs',
    'SELECT secret FROM main.runs',
    'SELECT count(*) FROM jobs_2',
    'SELECT * FROM job_params_2',
    'SELECT j.process_id FROM jobs j JOIN jobs_2 k ON k.process_queue_id = j.process_queue_id',
    'SELECT (SELECT count(*) FROM runs) AS n FROM jobs',
    'WITH r AS (SELECT secret FROM runs) SELECT * FROM r',
    "SELECT * FROM pragma_table_info('runs')",
    "SELECT name FROM pragma_table_list",
    "SELECT * FROM jobs WHERE EXISTS (SELECT 1 FROM pragma_index_list('jobs_2'))",
    'SELECT * FROM dbstat',
    'EXPLAIN SELECT * FROM runs',
    'EXPLAIN QUERY PLAN SELECT name FROM sqlite_master',
  ];
  it.each(outside)('%s', (query) => {
    let err: unknown;
    try {
      guard.query(query);
    } catch (e) {
      err = e;
    }
    // dbstat may be compiled out: then it is an unknown table, which is also a refusal.
    if (query.includes('dbstat') && err instanceof HarnessError && err.code === 'sql-error') return;
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe('sql-rejected');
    expect((err as HarnessError).message).toMatch(/sql\(\) may read only the dataset's jobs \/ job_params views/);
    expect(storeState(db)).toBe(before);
  });

  it('still runs joins, GROUP BY, CTEs, window functions, subqueries and json_each over the dataset', () => {
    const join = guard.query('SELECT j.process_id, p.key, count(*) AS n FROM jobs j JOIN job_params p ON p.row_id = j.row_id GROUP BY j.process_id, p.key ORDER BY n DESC, j.process_id, p.key');
    expect(join.rows.length).toBeGreaterThan(0);
    const cte = guard.query('WITH per AS (SELECT process_id, count(*) AS n FROM jobs GROUP BY process_id) SELECT sum(n) AS total FROM per');
    expect(cte.rows).toEqual([{ total: 40 }]);
    const win = guard.query('SELECT row_id, row_number() OVER (PARTITION BY process_id ORDER BY queue_dt, row_id) AS k, lag(queue_dt) OVER (ORDER BY row_id) AS prev FROM jobs ORDER BY row_id', [], { maxRows: 100 });
    expect(win.rows.length).toBe(40);
    const sub = guard.query('SELECT count(*) AS n FROM jobs WHERE row_id IN (SELECT row_id FROM job_params) AND process_queue_id IS NOT NULL');
    expect(sub.rows[0]!.n).toBeGreaterThan(0);
    expect(guard.query('SELECT count(*) AS n FROM jobs').rows).toEqual([{ n: 40 }]);
    expect(guard.query("SELECT value FROM json_each('[1,2]') ORDER BY value").rows).toEqual([{ value: 1 }, { value: 2 }]);
    expect(guard.query("SELECT count(*) AS n FROM jobs, json_tree('{\"a\":1}')").rows[0]!.n).toBe(80);
    expect(guard.query('EXPLAIN QUERY PLAN SELECT * FROM jobs JOIN job_params USING (row_id)').rows.length).toBeGreaterThan(0);
  });
});

describe('classifyStatement', () => {
  it('sees through comments and EXPLAIN', () => {
    expect(classifyStatement('/* x */ select 1')).toEqual({ ok: true });
    expect(classifyStatement('explain query plan pragma foo')).toMatchObject({ ok: false, reason: /PRAGMA/ });
    expect(classifyStatement('ReIndex')).toMatchObject({ ok: false });
  });
});

it('refuses an in-memory store (no second read-only connection possible)', () => {
  expect(() => openSqlGuard({ storePath: ':memory:', datasetId: 1 })).toThrow(/needs a store file/);
  expect(join(dir, 'x')).toContain(dir);
});
