/**
 * Entry point of a plugin process (spawned by runner.ts / discovery.ts under Node's
 * permission model). Reads its WorkerSpec from fd 4, loads the plugin module, runs it with a
 * metered accessor over the dataset's Arrow file, checks the result is representable as
 * JSON, and sends exactly one terminal message on fd 3. Anything that prevents that message
 * (process.exit in plugin code, a promise that never settles, a crash) is detected here
 * where possible and by the parent otherwise.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { stableStringify } from '../common/hash.ts';
import { emptyTelemetry, type AccessTelemetry, type DatasetAccessor, type SqlResult } from '../dataset/types.ts';
import {
  ChannelClosedError,
  MAX_MESSAGE_BYTES,
  MAX_MESSAGE_MB,
  OversizedLineError,
  PARENT_TO_CHILD_FD,
  readLineSync,
  sendToParent,
  writeAllSync,
  type ChildMessage,
  type DescribedFile,
  type ParentMessage,
  type WorkerSpec,
} from './protocol.ts';
import { definitionProblems } from './sdk.ts';
import type { PluginContext, PluginDefinition, PluginManifest, PluginResult } from './types.ts';

const realExit: (code?: number) => never = process.exit.bind(process) as (code?: number) => never;
let terminalSent = false;
/** The spec's token: module-private, so plugin code importing this module cannot read it. */
let token = '';
const send = (message: ChildMessage): void => sendToParent(message, token);
let baselineRssBytes = 0;
/** Bytes of a result message that are not the result itself (token, telemetry, usage). */
const RESULT_ENVELOPE_BYTES = 64 * 1024;

function usage(): { maxRssBytes: number; cpuMs: number; baselineRssBytes: number } {
  const ru = process.resourceUsage();
  return { maxRssBytes: ru.maxRSS * 1024, cpuMs: Math.round((ru.userCPUTime + ru.systemCPUTime) / 1000), baselineRssBytes };
}

function terminal(message: ChildMessage): never {
  if (!terminalSent) {
    terminalSent = true;
    send(message);
  }
  realExit(0);
}

/** Why an import failed, in words a plugin author can act on. */
function describeLoadError(file: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
    return `${file} uses TypeScript syntax that Node's type stripping cannot run (${e.message.split('\n')[0]}); replace enums with \`as const\` objects and namespaces with modules, or build the plugin to JavaScript first`;
  }
  if (e?.code === 'ERR_ACCESS_DENIED') {
    return `${file} tried to read or write outside what the plugin sandbox allows (${e.message.split('\n')[0]}); plugins may read their own directory and write only to ctx.artifacts`;
  }
  return `${file} could not be loaded: ${e?.message?.split('\n')[0] ?? String(err)}`;
}

/** A module's plugins: its default export (one definition or an array of them). */
function definitionsOf(mod: Record<string, unknown>): unknown[] {
  const d = mod['default'];
  if (d === undefined) return [];
  return Array.isArray(d) ? d : [d];
}

function manifestOf(def: Record<string, unknown>): PluginManifest & { hasRun: boolean } {
  const { run, ...rest } = def;
  // Only JSON-representable metadata crosses the boundary; the parent validates it with ajv.
  return { ...(JSON.parse(JSON.stringify(rest)) as PluginManifest), hasRun: typeof run === 'function' };
}

/** Describe mode: the module being imported, so an exit or a hang at import time names it. */
let loadingFile: string | undefined;

async function describe(files: readonly string[]): Promise<never> {
  const out: DescribedFile[] = [];
  for (const file of files) {
    loadingFile = file;
    send({ type: 'loading', file });
    try {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      const defs = definitionsOf(mod);
      if (defs.length === 0) {
        out.push({ file, manifests: [], error: `${file} has no default export; export default definePlugin({...})` });
        continue;
      }
      out.push({ file, manifests: defs.map((d) => manifestOf((d ?? {}) as Record<string, unknown>)) });
    } catch (err) {
      out.push({ file, manifests: [], error: describeLoadError(file, err) });
    }
  }
  loadingFile = undefined;
  return terminal({ type: 'described', files: out });
}

/** `sql` goes to the parent, which runs it in a separate read-only, killable SQL process. */
function sqlViaParent(query: string, params: unknown, options: unknown): SqlResult {
  send({ type: 'sql', query, params: params ?? null, options: (options ?? {}) as Record<string, never> });
  let line: string;
  try {
    line = readLineSync(PARENT_TO_CHILD_FD);
  } catch (err) {
    // The runner is gone: no result can be delivered, so stop instead of running on as an orphan.
    if (err instanceof ChannelClosedError) realExit(0);
    if (err instanceof OversizedLineError) throw new Error(`sql() returned more than ${MAX_MESSAGE_MB} MB; select fewer rows or columns (maxRows) or aggregate in SQL`);
    throw err;
  }
  const reply = JSON.parse(line) as ParentMessage;
  if (!reply.ok) throw new Error(reply.error);
  return reply.result;
}

