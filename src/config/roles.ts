/** Canonical column roles of a job-queue log (DESIGN.md "The dataset"). */
export const CANONICAL_ROLES = [
  'process_queue_id',
  'process_id',
  'status',
  'local_machine_id',
  'assigned_machine_id',
  'queue_dt',
  'start_dt',
  'end_dt',
  'params',
  'user_id',
  'master_id',
  'parent_id',
  'dep_id',
  'schedule_id',
] as const;
export type CanonicalRole = (typeof CANONICAL_ROLES)[number];

/** Roles an ingest refuses to go without. */
export const REQUIRED_ROLES: readonly CanonicalRole[] = ['process_queue_id', 'process_id', 'queue_dt', 'start_dt', 'end_dt'];

/** Timestamp roles (stored as epoch ms, UTC). */
export const TIME_ROLES: readonly CanonicalRole[] = ['queue_dt', 'start_dt', 'end_dt'];

/** The ERP export's own column names, recognized without any --map. */
export const ERP_COLUMN_NAMES: Readonly<Record<string, CanonicalRole>> = {
  PROCESS_QUEUE_ID: 'process_queue_id',
  PROCESS_ID: 'process_id',
  STATUS_CD: 'status',
  LOCAL_MACHINE_ID: 'local_machine_id',
  ASSIGNED_MACHINE_ID: 'assigned_machine_id',
  QUEUE_DT: 'queue_dt',
  START_DT: 'start_dt',
  END_DT: 'end_dt',
  PARAM_DESCR_LIST: 'params',
  USER_ID: 'user_id',
  MASTER_PROCESS_QUEUE_ID: 'master_id',
  PARENT_PROCESS_QUEUE_ID: 'parent_id',
  DEP_PROCESS_QUEUE_ID: 'dep_id',
  SCHEDULE_ID: 'schedule_id',
};
