/**
 * Plugins layer — public face: the SDK (definePlugin + types), discovery of built-in and
 * configured plugins, and the sandboxed runner.
 */
export * from './types.ts';
export { definePlugin, definitionProblems, apiVersionProblems, PLUGIN_ID_PATTERN } from './sdk.ts';
export {
  discoverPlugins,
  pluginSources,
  pluginFilesIn,
  describeSources,
  buildRegistry,
  manifestProblems,
  topologicalOrder,
  selectPlugins,
  BUILTIN_DIR,
  type DiscoveredPlugin,
  type DiscoveryOptions,
  type PluginOrigin,
  type PluginSource,
} from './discovery.ts';
export { runPlugins, interpretOutcome, resultProblems, errorResult, defaultJobs, EXIT_REASONS, type ExecutionRecord, type ExitReason, type RunPluginsOptions, type RunnerDataset, type SqlSession } from './runner.ts';
export { sandboxArgs, harnessReadPaths, HARNESS_ROOT } from './sandbox.ts';
export { killAllWorkers, type SqlHandler } from './process.ts';
export type { ParentMessage as SqlReply, ChildMessage } from './protocol.ts';
export { createSqlService, type SqlService } from './sql-service.ts';
export { harnessRuntimeSha256, moduleGraph, moduleGraphSha256 } from './code-hash.ts';
