import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { createArrowAccessor, createSqliteAccessor, type MeteredAccessor, type SqliteDatasetAccessor } from '../../src/dataset/accessor.ts';
import type { Db } from '../../src/dataset/store.ts';
import { emptyTelemetry, type ColumnBatch, type WhereClause } from '../../src/dataset/types.ts';
import { tempDir } from '../helpers/cli.ts';
import { createTestStore, sampleJobs, writeTestArrowFile } from '../helpers/dataset.ts';

const N = 150;
const JOBS = sampleJobs(N);
const BASE = { pluginId: 'test_plugin_v1', largeRows: 1_000_000, streamingStrict: false, allowUnboundedLoad: false };
let dir: string;
let db: Db;
let storePath: string;
let datasetId: number;
let arrowPath: string;
const open: SqliteDatasetAccessor[] = [];

beforeAll(() => {
  dir = tempDir('accessor-');
  ({ db, storePath, datasetId } = createTestStore(dir, JOBS, { extraColumns: ['REGION', 'NOTE'] }));
  arrowPath = writeTestArrowFile(db, storePath, datasetId);
});
afterAll(() => {
  for (const a of open) a.close();
  db.close();
});

function sqlite(extra: Partial<typeof BASE> = {}): SqliteDatasetAccessor {
  const a = createSqliteAccessor({ db, datasetId, ...BASE, ...extra });
  open.push(a);
  return a;
}
function arrow(extra: Partial<typeof BASE> = {}): MeteredAccessor {
  const info = createSqliteAccessor({ db, datasetId, ...BASE }).info();
  return createArrowAccessor({ arrowPath, ...BASE, ...extra, info });
}
const backends: [string, (extra?: Partial<typeof BASE>) => MeteredAccessor][] = [
  ['sqlite', sqlite],
  ['arrow', arrow],
];

/** Flatten batches into plain rows for comparison (NaN → null). */
function rowsOf(batches: ColumnBatch[], columns: string[]): unknown[][] {
  const out: unknown[][] = [];
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      out.push(columns.map((c) => {
        const v = b.columns[c]![i];
        return typeof v === 'number' && Number.isNaN(v) ? null : v;
      }));
    }
  }
  return out;
}

const ALL = ['row_id', 'process_queue_id', 'process_id', 'status', 'local_machine_id', 'assigned_machine_id', 'queue_dt', 'start_dt', 'end_dt', 'params', 'user_id', 'master_id', 'parent_id', 'dep_id', 'schedule_id', 'extra_json', 'source_line', 'REGION', 'NOTE'];

function expectedRows(columns: string[], keep: (i: number) => boolean = () => true): unknown[][] {
  return JOBS.flatMap((j, i) => {
    if (!keep(i)) return [];
    return [columns.map((c) => {
      if (c === 'row_id') return i + 1;
      if (c === 'source_line') return i + 2;
      if (c === 'extra_json') return JSON.stringify(j.extra);
      if (c === 'REGION' || c === 'NOTE') return j.extra![c] ?? null;
      return (j as Record<string, unknown>)[c] ?? null;
    })];
  });
}

