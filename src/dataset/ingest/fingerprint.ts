/**
 * Dataset fingerprint: sha256 over the normalized content in process_queue_id order.
 *
 * Input: a domain tag, then every row's content — the 14 role values (times as epoch ms)
 * and extra_json, as a JSON array — comma-separated, rows ordered by process_queue_id
 * (BINARY collation; queue ids are unique within a dataset). Row ids, source lines and the
 * source's column order, row order, format and time zone notation do not enter, so the same
 * data re-exported (csv, jsonl, arrow) is the same dataset.
 *
 * Computed after the bulk load from the table itself, walking the unique queue-id index the
 * ingest builds anyway, with one streaming hash fed in batches: measured cheaper than hashing
 * every row on the way in (one crypto call per row) and combining the digests.
 */
import { createHash } from 'node:crypto';
import { CANONICAL_ROLES } from '../../config/roles.ts';
import { jobsTable, type Db } from '../store.ts';

export const FINGERPRINT_DOMAIN = 'stat-harness.dataset.v1\n';
const BATCH = 4096;

export function datasetFingerprint(db: Db, datasetId: number): string {
  const stmt = db.prepare(`SELECT ${CANONICAL_ROLES.join(', ')}, extra_json FROM ${jobsTable(datasetId)} ORDER BY process_queue_id`).raw(true);
  const h = createHash('sha256').update(FINGERPRINT_DOMAIN);
  let batch: unknown[][] = [];
  let first = true;
  const flush = (): void => {
    // "[r1,r2,…]" minus the brackets: the hashed text does not depend on the batch size.
    const text = JSON.stringify(batch);
    h.update(first ? text.slice(1, -1) : `,${text.slice(1, -1)}`);
    first = false;
    batch = [];
  };
  for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
    batch.push(row);
    if (batch.length === BATCH) flush();
  }
  if (batch.length > 0) flush();
  return h.digest('hex');
}
