/**
 * Dataset layer — public face. Ingest a job-queue log into the store, describe it, export it,
 * synthesize logs with planted patterns, and hand plugins a metered accessor.
 */
export * from './types.ts';
export * from './store.ts';
// ingest, info, export, synth and the accessors are exported below as they land.