describe.each(backends)('%s accessor', (_name, make) => {
  it('iterBatches returns every column, typed (Float64Array with NaN for null, strings), in row order', () => {
    const a = make();
    const batches = [...a.iterBatches({ columns: ALL, batchSize: 64 })];
    expect(batches.map((b) => b.length)).toEqual([64, 64, 22]);
    expect(batches.map((b) => b.firstRowId)).toEqual([1, 65, 129]);
    expect(batches[0]!.columns.queue_dt).toBeInstanceOf(Float64Array);
    expect(batches[2]!.columns.queue_dt!.length).toBe(22);
    expect(Array.isArray(batches[0]!.columns.process_id)).toBe(true);
    expect(rowsOf(batches, ALL)).toEqual(expectedRows(ALL));
    expect(a.telemetry).toMatchObject({ iterCalls: 1, batches: 3, rowsIterated: N });
  });

  it.each<[string, WhereClause, (i: number) => boolean]>([
    ['equals string', { status: { equals: 'ERROR' } }, (i) => i % 11 === 0],
    ['equals null', { start_dt: { equals: null } }, (i) => i % 17 === 0],
    ['in', { process_id: { in: ['PROC_1', 'PROC_3'] } }, (i) => i % 7 === 1 || i % 7 === 3],
    ['in never matches null', { assigned_machine_id: { in: ['M1'] } }, (i) => i % 13 !== 0 && i % 4 === 1],
    ['range', { queue_dt: { range: { gte: JOBS[10]!.queue_dt as number, lt: JOBS[20]!.queue_dt as number } } }, (i) => i >= 10 && i < 20],
    ['range skips nulls', { end_dt: { range: { gt: 0 } } }, (i) => i % 17 !== 0],
    ['extra column', { REGION: { equals: 'EU' } }, (i) => i % 2 === 1],
    ['combined', { status: { equals: 'COMPLETE' }, local_machine_id: { in: ['M0'] } }, (i) => i % 11 !== 0 && i % 3 === 0],
    ['empty in', { process_id: { in: [] } }, () => false],
  ])('where %s filters the same rows on both backends', (_label, where, keep) => {
    const cols = ['row_id', 'process_id', 'queue_dt', 'REGION'];
    const batches = [...make().iterBatches({ columns: cols, batchSize: 7, where })];
    expect(batches.every((b) => b.length <= 7 && b.length > 0)).toBe(true);
    expect(rowsOf(batches, cols)).toEqual(expectedRows(cols, keep));
  });

  it('rejects bad where clauses with a precise message', () => {
    const a = make();
    const cases: [unknown, RegExp][] = [
      [{ proces_id: { equals: 'x' } }, /unknown column "proces_id" \(did you mean "process_id"\?\)/],
      [{ process_id: { like: 'x' } }, /exactly one of equals, in, range; got like/],
      [{ process_id: { range: { gte: 1 } } }, /range needs a numeric column/],
      [{ queue_dt: { equals: '2025-01-01' } }, /must be a finite number \(queue_dt is numeric\)/],
      [{ queue_dt: { range: {} } }, /needs at least one of gte, gt, lte, lt/],
      [{ queue_dt: { range: { from: 1 } } }, /unknown bound\(s\) from/],
      ['status = 1', /must be an object/],
    ];
    for (const [where, msg] of cases) {
      expect(() => a.iterBatches({ columns: ['row_id'], where: where as WhereClause })).toThrow(msg);
    }
  });

  it('rejects bad columns and batch sizes', () => {
    const a = make();
    expect(() => a.iterBatches({ columns: [] })).toThrow(/test_plugin_v1: iterBatches needs a non-empty `columns` array/);
    expect(() => a.iterBatches({ columns: ['queue_dtt'] })).toThrow(/did you mean "queue_dt"/);
    expect(() => a.iterBatches({ columns: ['row_id', 'row_id'] })).toThrow(/lists column "row_id" twice/);
    expect(() => a.iterBatches({ columns: ['row_id'], batchSize: 0 })).toThrow(/batchSize must be an integer 1\.\./);
    expect(() => a.iterBatches({ columns: ['row_id'], batchSize: 1.5 })).toThrow(HarnessError);
  });

  it('load returns at most rowLimit rows and says whether it truncated', () => {
    const a = make();
    const r = a.load({ columns: ['process_queue_id', 'start_dt'], rowLimit: 3 });
    expect(r).toEqual({
      rows: [
        { process_queue_id: 'Q1000', start_dt: null },
        { process_queue_id: 'Q1001', start_dt: JOBS[1]!.start_dt },
        { process_queue_id: 'Q1002', start_dt: JOBS[2]!.start_dt },
      ],
      truncated: true,
    });
    expect(a.load({ columns: ['row_id'], rowLimit: N })).toMatchObject({ truncated: false });
    expect(a.load({ columns: ['row_id'], rowLimit: 5, where: { status: { equals: 'ERROR' } } }).rows.map((x) => x.row_id)).toEqual([1, 12, 23, 34, 45]);
    expect(a.load({ columns: ['row_id'], rowLimit: 0 })).toEqual({ rows: [], truncated: true });
    expect(() => a.load({ columns: ['row_id'], rowLimit: -1 })).toThrow(/rowLimit must be a non-negative integer/);
    expect(a.telemetry).toMatchObject({ loadCalls: 5, rowsLoaded: 3 + N + 5, truncations: 3, unboundedLoadCalls: 0, unboundedLoadRows: 0 });
  });

  it('load without rowLimit on a small dataset loads everything and records it as unbounded', () => {
    const a = make();
    expect(a.load({ columns: ['row_id'] }).rows.length).toBe(N);
    expect(a.telemetry).toMatchObject({ unboundedLoadCalls: 1, unboundedLoadRows: N });
  });

  it('large dataset, warn stage: an unbounded load proceeds and is recorded', () => {
    const a = make({ largeRows: 100 });
    const r = a.load({ columns: ['row_id'] });
    expect(r).toMatchObject({ truncated: false });
    expect(r.rows.length).toBe(N);
    expect(a.telemetry).toMatchObject({ unboundedLoadCalls: 1, unboundedLoadRows: N, rowsLoaded: N });
  });

  it('large dataset, strict stage: an unbounded load throws naming the plugin and the fix', () => {
    const a = make({ largeRows: 100, streamingStrict: true });
    let err: HarnessError | undefined;
    try {
      a.load({ columns: ['row_id'] });
    } catch (e) {
      err = e as HarnessError;
    }
    expect(err).toBeInstanceOf(HarnessError);
    expect(err!.code).toBe('unbounded-load');
    expect(err!.message).toContain(`test_plugin_v1: load() without a rowLimit on a large dataset (${N} rows > largeRows 100)`);
    expect(err!.hint).toMatch(/rowLimit.*iterBatches.*allowlist\.yaml entry .*reason/);
    expect(a.telemetry).toMatchObject({ loadCalls: 1, unboundedLoadRows: 0, rowsLoaded: 0 });
    // bounded loads and allowlisted plugins still work
    expect(a.load({ columns: ['row_id'], rowLimit: 10 }).rows.length).toBe(10);
    const allowed = make({ largeRows: 100, streamingStrict: true, allowUnboundedLoad: true });
    expect(allowed.load({ columns: ['row_id'] }).rows.length).toBe(N);
    expect(allowed.telemetry.unboundedLoadRows).toBe(N);
  });

  it('large dataset: a rowLimit above largeRows counts as unbounded (warn: recorded; strict: refused)', () => {
    const huge = Number.MAX_SAFE_INTEGER - 1;
    const warn = make({ largeRows: 100 });
    expect(warn.load({ columns: ['row_id'], rowLimit: huge })).toMatchObject({ truncated: false });
    expect(warn.load({ columns: ['row_id'], rowLimit: 101 }).rows.length).toBe(101);
    // at largeRows exactly it is bounded
    expect(warn.load({ columns: ['row_id'], rowLimit: 100 }).rows.length).toBe(100);
    expect(warn.telemetry).toMatchObject({ loadCalls: 3, unboundedLoadCalls: 2, unboundedLoadRows: N + 101, rowsLoaded: N + 101 + 100 });

    const strict = make({ largeRows: 100, streamingStrict: true });
    let err: HarnessError | undefined;
    try {
      strict.load({ columns: ['row_id'], rowLimit: huge });
    } catch (e) {
      err = e as HarnessError;
    }
    expect(err).toBeInstanceOf(HarnessError);
    expect(err!.code).toBe('unbounded-load');
    expect(err!.message).toContain(`test_plugin_v1: load() with rowLimit ${huge} (above largeRows, so unbounded) on a large dataset (${N} rows > largeRows 100) is refused while STAT_HARNESS_STREAMING_POLICY_STRICT=1`);
    expect(err!.hint).toMatch(/rowLimit ≤ largeRows \(100\)/);
    expect(strict.telemetry).toMatchObject({ unboundedLoadRows: 0, rowsLoaded: 0 });
    expect(strict.load({ columns: ['row_id'], rowLimit: 100 }).rows.length).toBe(100);
    // small dataset: any rowLimit is bounded
    const small = make({ streamingStrict: true });
    expect(small.load({ columns: ['row_id'], rowLimit: huge }).rows.length).toBe(N);
    expect(small.telemetry).toMatchObject({ unboundedLoadCalls: 0, unboundedLoadRows: 0 });
  });

  it('adds to a telemetry record handed in by the runner, and counts info calls', () => {
    const telemetry = emptyTelemetry();
    const a = make({ telemetry } as Partial<typeof BASE>);
    const info = a.info();
    expect(info.rowCount).toBe(N);
    info.rowCount = -1; // a plugin mutating its copy changes nothing
    expect(a.info().rowCount).toBe(N);
    for (const b of a.iterBatches({ columns: ['row_id'], batchSize: 100 })) void b;
    expect(telemetry).toMatchObject({ infoCalls: 2, iterCalls: 1, batches: 2, rowsIterated: N });
  });

  it('an abandoned iteration stops cleanly and counts only what was consumed', () => {
    const a = make();
    for (const b of a.iterBatches({ columns: ['row_id'], batchSize: 10 })) {
      if (b.firstRowId > 20) break;
    }
    expect(a.telemetry).toMatchObject({ batches: 3, rowsIterated: 30 });
    // the backend is usable again afterwards (SQLite: no statement left busy)
    expect(a.load({ columns: ['row_id'], rowLimit: 1 }).rows).toEqual([{ row_id: 1 }]);
  });
});

