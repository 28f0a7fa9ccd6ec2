/**
 * The internal Arrow file layout "2" (contract between the ingest, which writes the file, and
 * the Arrow accessor, which reads it): one field per JOB_COLUMNS entry, same names and order;
 * integer/time columns Float64 (NaN for null); `params`, `extra_json` and the queue-id columns
 * Utf8; every other (low-cardinality) string column Dictionary<Utf8, Int32>; record batches of
 * 65,536 rows in row_id order.
 *
 * Layout 1 dictionary-encoded the queue ids too: one entry per row in an ever-growing shared
 * dictionary, which made a full Arrow pass grow 2.08× in peak RSS from 1M to 5M rows (1.17×
 * with the ids as plain Utf8, bench/accessor.bench.ts).
 */
import { INTEGER_JOB_COLUMNS, JOB_COLUMNS } from '../store.ts';

export const ARROW_LAYOUT_VERSION = '2';
export const ARROW_BATCH_ROWS = 65_536;
export const ARROW_META = {
  fingerprint: 'stat-harness.fingerprint',
  datasetId: 'stat-harness.dataset_id',
  rowCount: 'stat-harness.row_count',
  layout: 'stat-harness.layout',
} as const;

export type ArrowFieldKind = 'f64' | 'utf8' | 'dict';

/** String columns written as plain Utf8: free text, and ids that are (nearly) unique per row. */
export const UTF8_ARROW_COLUMNS: ReadonlySet<string> = new Set(['params', 'extra_json', 'process_queue_id', 'master_id', 'parent_id', 'dep_id']);

export function expectedArrowFields(): { name: string; kind: ArrowFieldKind }[] {
  return JOB_COLUMNS.map((name) => ({
    name,
    kind: INTEGER_JOB_COLUMNS.has(name) ? 'f64' : UTF8_ARROW_COLUMNS.has(name) ? 'utf8' : 'dict',
  }));
}
