/**
 * Runs layer — public face: the runs store (schema, migrations, queries), run execution,
 * the report input of a run, and novelty reference-run selection.
 */
export { RUNS_MIGRATIONS, migrateRuns } from './schema.ts';
export {
  prepareRunsStore,
  insertRun,
  insertExecution,
  finishRun,
  setRunOutDir,
  listRuns,
  getRun,
  assertRunCompleted,
  staleRunFailure,
  processAlive,
  type LivenessProbe,
  getExecutions,
  loadReportInput,
  manifestPlugins,
  runSignatures,
  selectReferenceRun,
  hashOfSorted,
  type ExecutionRow,
  type NewRun,
  type ReferenceSelection,
  type RunRow,
  type RunStatus,
} from './store.ts';
export { executeRun, applyContract, codeHash, hashedConfig, type ExecuteRunOptions, type ExecutedRun } from './execute.ts';
