/**
 * The plugin runner: every plugin in its own sandboxed process, at most `jobs` at a time, a
 * plugin starting once all its dependencies have finished. Whatever a plugin does — throw,
 * reject, hang, exhaust memory, exit, die, flood stdout, return garbage — ends as one
 * ExecutionRecord with status `error` and a reason; the other plugins are unaffected.
 * Reasons are deterministic (no timings or RSS figures) because they appear in reports.
 */
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describeSchemaErrors, schemaValidator } from '../common/schema.ts';
import { emptyTelemetry, type AccessTelemetry, type DatasetInfo } from '../dataset/types.ts';
import type { DiscoveredPlugin } from './discovery.ts';
import { MAX_MESSAGE_MB, type WorkerTask } from './protocol.ts';
import { OUTPUT_FLOOD_BYTES, runWorker, type SqlHandler, type WorkerOutcome } from './process.ts';
import type { PluginManifest, PluginResult } from './types.ts';

export const EXIT_REASONS = [
  'completed',
  'plugin_error',
  'load_error',
  'invalid_result',
  'timeout',
  'memory_cap',
  'output_flood',
  'process_exit',
  'unsettled',
  'signal',
  'no_result',
  'dependency_failed',
] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

export interface ExecutionRecord {
  plugin: DiscoveredPlugin;
  /** The validated result, or an error result carrying the reason. */
  result: PluginResult;
  exitReason: ExitReason;
  telemetry: AccessTelemetry;
  /** Peak RSS of the plugin's process (VmHWM / getrusage maxRSS). */
  peakRssBytes: number;
  /** Peak RSS above the process's RSS just before run() (0 when unknown). */
  pluginRssBytes: number;
  wallMs: number;
  cpuMs: number;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  logs: { level: 'info' | 'warn'; message: string }[];
}

export interface RunnerDataset {
  arrowPath: string;
  info: DatasetInfo;
  streamingStrict: boolean;
  /** Plugin ids allowlisted for an unbounded load() in strict mode. */
  unboundedAllowlist: readonly string[];
}

export interface RunPluginsOptions {
  /** In dependency order (discovery's topological order); dependencies must be included. */
  plugins: readonly DiscoveredPlugin[];
  dataset: RunnerDataset | null;
  seed: number;
  config: { largeRows: number; timezone: string; closeWindow: { startDay: number; endDay: number } };
  pluginConfig?: Readonly<Record<string, Record<string, unknown>>>;
  /** Each plugin writes to <artifactsRoot>/<plugin id>/. */
  artifactsRoot: string;
  jobs?: number;
  timeoutMs: number;
  memoryMb: number;
  /**
   * SQL for `ctx.dataset.sql()`: a fresh service per plugin execution (started on first use,
   * closed when the plugin ends), so one plugin's slow statement never eats another's time.
   */
  sql?: () => SqlSession;
  onStart?: (pluginId: string) => void;
  onFinish?: (record: ExecutionRecord) => void;
}

export interface SqlSession {
  handle: SqlHandler;
  close(): void;
}

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

export function errorResult(reason: string): PluginResult {
  return { status: 'error', summary: '', metrics: {}, findings: [], recommendations: [], reason };
}

/** Run the plugins; resolves when all have finished (never rejects for a plugin's fault). */
export async function runPlugins(options: RunPluginsOptions): Promise<ExecutionRecord[]> {
  const jobs = Math.max(1, options.jobs ?? defaultJobs());
  const byId = new Map(options.plugins.map((p) => [p.manifest.id, p]));
  const records = new Map<string, ExecutionRecord>();
  const waiting = [...options.plugins];
  let running = 0;

  return new Promise((resolve, reject) => {
    const pump = (): void => {
      for (let i = 0; i < waiting.length && running < jobs; ) {
        const plugin = waiting[i]!;
        const deps = plugin.manifest.dependsOn ?? [];
        const missing = deps.filter((d) => !byId.has(d));
        if (missing.length > 0) {
          reject(new Error(`internal: ${plugin.manifest.id} depends on ${missing.join(', ')}, which is not in the plugin set`));
          return;
        }
        if (!deps.every((d) => records.has(d))) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        const failed = deps.filter((d) => records.get(d)!.result.status === 'error');
        if (failed.length > 0) {
          finish(skippedRecord(plugin, failed));
          continue;
        }
        running++;
        options.onStart?.(plugin.manifest.id);
        const dependencies: Record<string, PluginResult> = {};
        for (const d of deps) dependencies[d] = records.get(d)!.result;
        executePlugin(plugin, dependencies, options).then(
          (record) => {
            running--;
            finish(record);
          },
          (err: unknown) => reject(err),
        );
      }
      if (waiting.length === 0 && running === 0) resolve(options.plugins.map((p) => records.get(p.manifest.id)!));
    };
    const finish = (record: ExecutionRecord): void => {
      records.set(record.plugin.manifest.id, record);
      options.onFinish?.(record);
      queueMicrotask(pump);
    };
    pump();
  });
}

function skippedRecord(plugin: DiscoveredPlugin, failedDeps: string[]): ExecutionRecord {
  const reason = `not run: its dependenc${failedDeps.length > 1 ? 'ies' : 'y'} ${failedDeps.join(', ')} ended with status error`;
  return {
    plugin,
    result: { ...errorResult(reason), status: 'skipped' },
    exitReason: 'dependency_failed',
    telemetry: emptyTelemetry(),
    peakRssBytes: 0,
    pluginRssBytes: 0,
    wallMs: 0,
    cpuMs: 0,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    logs: [],
  };
}

