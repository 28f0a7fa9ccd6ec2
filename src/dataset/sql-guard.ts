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
 *  6. what the statement reads, from its own bytecode (`EXPLAIN <query>`): every cursor it
 *     opens on a b-tree (OpenRead / OpenWrite / ReopenIdx: p2 root page, p3 database) must be
 *     jobs_<id>, job_params_<id> or one of their indexes in main, and every virtual table it
 *     opens (VOpen) must be json_each / json_tree. Without this, `sqlite_master`, `runs`,
 *     another dataset's tables and the table-valued pragma functions (pragma_table_info(...))
 *     were all readable — dataset isolation and novelty (earlier runs' findings) depend on it;
 *  7. rows capped by stepping an iterator to maxRows + 1 (`truncated`), and time bounded by
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

const SCOPE_MESSAGE = "sql() may read only the dataset's jobs / job_params views";
const HINT = 'sql() runs one read-only SELECT over the views jobs and job_params, e.g. sql("SELECT process_id, count(*) AS n FROM jobs GROUP BY process_id", [], { maxRows: 100 })';

/** Upper-cased leading keywords of a statement, skipping whitespace and comments. */
export function leadingKeywords(query: string, count = 3): string[] {
  return scanKeywords(query, count).map((k) => k.word);
}

/** Leading keywords with the offset just past each (to cut an EXPLAIN prefix off exactly). */
function scanKeywords(query: string, count: number): { word: string; end: number }[] {
  const out: { word: string; end: number }[] = [];
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
      i += m[0].length;
      out.push({ word: m[0].toUpperCase(), end: i });
    }
  }
  return out;
}

/** The statement under an `EXPLAIN` / `EXPLAIN QUERY PLAN` prefix (the query itself otherwise). */
export function explainedStatement(query: string): string {
  const words = scanKeywords(query, 3);
  if (words[0]?.word !== 'EXPLAIN') return query;
  const k = words[1]?.word === 'QUERY' && words[2]?.word === 'PLAN' ? 2 : 0;
  return query.slice(words[k]!.end);
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
  let scope: ReadScope;
  try {
    db.pragma('busy_timeout = 5000');
    // TEMP objects live in the connection's own temp schema: creating them writes nothing to the store.
    db.exec(`CREATE TEMP VIEW jobs AS SELECT * FROM main.${jobsTable(options.datasetId)};
             CREATE TEMP VIEW job_params AS SELECT * FROM main.${paramsTable(options.datasetId)};`);
    db.pragma('query_only = 1');
    scope = readScope(db, options.datasetId);
  } catch (err) {
    db.close();
    throw new HarnessError('store', `cannot open dataset ${options.datasetId} for SQL: ${(err as Error).message}`, { cause: err });
  }
  return {
    query: (query, params, opts) => runGuarded(db, scope, query, params, opts),
    close: () => db.close(),
  };
}

/** What a guarded statement may open: root pages in main, and virtual-table instances (by EXPLAIN's p4). */
export interface ReadScope {
  rootPages: ReadonlySet<number>;
  virtualTables: ReadonlySet<string>;
}

/** Harmless table-valued functions over the statement's own arguments (no store access). */
const ALLOWED_VIRTUAL_TABLES = ['json_each', 'json_tree'];

function readScope(db: Database.Database, datasetId: number): ReadScope {
  // The dataset's two tables and every index on them (explicit and sqlite_autoindex_*).
  const rows = db
    .prepare('SELECT rootpage FROM main.sqlite_master WHERE tbl_name IN (?, ?) AND rootpage > 0')
    .all(jobsTable(datasetId), paramsTable(datasetId)) as { rootpage: number }[];
  if (rows.length === 0) throw new Error(`no tables for dataset ${datasetId} in the store`);
  // An eponymous virtual table has one instance per connection, so its p4 ("vtab:<address>")
  // is stable for this connection: learn the allowed ones once.
  const virtualTables = new Set<string>();
  for (const name of ALLOWED_VIRTUAL_TABLES) {
    for (const op of explainOpens(db, `SELECT * FROM ${name}('[]')`)) {
      if (op.opcode === 'VOpen' && typeof op.p4 === 'string') virtualTables.add(op.p4);
    }
  }
  return { rootPages: new Set(rows.map((r) => r.rootpage)), virtualTables };
}

interface Opcode {
  opcode: string;
  p2: number;
  p3: number;
  p4: unknown;
}

const CURSOR_OPCODES = new Set(['OpenRead', 'OpenWrite', 'ReopenIdx', 'VOpen']);

function explainOpens(db: Database.Database, statement: string, bind: readonly unknown[] = []): Opcode[] {
  // The same bindings as the query (better-sqlite3 checks their count); values do not change the bytecode.
  return (db.prepare(`EXPLAIN ${statement}`).all(...bind) as Opcode[]).filter((op) => CURSOR_OPCODES.has(op.opcode));
}

/** Why the statement's bytecode reads outside the dataset, or undefined when it stays inside. */
export function scopeViolation(opens: readonly Opcode[], scope: ReadScope): string | undefined {
  for (const op of opens) {
    if (op.opcode === 'VOpen') {
      if (typeof op.p4 !== 'string' || !scope.virtualTables.has(op.p4)) {
        return 'it opens a virtual table (table-valued functions such as pragma_table_info() or dbstat read the store\'s schema; only json_each / json_tree are available)';
      }
    } else if (op.opcode === 'OpenWrite') {
      return 'it opens a table for writing';
    } else if (op.p3 !== 0 || !scope.rootPages.has(op.p2)) {
      return 'it reads a table outside the dataset (sqlite_master, runs, another dataset, ...)';
    }
  }
  return undefined;
}

function reject(message: string): never {
  throw new HarnessError('sql-rejected', message, { hint: HINT });
}

function runGuarded(db: Database.Database, scope: ReadScope, query: unknown, params: unknown, options: SqlOptions | undefined): SqlResult {
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
  // The statement prepared, so its EXPLAIN prepares too (an EXPLAIN prefix is cut: EXPLAIN
  // cannot nest, and EXPLAIN QUERY PLAN would otherwise reveal which tables exist).
  const bind: unknown[] = params === undefined ? [] : [params];
  let opens: Opcode[];
  try {
    opens = explainOpens(db, explainedStatement(query), bind);
  } catch (err) {
    throw new HarnessError('sql-error', `sql() failed: ${(err as Error).message}`, { hint: HINT });
  }
  const violation = scopeViolation(opens, scope);
  if (violation !== undefined) reject(`${SCOPE_MESSAGE}: ${violation}`);

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