describe('sql through the accessors', () => {
  it('sqlite: metered, guarded, counts rejections', () => {
    const a = sqlite();
    const r = a.sql('SELECT count(*) AS n FROM jobs WHERE status = ?', ['ERROR']);
    expect(r.rows).toEqual([{ n: 14 }]);
    expect(a.sql('SELECT row_id FROM jobs', [], { maxRows: 2 }).truncated).toBe(true);
    expect(() => a.sql('DELETE FROM jobs')).toThrow(/DELETE statements are not allowed/);
    expect(a.telemetry).toMatchObject({ sqlStatements: 2, sqlRowsReturned: 3, sqlRejected: 1, truncations: 1 });
  });

  it('arrow: without an SQL proxy sql() says so; with one it is proxied and metered', () => {
    const a = arrow();
    expect(() => a.sql('SELECT 1')).toThrow(/sql\(\) is not available in this process/);
    const calls: unknown[] = [];
    const proxied = createArrowAccessor({
      arrowPath,
      ...BASE,
      sqlProxy: (q, p, o) => {
        calls.push([q, p, o]);
        return { columns: ['n'], rows: [{ n: 1 }], truncated: false };
      },
    });
    expect(proxied.sql('SELECT 1 AS n', [], { maxRows: 5 }).rows).toEqual([{ n: 1 }]);
    expect(calls).toEqual([['SELECT 1 AS n', [], { maxRows: 5 }]]);
    expect(proxied.telemetry).toMatchObject({ sqlStatements: 1, sqlRowsReturned: 1 });
    expect(() => proxied.info()).toThrow(/info\(\) was not provided/);
  });
});