async function executePlugin(plugin: DiscoveredPlugin, dependencies: Record<string, PluginResult>, options: RunPluginsOptions): Promise<ExecutionRecord> {
  const artifacts = join(options.artifactsRoot, plugin.manifest.id);
  // A reused --out must not mix a previous execution's files into this one's artifacts.
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const artifactsReal = realpathSync(artifacts);
  const spec: WorkerTask = {
    mode: 'run',
    file: plugin.file,
    pluginId: plugin.manifest.id,
    artifacts: artifactsReal,
    seed: options.seed,
    config: { ...options.config, plugin: { ...(options.pluginConfig?.[plugin.manifest.id] ?? {}) } },
    dependencies,
    dataset: options.dataset
      ? {
          arrowPath: options.dataset.arrowPath,
          info: options.dataset.info,
          streamingStrict: options.dataset.streamingStrict,
          allowUnboundedLoad: options.dataset.unboundedAllowlist.includes(plugin.manifest.id),
        }
      : null,
  };
  const read = [...plugin.readRoots, ...(options.dataset ? [options.dataset.arrowPath] : [])];
  const sql = options.sql?.();
  try {
    const outcome = await runWorker(spec, { read, write: [artifactsReal], memoryMb: options.memoryMb }, { timeoutMs: options.timeoutMs, memoryMb: options.memoryMb }, sql?.handle);
    return interpretOutcome(plugin, outcome, options);
  } finally {
    sql?.close();
  }
}

/** What a finished process means for the plugin (exported for unit tests). */
export function interpretOutcome(plugin: DiscoveredPlugin, outcome: WorkerOutcome, limits: { timeoutMs: number; memoryMb: number }): ExecutionRecord {
  const t = outcome.terminal;
  const usage = t && (t.type === 'result' || t.type === 'failed') ? t.usage : undefined;
  const peak = Math.max(outcome.peakRssBytes, usage?.maxRssBytes ?? 0);
  const base: Omit<ExecutionRecord, 'result' | 'exitReason'> = {
    plugin,
    telemetry: (t && (t.type === 'result' || t.type === 'failed') ? t.telemetry : undefined) ?? emptyTelemetry(),
    peakRssBytes: peak,
    pluginRssBytes: usage && usage.baselineRssBytes > 0 ? Math.max(0, peak - usage.baselineRssBytes) : 0,
    wallMs: outcome.wallMs,
    cpuMs: Math.max(outcome.cpuMs, usage?.cpuMs ?? 0),
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    logs: outcome.logs,
  };
  const fail = (exitReason: ExitReason, reason: string): ExecutionRecord => ({ ...base, exitReason, result: errorResult(reason) });

  if (outcome.killedFor === 'timeout') return fail('timeout', `timed out: no result within the ${limits.timeoutMs} ms limit (plugins.timeoutMs); the process was killed`);
  if (outcome.killedFor === 'memory') return fail('memory_cap', `exceeded the memory cap of ${limits.memoryMb} MB (plugins.memoryMb); the process was killed`);
  if (outcome.killedFor === 'oversized') {
    return fail(
      'invalid_result',
      `sent a protocol message larger than ${MAX_MESSAGE_MB} MB (the runner's message limit: a result or sql() request that big, or bytes written to the runner's pipe); the process was stopped. Keep messages small and write bulky output to ctx.artifacts`,
    );
  }
  if (outcome.killedFor === 'output') {
    return fail('output_flood', `flooded stdout/stderr (more than ${Math.round(OUTPUT_FLOOD_BYTES / 1024 / 1024)} MB); the process was killed. Use ctx.log or ctx.artifacts for output`);
  }
  if (t?.type === 'result') {
    const problems = resultProblems(t.result);
    if (problems.length > 0) return fail('invalid_result', `the result does not match schemas/plugin-result.schema.json: ${problems.join('; ')}`);
    return { ...base, exitReason: 'completed', result: t.result as PluginResult };
  }
  if (t?.type === 'failed') {
    const reason = t.phase === 'result' ? 'invalid_result' : t.phase === 'load' ? 'load_error' : 'plugin_error';
    return fail(reason, t.reason);
  }
  if (t?.type === 'exit-called') return fail('process_exit', `called process.exit(${t.code ?? ''}) before returning a result; return the result from run() instead`);
  if (t?.type === 'unsettled') return fail('unsettled', "run()'s promise never settled: the event loop emptied with the result still pending");
  if (/heap out of memory|Allocation failed/i.test(outcome.stderr)) {
    return fail('memory_cap', `ran out of JavaScript heap under the memory cap of ${limits.memoryMb} MB (plugins.memoryMb)`);
  }
  if (outcome.signal !== null) return fail('signal', `the process died from signal ${outcome.signal} before returning a result`);
  return fail('no_result', `the process exited with code ${outcome.exitCode} without returning a result${stderrHint(outcome.stderr)}`);
}

function stderrHint(stderr: string): string {
  const line = stderr.split('\n').find((l) => /error/i.test(l));
  return line ? ` (stderr: ${line.trim().slice(0, 200)})` : '';
}

/** Schema problems of a plugin's result, one sentence each. */
export function resultProblems(result: unknown): string[] {
  const validate = schemaValidator('plugin-result.schema.json');
  if (validate(result)) return [];
  return describeSchemaErrors(validate.errors ?? []).map((p) => p.message).slice(0, 5);
}

export type { PluginManifest };
