/**
 * What `stat-harness info` and `ctx.dataset.info()` say about one dataset version: size,
 * roles, close months, time range, distinct processes, param keys, large-dataset flag and
 * the data-quality counts the ingest recorded (datasets.quality_json).
 */
import { HarnessError } from '../common/errors.ts';
import { didYouMeanSuffix } from '../common/suggest.ts';
import { CANONICAL_ROLES, type CanonicalRole } from '../config/roles.ts';
import { assertCloseWindow, closeMonthOf, type CloseWindow } from './close-window.ts';
import { jobsTable, paramsTable, type Db } from './store.ts';
import type { DataQuality, DataQualityIssue, DatasetInfo } from './types.ts';

export interface InfoConfig {
  largeRows: number;
  closeWindow: CloseWindow;
}

interface DatasetRow {
  id: number;
  name: string;
  fingerprint: string;
  row_count: number;
  timezone: string;
  mapping_json: string;
  extra_columns_json: string;
  quality_json: string;
}

const QUALITY_KEYS = ['endBeforeStart', 'malformedParams', 'cancelledBeforeStart', 'missingTimestamps'] as const;
/** Every real UTC offset is a multiple of 15 minutes: a close month is constant within such a slot. */
const SLOT_MS = 15 * 60 * 1000;

/** A dataset id from an id or a name (the newest version of that name). */
export function resolveDataset(db: Db, idOrName: string | number): number {
  const text = String(idOrName).trim();
  if (/^\d+$/.test(text)) {
    const row = db.prepare('SELECT id FROM datasets WHERE id = ?').get(Number(text)) as { id: number } | undefined;
    if (row) return row.id;
  }
  const byName = db.prepare('SELECT id FROM datasets WHERE name = ? ORDER BY id DESC LIMIT 1').get(text) as { id: number } | undefined;
  if (byName) return byName.id;
  const known = db.prepare('SELECT id, name, row_count FROM datasets ORDER BY id').all() as { id: number; name: string; row_count: number }[];
  if (known.length === 0) {
    throw new HarnessError('unknown-dataset', `no dataset "${text}": the store holds no datasets yet`, { hint: 'ingest one first: stat-harness ingest <file>' });
  }
  const names = [...new Set(known.map((k) => k.name))];
  throw new HarnessError('unknown-dataset', `no dataset "${text}"${didYouMeanSuffix(text, names)}`, {
    hint: `known datasets: ${known.map((k) => `${k.id} (${k.name}, ${k.row_count} rows)`).join(', ')}`,
  });
}

export function readDatasetInfo(db: Db, datasetId: number, config: InfoConfig): DatasetInfo {
  assertCloseWindow(config.closeWindow);
  const row = db
    .prepare('SELECT id, name, fingerprint, row_count, timezone, mapping_json, extra_columns_json, quality_json FROM datasets WHERE id = ?')
    .get(datasetId) as DatasetRow | undefined;
  if (!row) resolveDataset(db, datasetId); // throws the listing error
  const ds = row!;
  const jobs = jobsTable(ds.id);
  const roles = rolesOf(parseJson(ds.mapping_json, 'mapping_json', ds.id));
  const extraColumns = stringArray(parseJson(ds.extra_columns_json, 'extra_columns_json', ds.id), 'extra_columns_json', ds.id);
  const range = db.prepare(`SELECT min(queue_dt) AS lo, max(queue_dt) AS hi, count(DISTINCT process_id) AS processes FROM ${jobs}`).get() as {
    lo: number | null;
    hi: number | null;
    processes: number;
  };
  const paramKeys = (db.prepare(`SELECT count(DISTINCT key) AS n FROM ${paramsTable(ds.id)}`).get() as { n: number }).n;
  return {
    id: ds.id,
    name: ds.name,
    fingerprint: ds.fingerprint,
    rowCount: ds.row_count,
    columns: [...roles, ...extraColumns],
    roles,
    extraColumns,
    timezone: ds.timezone,
    closeMonths: closeMonthCounts(db, jobs, ds.timezone, config.closeWindow),
    timeRange: { minQueueDt: range.lo, maxQueueDt: range.hi },
    distinctProcesses: range.processes,
    paramKeys,
    largeDataset: ds.row_count > config.largeRows,
    quality: parseQuality(parseJson(ds.quality_json, 'quality_json', ds.id), ds.id),
  };
}

/** Close months with row counts, ascending; rows grouped by 15-minute slot in SQL first, so JS sees thousands of slots, not millions of rows. */
export function closeMonthCounts(db: Db, jobs: string, timeZone: string, window: CloseWindow): { month: string; rows: number }[] {
  const slots = db
    .prepare(
      `SELECT CASE WHEN queue_dt >= 0 THEN queue_dt / ${SLOT_MS} ELSE -((-queue_dt + ${SLOT_MS - 1}) / ${SLOT_MS}) END AS slot, count(*) AS n
       FROM ${jobs} WHERE queue_dt IS NOT NULL GROUP BY slot`,
    )
    .raw(true)
    .all() as [number, number][];
  const counts = new Map<string, number>();
  for (const [slot, n] of slots) {
    const month = closeMonthOf(slot * SLOT_MS, timeZone, window);
    if (month !== null) counts.set(month, (counts.get(month) ?? 0) + n);
  }
  return [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([month, rows]) => ({ month, rows }));
}

function corrupt(datasetId: number, what: string): never {
  throw new HarnessError('store-corrupt', `dataset ${datasetId}: ${what}`, { hint: 're-ingest the dataset, or use a store written by this stat-harness version' });
}

function parseJson(text: string, column: string, datasetId: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return corrupt(datasetId, `datasets.${column} is not valid JSON`);
  }
}

function stringArray(value: unknown, column: string, datasetId: number): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) corrupt(datasetId, `datasets.${column} must be an array of column names`);
  return value as string[];
}

/** Roles the ingest mapped, in canonical order. mapping_json maps source column → role. */
function rolesOf(mapping: unknown): CanonicalRole[] {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) return [];
  const mapped = new Set<string>(Object.values(mapping as Record<string, unknown>).filter((v): v is string => typeof v === 'string'));
  return CANONICAL_ROLES.filter((r) => mapped.has(r));
}

function parseQuality(value: unknown, datasetId: number): DataQuality {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) corrupt(datasetId, 'datasets.quality_json must be an object');
  const q = value as Record<string, unknown>;
  const out = {} as DataQuality;
  for (const key of QUALITY_KEYS) {
    const issue = q[key];
    if (issue === undefined) {
      out[key] = { count: 0, lines: [] };
      continue;
    }
    const i = issue as Partial<DataQualityIssue>;
    if (
      typeof issue !== 'object' ||
      issue === null ||
      !Number.isSafeInteger(i.count) ||
      !Array.isArray(i.lines) ||
      !i.lines.every((l) => Number.isSafeInteger(l))
    ) {
      corrupt(datasetId, `datasets.quality_json.${key} must be { count, lines }`);
    }
    out[key] = { count: i.count!, lines: [...i.lines!] };
  }
  return out;
}
