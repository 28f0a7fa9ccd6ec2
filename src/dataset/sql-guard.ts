/**
 * The read-only SQL door of the dataset accessor (`ctx.dataset.sql`). SQLite's read-only mode
 * is not a sandbox (DESIGN.md traps: a read-only connection still runs ATTACH, CREATE TEMP
 * TABLE, BEGIN IMMEDIATE, VACUUM INTO; `stmt.readonly` is true for ATTACH, SAVEPOINT and some
 * PRAGMAs), so the checks are layered:
 *
 *  1. a dedicated read-only connection with `PRAGMA query_only=1`, on which the dataset is
 *     exposed as the TEMP VIEWs `jobs` and `job_params` (created before query_only is set);
 *  2. the statement's leading keyword: only SELECT / WITH / VALUES (optionally under EXPLAIN);
 *     ATTACH, DETACH, PRAGMA, VACUUM, transactions, REINDEX, ANALYZE are named and refused;
 *  3. exactly one statement (better-sqlite3's prepare() refuses trailing statements);
 *  4. SQLite's own classification: the prepared statement must be `readonly` and return rows;
 *  5. `load_extension()` stays disabled (never enabled on this connection: SQLite answers
 *     "not authorized");
 *  6. rows capped by stepping an iterator to maxRows + 1 (`truncated`), and time bounded by
 *     checking the elapsed time between steps.
 *
 * Limit of (6): a single step that runs long (a huge sort or cross join before the first row)
 * cannot be interrupted in-process — neither SQLite binding for Node exposes
 * sqlite3_interrupt. The plugin runner therefore runs SQL in a separate process it kills at
 * the time bound; this guard is the in-process layer of that defence.
 */
import Database from 'better-sqlite3';
import { HarnessError } from '../common/errors.ts';
import type { SqlOptions, SqlResult } from './types.ts';
import { jobsTable, paramsTable } from './store.ts';

export const DEFAULT_SQL_MAX_ROWS = 10_000;
export const DEFAULT_SQL_TIMEOUT_MS = 10_000;
/** Hard ceiling on maxRows: results are materialized in the caller's memory. */
export const SQL_MAX_ROWS_CEILING = 1_000_000;

const ALLOWED_LEADING = new Set(['SELECT', 'WITH', 'VALUES']);
const DENIED_LEADING: Readonly<Record<string, string>> = {
  ATTACH: 'ATTACH would open another database file',
  DETACH: 'DETACH changes the connection',
  PRAGMA: 'PRAGMA reads or changes connection settings',
  VACUUM: 'VACUUM rewrites the database (VACUUM INTO writes a new file)',
  BEGIN: 'transactions are not available',
  COMMIT: 'transactions are not available',
  END: 'transactions are not available',
  ROLLBACK: 'transactions are not available',
  SAVEPOINT: 'transactions are not available',
  RELEASE: 'transactions are not available',
  REINDEX: 'REINDEX rewrites indexes',
  ANALYZE: 'ANALYZE writes statistics tables',
  INSERT: 'the dataset is read-only',
  UPDATE: 'the dataset is read-only',
  DELETE: 'the dataset is read-only',
  REPLACE: 'the dataset is read-only',
  UPSERT: 'the dataset is read-only',
  CREATE: 'the dataset is read-only',
  DROP: 'the dataset is read-only',
  ALTER: 'the dataset is read-only',
};

const HINT = 'sql() runs one read-only SELECT over the views jobs and job_params, e.g. sql("SELECT process_id, count(*) AS n FROM jobs GROUP BY process_id", [], { maxRows: 100 })';