interface ArrowAccessorModule {
  createArrowAccessor(options: Record<string, unknown>): DatasetAccessor;
}

/**
 * The accessor is built on first use: requiring the dataset layer (apache-arrow) costs ~0.1 s,
 * which orchestration-only plugins should not pay. require(esm) keeps this synchronous.
 */
function lazyAccessor(spec: Extract<WorkerSpec, { mode: 'run' }>, telemetry: AccessTelemetry): DatasetAccessor {
  let real: DatasetAccessor | undefined;
  const get = (): DatasetAccessor => {
    if (real) return real;
    if (!spec.dataset) throw new Error('this run has no dataset');
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const mod = createRequire(import.meta.url)(`../dataset/index.${ext}`) as ArrowAccessorModule;
    real = mod.createArrowAccessor({
      arrowPath: spec.dataset.arrowPath,
      info: spec.dataset.info,
      pluginId: spec.pluginId,
      largeRows: spec.config.largeRows,
      streamingStrict: spec.dataset.streamingStrict,
      allowUnboundedLoad: spec.dataset.allowUnboundedLoad,
      telemetry,
      sqlProxy: sqlViaParent,
    });
    return real;
  };
  return {
    iterBatches: (o) => get().iterBatches(o),
    load: (o) => get().load(o),
    sql: (q, p, o) => get().sql(q, p, o),
    info: () => get().info(),
  };
}

async function run(spec: Extract<WorkerSpec, { mode: 'run' }>): Promise<never> {
  const telemetry = emptyTelemetry();
  let def: PluginDefinition | undefined;
  try {
    const mod = (await import(pathToFileURL(spec.file).href)) as Record<string, unknown>;
    def = definitionsOf(mod).find((d) => (d as { id?: unknown } | null)?.id === spec.pluginId) as PluginDefinition | undefined;
  } catch (err) {
    return terminal({ type: 'failed', phase: 'load', reason: describeLoadError(spec.file, err) });
  }
  if (!def) return terminal({ type: 'failed', phase: 'load', reason: `${spec.file} no longer exports plugin "${spec.pluginId}"` });
  const problems = definitionProblems(def);
  if (problems.length > 0) return terminal({ type: 'failed', phase: 'load', reason: `invalid plugin definition: ${problems.join('; ')}` });

  const declared = new Set(def.dependsOn ?? []);
  let logLines = 0;
  const log = (level: 'info' | 'warn') => (message: string) => {
    // A chatty plugin must not flood the runner: the first 200 lines are kept.
    if (logLines++ < 200) send({ type: 'log', level, message: String(message).slice(0, 2000) });
  };
  const ctx: PluginContext = {
    dataset: lazyAccessor(spec, telemetry),
    config: Object.freeze({ ...spec.config, closeWindow: Object.freeze({ ...spec.config.closeWindow }), plugin: Object.freeze({ ...spec.config.plugin }) }),
    seed: spec.seed,
    results(pluginId: string): PluginResult | undefined {
      if (!declared.has(pluginId)) {
        throw new Error(`ctx.results("${pluginId}"): "${pluginId}" is not in this plugin's dependsOn; declare it so the runner orders the plugins`);
      }
      return spec.dependencies[pluginId];
    },
    artifacts: spec.artifacts,
    log: { info: log('info'), warn: log('warn') },
  };

  baselineRssBytes = process.memoryUsage.rss();
  let result: unknown;
  try {
    result = await def.run(ctx);
  } catch (err) {
    const e = err as Error;
    const message = e instanceof Error ? e.message : `a non-Error value: ${safeString(err)}`;
    return terminal({ type: 'failed', phase: 'run', reason: `run() failed: ${message.split('\n')[0]}`, detail: e?.stack ?? '', telemetry, usage: usage() });
  }
  // JSON.stringify would silently drop functions and turn NaN into null: refuse instead.
  let checked: unknown;
  try {
    const text = stableStringify(result);
    // Room is left for the envelope (telemetry, usage) within the runner's message limit.
    if (Buffer.byteLength(text, 'utf8') > MAX_MESSAGE_BYTES - RESULT_ENVELOPE_BYTES) {
      return terminal({
        type: 'failed',
        phase: 'result',
        reason: `the result is larger than ${MAX_MESSAGE_MB} MB (the runner's message limit); keep the result small and write bulky output to ctx.artifacts`,
        telemetry,
        usage: usage(),
      });
    }
    checked = JSON.parse(text);
  } catch (err) {
    const what = (err as Error).message.replace(/^\$/, 'result');
    return terminal({ type: 'failed', phase: 'result', reason: `the result is not serializable: ${what}`, telemetry, usage: usage() });
  }
  return terminal({ type: 'result', result: checked, telemetry, usage: usage() });
}

