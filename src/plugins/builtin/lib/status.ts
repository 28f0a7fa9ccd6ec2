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

export function isFailureStatus(status: string | null | undefined): boolean {
  return FAILURE_STATUSES.has(norm(status));
}

export function isCancelledStatus(status: string | null | undefined): boolean {
  return CANCELLED_STATUSES.has(norm(status));
}

/** The failure spellings recognised (for documentation and messages). */
export const FAILURE_STATUS_NAMES: readonly string[] = [...FAILURE_STATUSES].sort();