describe('arrow file validation', () => {
  it.each([
    ['a CSV file', 'PROCESS_QUEUE_ID,PROCESS_ID\n1,2\n', /ARROW1 magic is missing at the start \(is it a CSV/],
    ['an empty file', '', /only 0 bytes/],
  ])('refuses %s with a clear message', (_what, content, msg) => {
    const p = join(dir, `bad-${_what.replace(/\W/g, '')}.arrow`);
    writeFileSync(p, content);
    expect(() => createArrowAccessor({ arrowPath: p, ...BASE })).toThrow(msg);
  });

  it('refuses a truncated file', async () => {
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(arrowPath);
    const p = join(dir, 'truncated.arrow');
    writeFileSync(p, bytes.subarray(0, bytes.length - 100));
    expect(() => createArrowAccessor({ arrowPath: p, ...BASE })).toThrow(/magic is missing at the end \(the file is truncated\)/);
  });

  it('reads a dictionary column written as plain Utf8 (high-cardinality queue ids) the same way', () => {
    const p = writeTestArrowFile(db, storePath, datasetId, { utf8Columns: ['process_queue_id', 'parent_id'], path: join(dir, 'utf8-ids.arrow') });
    const a = createArrowAccessor({ arrowPath: p, ...BASE });
    const cols = ['row_id', 'process_queue_id', 'parent_id', 'status'];
    expect(rowsOf([...a.iterBatches({ columns: cols, batchSize: 50 })], cols)).toEqual(expectedRows(cols));
  });

  it('refuses a file whose columns do not follow the layout', () => {
    const p = writeTestArrowFile(db, storePath, datasetId, { utf8Columns: [], path: join(dir, 'ok.arrow') });
    expect(() => createArrowAccessor({ arrowPath: p, ...BASE })).not.toThrow();
    const bad = writeTestArrowFile(db, storePath, datasetId, { utf8Columns: ['queue_dt'], path: join(dir, 'bad-layout.arrow') });
    expect(() => createArrowAccessor({ arrowPath: bad, ...BASE })).toThrow(/its fields are \[.*queue_dt:utf8.*\], expected \[.*queue_dt:f64/);
  });

  it('refuses a missing file', () => {
    expect(() => createArrowAccessor({ arrowPath: join(dir, 'nope.arrow'), ...BASE })).toThrow(/cannot open .*nope\.arrow: ENOENT/);
  });
});
