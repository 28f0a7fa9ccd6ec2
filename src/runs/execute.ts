/**
 * One analysis run end to end, minus the reports: record the run, run the plugins in their
 * sandboxes (SQL proxied to a killable read-only process), apply the insight contract to
 * each result, persist every execution as it finishes, and close the run record.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex, stableStringify } from '../common/hash.ts';
import type { HarnessConfig } from '../config/index.ts';
import type { DatasetInfo, Db } from '../dataset/index.ts';
import { checkInsightContract, formatContractViolation } from '../insights/index.ts';
import { createSqlService, errorResult, harnessRuntimeSha256, runPlugins, type DiscoveredPlugin, type ExecutionRecord } from '../plugins/index.ts';
import { finishRun, hashOfSorted, insertExecution, insertRun, prepareRunsStore, setRunOutDir } from './store.ts';

export interface ExecuteRunOptions {
  db: Db;
  storePath: string;
  datasetId: number;
  dataset: DatasetInfo;
  /** The dataset's Arrow file (dataset layer ensureDatasetArrowFile). */
  arrowPath: string;
  /** Dependency-ordered plugin set (discovery + selection). */
  plugins: readonly DiscoveredPlugin[];
  seed: number;
  knownIssuesMode: 'on' | 'off';
  config: HarnessConfig;
  harnessVersion: string;
  jobs?: number;
  /** Where this run's reports and plugin artifacts go, given its id. */
  outDir: (runId: number) => string;
  /** Plugin ids allowlisted for unbounded load() in strict streaming mode. */
  unboundedAllowlist?: readonly string[];
  /** Called once the run row exists (e.g. to mark it failed if the process is interrupted). */
  onRunCreated?: (runId: number) => void;
  onStart?: (pluginId: string) => void;
  onFinish?: (record: ExecutionRecord, contractViolations: readonly string[]) => void;
  now?: () => Date;
}

export interface ExecutedRun {
  runId: number;
  outDir: string;
  records: ExecutionRecord[];
}

/** The config values that can change what plugins compute (paths and env excluded). */
export function hashedConfig(config: HarnessConfig): Record<string, unknown> {
  return { largeRows: config.largeRows, timezone: config.timezone, closeWindow: config.closeWindow, plugins: { timeoutMs: config.plugins.timeoutMs, memoryMb: config.plugins.memoryMb } };
}

/**
 * Code identity of a plugin set: harness version, the harness runtime code plugins execute, and
 * every plugin's id, version and module-graph hash (a changed helper module is a code change).
 */
export function codeHash(plugins: readonly DiscoveredPlugin[], harnessVersion: string, runtimeSha256: string = harnessRuntimeSha256()): string {
  return sha256Hex(
    stableStringify({ harness: harnessVersion, runtime: runtimeSha256, plugins: plugins.map((p) => [p.manifest.id, p.manifest.version, p.codeSha256]).sort() }),
  );
}

export async function executeRun(options: ExecuteRunOptions): Promise<ExecutedRun> {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  prepareRunsStore(db);
  const config = hashedConfig(options.config);
  const runId = insertRun(db, {
    datasetId: options.datasetId,
    dataset: options.dataset,
    seed: options.seed,
    pluginIds: options.plugins.map((p) => p.manifest.id),
    pluginIdsHash: hashOfSorted(options.plugins.map((p) => p.manifest.id)),
    pluginSetHash: hashOfSorted(options.plugins.map((p) => `${p.manifest.id}@${p.manifest.version}`)),
    codeHash: codeHash(options.plugins, options.harnessVersion),
    configHash: sha256Hex(stableStringify(config)),
    config,
    knownIssuesMode: options.knownIssuesMode,
    harnessVersion: options.harnessVersion,
    startedAt: now().toISOString(),
  });
  options.onRunCreated?.(runId);
  const outDir = options.outDir(runId);
  mkdirSync(outDir, { recursive: true });
  setRunOutDir(db, runId, outDir);
  try {
    const records = await runPlugins({
      plugins: options.plugins,
      dataset: {
        arrowPath: options.arrowPath,
        info: options.dataset,
        streamingStrict: options.config.env.streamingPolicyStrict ?? false,
        unboundedAllowlist: options.unboundedAllowlist ?? [],
      },
      seed: options.seed,
      config: { largeRows: options.config.largeRows, timezone: options.config.timezone, closeWindow: options.config.closeWindow },
      artifactsRoot: join(outDir, 'artifacts'),
      ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
      timeoutMs: options.config.plugins.timeoutMs,
      memoryMb: options.config.plugins.memoryMb,
      sql: () => createSqlService(options.storePath, options.datasetId, { memoryMb: options.config.plugins.memoryMb, maxTimeoutMs: options.config.plugins.timeoutMs }),
      ...(options.onStart ? { onStart: options.onStart } : {}),
      onFinish: (record) => {
        const violations = applyContract(record);
        insertExecution(db, runId, record, violations);
        options.onFinish?.(record, violations);
      },
    });
    finishRun(db, runId, 'completed', now().toISOString());
    return { runId, outDir, records };
  } catch (err) {
    finishRun(db, runId, 'failed', now().toISOString(), (err as Error).message);
    throw err;
  }
}

/**
 * The insight contract on one result (the runner already guaranteed its JSON shape). The
 * result is kept as the plugin returned it; violations travel beside it, and reports show
 * only compliant recommendations.
 */
export function applyContract(record: ExecutionRecord): string[] {
  if (record.exitReason !== 'completed') return [];
  try {
    return checkInsightContract(record.plugin.manifest.id, record.result).map(formatContractViolation);
  } catch (err) {
    // A contract checker crash must not lose the run: record it as the plugin's error.
    record.result = errorResult(`insight contract check failed: ${(err as Error).message}`);
    return [];
  }
}
