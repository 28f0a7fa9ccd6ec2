/**
 * The read-only SQL process behind `ctx.dataset.sql()` of sandboxed plugins. Neither SQLite
 * binding can interrupt a running statement in-process, so statements run here, where the
 * runner can kill the whole process at the time bound. Requests arrive over the IPC channel;
 * every statement goes through the dataset layer's guard (read-only connection, query_only,
 * statement classification, row cap).
 */
import { openSqlGuard } from '../dataset/index.ts';
import type { SqlOptions, SqlResult } from '../dataset/types.ts';

export interface SqlRequest {
  id: number;
  storePath: string;
  datasetId: number;
  query: string;
  params: unknown;
  options: SqlOptions;
}

export type SqlResponse = { id: number; ok: true; result: SqlResult } | { id: number; ok: false; error: string };

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
    reply = { id: req.id, ok: true, result: guard.query(req.query, params, req.options) };
  } catch (err) {
    const e = err as Error & { hint?: string };
    reply = { id: req.id, ok: false, error: e.hint ? `${e.message} (${e.hint})` : e.message };
  }
  process.send!(reply);
});
process.on('disconnect', () => process.exit(0));
// Start-up (loading the dataset layer) must not count against a statement's time bound.
process.send!({ ready: true });