/** Upper-cased leading keywords of a statement, skipping whitespace and comments. */
export function leadingKeywords(query: string, count = 3): string[] {
  const out: string[] = [];
  let i = 0;
  const n = query.length;
  while (i < n && out.length < count) {
    const ch = query[i]!;
    if (/\s/.test(ch) || ch === ';') {
      i++;
    } else if (ch === '-' && query[i + 1] === '-') {
      const nl = query.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (ch === '/' && query[i + 1] === '*') {
      const end = query.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else {
      const m = /^[A-Za-z_]+/.exec(query.slice(i, i + 64));
      if (!m) break;
      out.push(m[0].toUpperCase());
      i += m[0].length;
    }
  }
  return out;
}

export type StatementVerdict = { ok: true } | { ok: false; reason: string };

/** Keyword-level classification (layer 2); SQLite's own classification follows at prepare. */
export function classifyStatement(query: string): StatementVerdict {
  const words = leadingKeywords(query, 4);
  if (words.length === 0) return { ok: false, reason: 'the query is empty' };
  let k = 0;
  if (words[0] === 'EXPLAIN') {
    k = words[1] === 'QUERY' && words[2] === 'PLAN' ? 3 : 1;
    if (words[k] === undefined) return { ok: false, reason: 'EXPLAIN needs a statement after it' };
  }
  const first = words[k]!;
  const denied = DENIED_LEADING[first];
  if (denied !== undefined) return { ok: false, reason: `${first} statements are not allowed: ${denied}` };
  if (!ALLOWED_LEADING.has(first)) return { ok: false, reason: `only SELECT, WITH and VALUES queries are allowed; got ${first}` };
  return { ok: true };
}

export interface SqlGuardOptions {
  /** The store file (a dedicated connection is opened on it). */
  storePath: string;
  datasetId: number;
}

export interface SqlGuard {
  query(query: string, params?: readonly unknown[] | Readonly<Record<string, unknown>>, options?: SqlOptions): SqlResult;
  close(): void;
}

export function openSqlGuard(options: SqlGuardOptions): SqlGuard {
  if (options.storePath === ':memory:' || options.storePath === '') {
    throw new HarnessError('internal', 'the SQL guard needs a store file (an in-memory database cannot be reopened read-only)');
  }
  const db = new Database(options.storePath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // TEMP objects live in the connection's own temp schema: creating them writes nothing to the store.
    db.exec(`CREATE TEMP VIEW jobs AS SELECT * FROM main.${jobsTable(options.datasetId)};
             CREATE TEMP VIEW job_params AS SELECT * FROM main.${paramsTable(options.datasetId)};`);
    db.pragma('query_only = 1');
  } catch (err) {
    db.close();
    throw new HarnessError('store', `cannot open dataset ${options.datasetId} for SQL: ${(err as Error).message}`, { cause: err });
  }
  return {
    query: (query, params, opts) => runGuarded(db, query, params, opts),
    close: () => db.close(),
  };
}

function reject(message: string): never {
  throw new HarnessError('sql-rejected', message, { hint: HINT });
}

function runGuarded(db: Database.Database, query: unknown, params: unknown, options: SqlOptions | undefined): SqlResult {
  if (typeof query !== 'string') reject(`sql() needs the query as a string; got ${typeof query}`);
  const maxRows = options?.maxRows ?? DEFAULT_SQL_MAX_ROWS;
  const timeoutMs = options?.timeoutMs ?? DEFAULT_SQL_TIMEOUT_MS;
  if (!Number.isSafeInteger(maxRows) || maxRows < 0 || maxRows > SQL_MAX_ROWS_CEILING) {
    reject(`sql() maxRows must be an integer 0..${SQL_MAX_ROWS_CEILING}; got ${String(maxRows)}`);
  }
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    reject(`sql() timeoutMs must be a positive number; got ${String(timeoutMs)}`);
  }
  const verdict = classifyStatement(query);
  if (!verdict.ok) reject(`sql() refused the statement: ${verdict.reason}`);

  let stmt: Database.Statement;
  try {
    stmt = db.prepare(query);
  } catch (err) {
    const msg = (err as Error).message;
    if (/more than one statement/.test(msg)) {
      reject('sql() refused the query: it contains more than one statement (only one statement per call; remove the text after the first ";")');
    }
    throw new HarnessError('sql-error', `sql() could not prepare the query: ${msg}`, { hint: HINT });
  }
  if (!stmt.readonly) reject('sql() refused the statement: SQLite classifies it as writing');
  if (!stmt.reader) reject('sql() refused the statement: it returns no rows (only queries are allowed)');

  const bind: unknown[] = params === undefined ? [] : [params];
  const columns = stmt.columns().map((c) => c.name);
  const rows: Record<string, unknown>[] = [];
  let truncated = false;
  const started = performance.now();
  let iterator: IterableIterator<unknown> | undefined;
  try {
    iterator = stmt.iterate(...bind) as IterableIterator<unknown>;
    for (let step = iterator.next(); !step.done; step = iterator.next()) {
      if (rows.length === maxRows) {
        truncated = true;
        break;
      }
      rows.push(step.value as Record<string, unknown>);
      if ((rows.length & 255) === 1 && performance.now() - started > timeoutMs) {
        throw new HarnessError('sql-timeout', `sql() exceeded its time bound of ${timeoutMs} ms after ${rows.length} rows`, {
          hint: 'narrow the query (filter, aggregate in SQL, LIMIT) or raise timeoutMs',
        });
      }
    }
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    const msg = (err as Error).message;
    if (/not authorized/.test(msg)) reject(`sql() refused the statement: SQLite reports "${msg}" (load_extension and similar functions are disabled)`);
    throw new HarnessError('sql-error', `sql() failed: ${msg}`, { hint: HINT });
  } finally {
    iterator?.return?.();
  }
  return { columns, rows, truncated };
}
