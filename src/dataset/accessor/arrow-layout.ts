/**
 * The internal Arrow file layout "1" (contract between the ingest, which writes the file, and
 * the Arrow accessor, which reads it): one field per JOB_COLUMNS entry, same names and order;
 * integer/time columns Float64 (NaN for null), `params` and `extra_json` Utf8, every other
 * string column Dictionary<Utf8, Int32>; record batches of 65,536 rows in row_id order.
 */
import { INTEGER_JOB_COLUMNS, JOB_COLUMNS } from '../store.ts';

export const ARROW_LAYOUT_VERSION = '1';
export const ARROW_BATCH_ROWS = 65_536;
export const ARROW_META = {
  fingerprint: 'stat-harness.fingerprint',
  datasetId: 'stat-harness.dataset_id',
  rowCount: 'stat-harness.row_count',
  layout: 'stat-harness.layout',
} as const;

export type ArrowFieldKind = 'f64' | 'utf8' | 'dict';

export function expectedArrowFields(): { name: string; kind: ArrowFieldKind }[] {
  return JOB_COLUMNS.map((name) => ({
    name,
    kind: INTEGER_JOB_COLUMNS.has(name) ? 'f64' : name === 'params' || name === 'extra_json' ? 'utf8' : 'dict',
  }));
}