function safeString(v: unknown): string {
  try {
    return String(v).slice(0, 200);
  } catch {
    return typeof v;
  }
}

/**
 * stdout/stderr to a pipe are asynchronous in Node: a plugin printing in a loop would grow an
 * unbounded write buffer in its own memory. Writing synchronously makes the plugin wait for
 * the runner to read, so a flood is stopped by the output cap, not by the memory cap.
 */
function synchronousOutput(): void {
  for (const [stream, fd] of [
    [process.stdout, 1],
    [process.stderr, 2],
  ] as const) {
    stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((err?: Error | null) => void), callback?: (err?: Error | null) => void): boolean => {
      const done = typeof encoding === 'function' ? encoding : callback;
      try {
        writeAllSync(fd, typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk);
        done?.(null);
      } catch (err) {
        // The runner stopped reading (it killed us or is gone): output is best effort.
        done?.(err as Error);
      }
      return true;
    }) as typeof stream.write;
  }
}

/** How often a plugin process checks that the runner is still there. */
const PARENT_WATCH_MS = 250;

/**
 * The runner may die without stopping us (SIGKILL by CI cancel or the OOM killer, or a plugin
 * killing it): no result could be delivered any more, so a process whose parent changed exits.
 * (A plugin blocked in sql() notices the closed channel instead; a synchronous endless loop
 * never yields to this timer — see docs/plugins.md.) Unref'd: it must not keep the loop alive,
 * or a never-settling run() would no longer be detected.
 */
function watchParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) realExit(0);
  }, PARENT_WATCH_MS).unref();
}

/**
 * process.kill from plugin code may signal only this process. The permission model does not
 * restrict signals, so this is a speed bump against accidents and casual abuse (killing the
 * runner or a sibling), not a boundary: the process group a worker runs in (spawned detached)
 * keeps kill(0) inside it, and the runner's parent watchdog above cleans up if the runner dies.
 */
function guardKill(): void {
  const realKill = process.kill.bind(process);
  process.kill = ((pid: number, signal?: string | number) => {
    if (pid !== process.pid) {
      throw new Error(`process.kill(${String(pid)}) is refused in a plugin process: a plugin may signal only its own process (${process.pid})`);
    }
    return realKill(pid, signal);
  }) as typeof process.kill;
}

function main(): void {
  synchronousOutput();
  let spec: WorkerSpec;
  try {
    // No size cap on the spec: the runner wrote it, and it carries every dependency's result (each up to the cap).
    spec = JSON.parse(readLineSync(PARENT_TO_CHILD_FD, Number.POSITIVE_INFINITY)) as WorkerSpec;
    token = spec.token;
  } catch (err) {
    process.stderr.write(`stat-harness worker: no spec on fd ${PARENT_TO_CHILD_FD}: ${(err as Error).message}\n`);
    return realExit(70);
  }
  watchParent();
  guardKill();
  // process.exit in plugin code ends the process without a result: say so before it happens.
  process.exit = ((code?: number | string | null) => {
    if (loadingFile !== undefined) terminal({ type: 'failed', phase: 'load', reason: `${loadingFile} called process.exit(${String(code ?? '')}) while being imported` });
    terminal({ type: 'exit-called', code: code ?? null });
  }) as typeof process.exit;
  // The event loop emptied while run() was still pending: its promise can never settle.
  process.on('beforeExit', () =>
    terminal(loadingFile !== undefined ? { type: 'failed', phase: 'load', reason: `${loadingFile} never finished loading (a top-level await that never settles)` } : { type: 'unsettled' }),
  );
  // While a module is being described, an escaped error is that module's load error.
  const during = (): string => (loadingFile === undefined ? '' : `${loadingFile} while being imported: `);
  process.on('uncaughtException', (err) =>
    terminal({
      type: 'failed',
      phase: loadingFile === undefined ? 'run' : 'load',
      reason: `${during()}uncaught exception: ${(err as Error)?.message?.split('\n')[0] ?? String(err)}`,
      detail: (err as Error)?.stack ?? '',
    }),
  );
  process.on('unhandledRejection', (err) =>
    terminal({
      type: 'failed',
      phase: loadingFile === undefined ? 'run' : 'load',
      reason: `${during()}unhandled rejection: ${(err as Error)?.message?.split('\n')[0] ?? String(err)}`,
      detail: (err as Error)?.stack ?? '',
    }),
  );
  void (spec.mode === 'describe' ? describe(spec.files) : run(spec));
}

main();
