/**
 * Public package API: `import { definePlugin } from 'stat-harness'`. Kept light (no native
 * or heavy modules): plugin processes import it inside the sandbox.
 */
export { HarnessError } from './common/errors.ts';
export { definePlugin } from './plugins/sdk.ts';
export { PLUGIN_API_VERSION, PLUGIN_CLASSES, ACCESS_CONTRACTS, RESULT_STATUSES, ACTION_TYPES } from './plugins/types.ts';
export type * from './plugins/types.ts';
export type { ColumnBatch, IterBatchesOptions, LoadOptions, LoadResult, SqlOptions, SqlResult, WhereClause, WhereCondition } from './dataset/types.ts';
/** sequence_id of a batch_group_candidate (the insight contract checks it is exactly this hash). */
// Straight from the contract module: the insights entry also loads YAML and landmark code, which
// every sandboxed plugin process would pay for in start-up time and memory.
export { batchGroupSequenceId } from './insights/contract.ts';
