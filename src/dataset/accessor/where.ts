/**
 * The structured `where` filter (equals / in / range on columns — never SQL text), validated
 * once and compiled two ways from the same normalized conditions: to a parameterized SQL
 * fragment (SQLite backend, so indexes apply) and to a row predicate over decoded columnar
 * values (Arrow backend). Both follow SQL's NULL semantics: only `equals: null` matches a
 * null; `in` and `range` never do.
 */
import { HarnessError } from '../../common/errors.ts';
import type { WhereClause } from '../types.ts';
import { resolveColumn, type ColumnSpec, type DatasetSchema } from './columns.ts';

export type NormalizedCondition =
  | { column: ColumnSpec; op: 'isNull' }
  | { column: ColumnSpec; op: 'equals'; value: string | number }
  | { column: ColumnSpec; op: 'in'; values: readonly (string | number)[] }
  | { column: ColumnSpec; op: 'range'; gte?: number; gt?: number; lte?: number; lt?: number };

export interface CompiledWhere {
  conditions: readonly NormalizedCondition[];
  /** Columns the predicate reads (the Arrow backend decodes them even when not requested). */
  columns: readonly ColumnSpec[];
}

const RANGE_KEYS = ['gte', 'gt', 'lte', 'lt'] as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Validate a where clause against the dataset's columns; undefined or {} means "all rows". */
export function compileWhere(where: WhereClause | undefined, schema: DatasetSchema, pluginId: string): CompiledWhere | undefined {
  if (where === undefined) return undefined;
  const bad = (msg: string): never => {
    throw new HarnessError('invalid-where', `${pluginId}: where ${msg}`, {
      hint: "write where as { column: { equals: v } | { in: [v, …] } | { range: { gte, gt, lte, lt } } }, e.g. { status: { equals: 'ERROR' } }",
    });
  };
  if (!isPlainObject(where)) bad(`must be an object; got ${JSON.stringify(where) ?? String(where)}`);
  const conditions: NormalizedCondition[] = [];
  for (const name of Object.keys(where).sort()) {
    const column = resolveColumn(schema, name, pluginId, 'where');
    const cond = (where as Record<string, unknown>)[name];
    if (!isPlainObject(cond)) bad(`.${name} must be an object with one of equals, in, range`);
    const ops = Object.keys(cond as object);
    if (ops.length !== 1 || !['equals', 'in', 'range'].includes(ops[0]!)) {
      bad(`.${name} must have exactly one of equals, in, range; got ${ops.length ? ops.join(', ') : 'nothing'}`);
    }
    const op = ops[0]!;
    const raw = (cond as Record<string, unknown>)[op];
    if (op === 'equals') {
      if (raw === null) conditions.push({ column, op: 'isNull' });
      else conditions.push({ column, op: 'equals', value: scalarFor(column, raw, `.${name}.equals`, bad) });
    } else if (op === 'in') {
      if (!Array.isArray(raw)) bad(`.${name}.in must be an array`);
      const values = (raw as unknown[]).map((v, i) => scalarFor(column, v, `.${name}.in[${i}]`, bad));
      conditions.push({ column, op: 'in', values: [...new Set(values)] });
    } else {
      if (column.kind !== 'number') bad(`.${name}.range needs a numeric column; ${name} holds strings (use equals or in)`);
      if (!isPlainObject(raw)) bad(`.${name}.range must be an object with gte, gt, lte or lt`);
      const r = raw as Record<string, unknown>;
      const unknown = Object.keys(r).filter((k) => !(RANGE_KEYS as readonly string[]).includes(k));
      if (unknown.length) bad(`.${name}.range has unknown bound(s) ${unknown.join(', ')}; use gte, gt, lte, lt`);
      const present = RANGE_KEYS.filter((k) => r[k] !== undefined);
      if (present.length === 0) bad(`.${name}.range needs at least one of gte, gt, lte, lt`);
      const out: { column: ColumnSpec; op: 'range'; gte?: number; gt?: number; lte?: number; lt?: number } = { column, op: 'range' };
      for (const k of present) {
        const v = r[k];
        if (typeof v !== 'number' || !Number.isFinite(v)) bad(`.${name}.range.${k} must be a finite number`);
        out[k] = v as number;
      }
      conditions.push(out);
    }
  }
  const columns = [...new Map(conditions.map((c) => [c.column.name, c.column])).values()];
  return { conditions, columns };
}

