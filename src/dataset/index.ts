/**
 * Dataset layer — public face. Ingest a job-queue log into the store, describe it, export it,
 * synthesize logs with planted patterns, and hand plugins a metered accessor.
 */
export * from './types.ts';
export * from './store.ts';
// ingest, info, export, synth and the accessors are exported below as they land.
export * from './ingest/index.ts';
export { datasetArrowPath, ensureDatasetArrowFile, isCompleteArrowFile } from './arrow-file.ts';
export { exportDataset, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult } from './export.ts';
export * from './accessor.ts';
export { ARROW_BATCH_ROWS, ARROW_LAYOUT_VERSION, ARROW_META, expectedArrowFields, type ArrowFieldKind } from './accessor/arrow-layout.ts';
export * from './close-window.ts';
export * from './info.ts';
export { synthesizeLog, parseSynthInteger, SYNTH_COLUMNS, SYNTH_MIN_ROWS, SYNTH_MAX_ROWS, type SynthOptions, type SynthResult, type SynthTruth, type BatchInputClusterTruth } from './synth.ts';
export { classifyStatement, openSqlGuard, DEFAULT_SQL_MAX_ROWS, DEFAULT_SQL_TIMEOUT_MS, type SqlGuard, type SqlGuardOptions } from './sql-guard.ts';
export { createRng, type Rng } from './synth/prng.ts';
