/**
 * The columns an accessor can hand out: every `jobs_<id>` column (JOB_COLUMNS) plus the extra
 * source columns kept by the ingest (stored inside `extra_json`). Both backends resolve a
 * plugin's column list here, so an unknown name fails the same way everywhere.
 */
import { HarnessError } from '../../common/errors.ts';
import { didYouMeanSuffix } from '../../common/suggest.ts';
import { INTEGER_JOB_COLUMNS, JOB_COLUMNS } from '../store.ts';

/** `number` columns arrive as Float64Array (NaN for null), `string` columns as (string | null)[]. */
export type ColumnKind = 'number' | 'string';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** An extra source column, read out of `extra_json`. */
  extra: boolean;
}

export interface DatasetSchema {
  columns: readonly ColumnSpec[];
  byName: ReadonlyMap<string, ColumnSpec>;
}

export function datasetSchema(extraColumns: readonly string[]): DatasetSchema {
  const columns: ColumnSpec[] = JOB_COLUMNS.map((name) => ({ name, kind: INTEGER_JOB_COLUMNS.has(name) ? 'number' : 'string', extra: false }));
  for (const name of extraColumns) {
    // A job column always wins: an extra column cannot shadow a canonical one.
    if ((JOB_COLUMNS as readonly string[]).includes(name)) continue;
    columns.push({ name, kind: 'string', extra: true });
  }
  return { columns, byName: new Map(columns.map((c) => [c.name, c])) };
}

export function resolveColumn(schema: DatasetSchema, name: unknown, pluginId: string, what: string): ColumnSpec {
  if (typeof name !== 'string') {
    throw new HarnessError('invalid-column', `${pluginId}: ${what} must name columns with strings; got ${JSON.stringify(name) ?? String(name)}`);
  }
  const spec = schema.byName.get(name);
  if (!spec) {
    const known = schema.columns.map((c) => c.name);
    throw new HarnessError('unknown-column', `${pluginId}: ${what} names unknown column "${name}"${didYouMeanSuffix(name, known)}`, {
      hint: `available columns: ${known.join(', ')}`,
    });
  }
  return spec;
}

/** Resolve a `columns` option: non-empty, known names, no duplicates (order kept). */
export function resolveColumns(schema: DatasetSchema, columns: unknown, pluginId: string, what: string): ColumnSpec[] {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new HarnessError('invalid-columns', `${pluginId}: ${what} needs a non-empty \`columns\` array`, {
      hint: `for example ${what}({ columns: ['process_id', 'queue_dt'] })`,
    });
  }
  const seen = new Set<string>();
  const out: ColumnSpec[] = [];
  for (const c of columns as unknown[]) {
    const spec = resolveColumn(schema, c, pluginId, what);
    if (seen.has(spec.name)) throw new HarnessError('invalid-columns', `${pluginId}: ${what} lists column "${spec.name}" twice`);
    seen.add(spec.name);
    out.push(spec);
  }
  return out;
}