/** A value compared with a column: numbers for numeric columns; strings (or numbers, as SQLite's text affinity would) for string columns. */
function scalarFor(column: ColumnSpec, v: unknown, at: string, bad: (msg: string) => never): string | number {
  if (column.kind === 'number') {
    if (typeof v !== 'number' || !Number.isFinite(v)) return bad(`${at} must be a finite number (${column.name} is numeric); got ${JSON.stringify(v) ?? String(v)}`);
    return v;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return bad(`${at} must be a string (${column.name} holds strings); got ${JSON.stringify(v) ?? String(v)}`);
}

/** SQL expression reading a column (extra columns come out of extra_json). */
export function columnSql(column: ColumnSpec): string {
  if (!column.extra) return `"${column.name}"`;
  // The name is one of the dataset's own extra columns; quoted as a JSON path inside a SQL literal.
  if (/["\\]/.test(column.name)) {
    throw new HarnessError('unsupported-column', `extra column ${JSON.stringify(column.name)} contains a quote or backslash and cannot be read by path`);
  }
  return `json_extract(extra_json, '$."${column.name.replace(/'/g, "''")}"')`;
}

/** ` AND …` fragment with its parameters (empty when there is no filter). */
export function whereToSql(where: CompiledWhere | undefined): { sql: string; params: (string | number)[] } {
  if (!where) return { sql: '', params: [] };
  const parts: string[] = [];
  const params: (string | number)[] = [];
  for (const c of where.conditions) {
    const col = columnSql(c.column);
    switch (c.op) {
      case 'isNull':
        parts.push(`${col} IS NULL`);
        break;
      case 'equals':
        parts.push(`${col} = ?`);
        params.push(c.value);
        break;
      case 'in':
        if (c.values.length === 0) parts.push('0');
        else {
          parts.push(`${col} IN (${c.values.map(() => '?').join(', ')})`);
          params.push(...c.values);
        }
        break;
      case 'range':
        if (c.gte !== undefined) (parts.push(`${col} >= ?`), params.push(c.gte));
        if (c.gt !== undefined) (parts.push(`${col} > ?`), params.push(c.gt));
        if (c.lte !== undefined) (parts.push(`${col} <= ?`), params.push(c.lte));
        if (c.lt !== undefined) (parts.push(`${col} < ?`), params.push(c.lt));
        break;
    }
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
}

export type ColumnValues = Float64Array | readonly (string | null)[];

/**
 * Indices (ascending) of the rows of a decoded chunk that satisfy every condition.
 * `values(name)` returns the chunk's decoded column.
 */
export function selectRows(where: CompiledWhere, length: number, values: (name: string) => ColumnValues): Uint32Array {
  let selected = new Uint32Array(length);
  for (let i = 0; i < length; i++) selected[i] = i;
  let n = length;
  for (const c of where.conditions) {
    const col = values(c.column.name);
    const test = rowTest(c, col);
    let m = 0;
    for (let k = 0; k < n; k++) {
      const i = selected[k]!;
      if (test(i)) selected[m++] = i;
    }
    n = m;
    if (n === 0) break;
  }
  return selected.subarray(0, n);
}

function rowTest(c: NormalizedCondition, col: ColumnValues): (i: number) => boolean {
  if (col instanceof Float64Array) {
    switch (c.op) {
      case 'isNull':
        return (i) => Number.isNaN(col[i]!);
      case 'equals': {
        const v = c.value;
        return (i) => col[i] === v;
      }
      case 'in': {
        const set = new Set(c.values);
        return (i) => set.has(col[i]!);
      }
      case 'range': {
        const lo = c.gte ?? -Infinity;
        const loX = c.gt ?? -Infinity;
        const hi = c.lte ?? Infinity;
        const hiX = c.lt ?? Infinity;
        // NaN (null) fails every comparison, as NULL does in SQL.
        return (i) => {
          const v = col[i]!;
          return v >= lo && v > loX && v <= hi && v < hiX;
        };
      }
    }
  }
  const strings = col as readonly (string | null)[];
  switch (c.op) {
    case 'isNull':
      return (i) => strings[i] === null;
    case 'equals': {
      const v = c.value;
      return (i) => strings[i] === v;
    }
    case 'in': {
      const set = new Set<unknown>(c.values);
      return (i) => strings[i] !== null && set.has(strings[i]);
    }
    case 'range':
      return () => false; // rejected at compile time for string columns
  }
}
