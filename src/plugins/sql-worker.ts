/**
 * The read-only SQL process behind `ctx.dataset.sql()` of sandboxed plugins. Neither SQLite
 * binding can interrupt a running statement in-process, so statements run here, where the
 * runner can kill the whole process at the time bound. Requests arrive over the IPC channel;
 * every statement goes through the dataset layer's guard (read-only connection, query_only,
 * statement classification, row cap).
 */
import { openSqlGuard } from '../dataset/index.ts';
import type { SqlOptions } from '../dataset/types.ts';
import { MAX_MESSAGE_BYTES, MAX_MESSAGE_MB } from './protocol.ts';

export interface SqlRequest {
  id: number;
  storePath: string;
  datasetId: number;
  query: string;
  params: unknown;
  options: SqlOptions;
}

/** A result travels serialized: the runner forwards the text to the plugin without parsing it. */
export type SqlResponse = { id: number; ok: true; resultJson: string } | { id: number; ok: false; error: string };

/** Room left in a plugin-bound message for its envelope. */
const MAX_RESULT_BYTES = MAX_MESSAGE_BYTES - 1024;

const guards = new Map<string, ReturnType<typeof openSqlGuard>>();

process.on('message', (raw: unknown) => {
  const req = raw as SqlRequest;
  let reply: SqlResponse;
  try {
    const key = `${req.storePath}\u0000${req.datasetId}`;
    let guard = guards.get(key);
    if (!guard) {
      guard = openSqlGuard({ storePath: req.storePath, datasetId: req.datasetId });
      guards.set(key, guard);
    }
    const params = req.params === null ? undefined : (req.params as readonly unknown[]);
    const result = guard.query(req.query, params, req.options);
    const resultJson = JSON.stringify(result);
    reply =
      Buffer.byteLength(resultJson, 'utf8') > MAX_RESULT_BYTES
        ? { id: req.id, ok: false, error: `sql() returned more than ${MAX_MESSAGE_MB} MB (${result.rows.length} rows); lower maxRows, select fewer columns or aggregate in SQL` }
        : { id: req.id, ok: true, resultJson };
  } catch (err) {
    const e = err as Error & { hint?: string };
    reply = { id: req.id, ok: false, error: e.hint ? `${e.message} (${e.hint})` : e.message };
  }
  process.send!(reply);
});
process.on('disconnect', () => process.exit(0));
// Start-up (loading the dataset layer) must not count against a statement's time bound.
process.send!({ ready: true });
