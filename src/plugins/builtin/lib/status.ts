/**
 * Status vocabulary of job-queue logs. Schedulers spell failure many ways (ERROR, FAILED,
 * ABEND, "Error", E); the built-ins recognise them case-insensitively so a plugin never
 * counts a failure as a success because of spelling.
 */
const FAILURE_STATUSES = new Set(['ERROR', 'ERR', 'E', 'FAILED', 'FAIL', 'FAILURE', 'ABEND', 'ABENDED', 'ABORTED', 'ABORT', 'CRASHED', 'TIMEOUT', 'TIMED_OUT', 'TIMEDOUT', 'KILLED', 'NODE_FAIL', 'OUT_OF_MEMORY', 'OOM']);
const CANCELLED_STATUSES = new Set(['CANCELLED', 'CANCELED', 'CANCEL', 'DELETED', 'WITHDRAWN', 'SKIPPED']);

function norm(status: string | null | undefined): string {
  return (status ?? '').trim().toUpperCase().replace(/[\s-]+/g, '_');
}

// A log has a handful of distinct status values: classify each once, not once per row.
const MEMO_CAP = 10_000;
const failureMemo = new Map<string, boolean>();
const cancelledMemo = new Map<string, boolean>();

function memo(cache: Map<string, boolean>, set: ReadonlySet<string>, status: string | null | undefined): boolean {
  if (status == null) return false;
  let v = cache.get(status);
  if (v === undefined) {
    v = set.has(norm(status));
    if (cache.size < MEMO_CAP) cache.set(status, v);
  }
  return v;
}

export function isFailureStatus(status: string | null | undefined): boolean {
  return memo(failureMemo, FAILURE_STATUSES, status);
}

export function isCancelledStatus(status: string | null | undefined): boolean {
  return memo(cancelledMemo, CANCELLED_STATUSES, status);
}

/** The failure spellings recognised (for documentation and messages). */
export const FAILURE_STATUS_NAMES: readonly string[] = [...FAILURE_STATUSES].sort();
