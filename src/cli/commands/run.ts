/**
 * `stat-harness run`: resolve (or ingest) the dataset, discover and select plugins, run them
 * sandboxed, persist the run, write the reports and the run manifest. Exit 0 when the run
 * completed (plugin errors are reported, not fatal), 2 on usage/input errors.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { HarnessError } from '../../common/errors.ts';
import { parseStrictInteger } from '../../common/parse.ts';
import { resolveKnownIssuesMode, type HarnessConfig } from '../../config/index.ts';
import { ensureDatasetArrowFile, ingestFile, openStore, readDatasetInfo, resolveDataset, storeWriteLocked, type DatasetInfo, type Db } from '../../dataset/index.ts';
import { compliantRecommendationIndexes, evaluateLandmarks, loadKnownIssues, type LandmarkResult } from '../../insights/index.ts';
import { discoverPlugins, killAllWorkers, selectPlugins, type ExecutionRecord, type PluginResult } from '../../plugins/index.ts';
import { loadAllowlist, unboundedLoadExemptions } from '../../policy/index.ts';
import { writeRunReports } from '../../report/index.ts';
import { executeRun, finishRun, getRun, loadReportInput, manifestPlugins, prepareRunsStore, selectReferenceRun } from '../../runs/index.ts';
import { action, configFor, globalOptions, PACKAGE_VERSION, paint, parseFormat, showProgress, useColor, type GlobalOptions } from '../shared.ts';

interface RunFlags {
  dataset: string;
  seed?: string;
  plugins?: string;
  knownIssues?: string;
  out?: string;
  jobs?: string;
  format: string;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the analysis plugins over a dataset and write the reports')
    .requiredOption('-d, --dataset <id|name|file>', 'dataset id or name in the store, or a log file to ingest first')
    .option('--seed <n>', 'seed handed to plugins (integer >= 0)', '0')
    .option('--plugins <ids>', 'comma-separated plugin ids (their dependencies are added); default: all discovered')
    .option('--known-issues <on|off>', 'known-issues mode (default: STAT_HARNESS_KNOWN_ISSUES_MODE, then config, then off)')
    .option('-o, --out <dir>', 'report directory (default: .stat-harness/runs/<run id>/ next to the store)')
    .option('-j, --jobs <n>', 'plugins run at the same time (default: plugins.jobs or the number of cores)')
    .option('--format <text|json>', 'summary format on stdout', 'text')
    .action(action(async (flags: RunFlags, cmd: Command) => runCommand(flags, cmd)));
}

export function parseSeed(text: string | undefined): number {
  const seed = parseStrictInteger(text ?? '0');
  if (seed === undefined || seed < 0) throw new HarnessError('usage', `--seed must be an integer >= 0; got "${text}"`);
  return seed;
}

export function parseJobs(text: string | undefined, config: HarnessConfig): number | undefined {
  if (text === undefined) return config.plugins.jobs;
  const jobs = parseStrictInteger(text);
  if (jobs === undefined || jobs < 1 || jobs > 256) throw new HarnessError('usage', `--jobs must be an integer from 1 to 256; got "${text}"`);
  return jobs;
}

export function parsePluginList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((s) => s === '')) throw new HarnessError('usage', `--plugins must be a comma-separated list of plugin ids; got "${text}"`);
  return [...new Set(ids)];
}

/** Default report directory of a run: next to the store, so every run of a store is in one place. */
export function defaultRunDir(config: HarnessConfig, runId: number): string {
  return join(resolve(config.store, '..'), 'runs', String(runId));
}

/** Resolve --dataset: an existing file is ingested (a no-op when already stored); otherwise an id or name. */
async function resolveDatasetArg(db: Db, config: HarnessConfig, ref: string): Promise<number> {
  if (existsSync(ref) && statSync(ref).isFile()) {
    const ingested = await ingestFile(config, { file: ref });
    return ingested.dataset.id;
  }
  return resolveDataset(db, ref);
}

/** Landmarks are matched against the recommendations the reports show (contract-compliant ones). */
function landmarksFor(config: HarnessConfig, mode: 'on' | 'off', plugins: readonly { id: string; result: PluginResult }[]): LandmarkResult[] | undefined {
  // Mode off: the landmarks file is not even read, so nothing of it can leak into outputs.
  if (mode === 'off') return undefined;
  const recs = plugins.flatMap((p) => {
    const keep = compliantRecommendationIndexes(p.id, p.result);
    return p.result.recommendations.filter((_, i) => keep.has(i));
  });
  return evaluateLandmarks(loadKnownIssues(config.knownIssues.file), recs);
}

/**
 * Plugins a live allowlist.yaml entry of the streaming policy exempts from the strict
 * unbounded-load() guard — the same written exceptions the policy gate honours. No allowlist
 * file means no exemptions; a malformed one is a config error before any plugin runs.
 */
function unboundedExemptions(config: HarnessConfig, pluginIds: readonly string[]): string[] {
  if (!existsSync(config.policies.allowlist)) return [];
  return unboundedLoadExemptions(loadAllowlist(config.policies.allowlist), pluginIds, Date.now());
}

/** Known-issues mode on needs its landmarks file; checked before any plugin runs. */
function assertKnownIssuesFile(config: HarnessConfig, mode: 'on' | 'off'): void {
  if (mode === 'on' && !existsSync(config.knownIssues.file)) {
    throw new HarnessError('known-issues', `known-issues mode is on but ${config.knownIssues.file} does not exist`, {
      hint: 'create it (schema: schemas/known-issues.schema.json), point knownIssues.file at it, or run with --known-issues off',
    });
  }
}

/** Write the reports of a stored run into outDir (also used by `stat-harness report`). */
export function writeReportsForRun(db: Db, config: HarnessConfig, runId: number, outDir: string): string[] {
  const input = loadReportInput(db, runId);
  assertKnownIssuesFile(config, input.knownIssuesMode);
  const landmarks = landmarksFor(config, input.knownIssuesMode, input.plugins);
  return writeRunReports(input, outDir, landmarks ? { landmarks } : {});
}

/** manifest.json: the only place run ids, timestamps and telemetry are written. */
export function writeRunManifest(db: Db, runId: number, outDir: string, files: readonly string[]): string {
  const run = getRun(db, runId);
  const reference = selectReferenceRun(db, runId);
  const manifest = {
    runId: run.id,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    harnessVersion: run.harnessVersion,
    dataset: { id: run.datasetId, name: run.datasetName, fingerprint: run.datasetFingerprint },
    seed: run.seed,
    knownIssuesMode: run.knownIssuesMode,
    pluginSetHash: run.pluginSetHash,
    codeHash: run.codeHash,
    configHash: run.configHash,
    referenceRun: { runId: reference.reference?.id ?? null, reason: reference.reason },
    files: [...files].map((f) => (f.startsWith(outDir) ? f.slice(outDir.length + 1) : f)).sort(),
    plugins: manifestPlugins(db, runId),
  };
  const path = join(outDir, 'manifest.json');
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

async function runCommand(flags: RunFlags, cmd: Command): Promise<number> {
  const g = globalOptions(cmd);
  const format = parseFormat(flags.format, ['text', 'json'] as const);
  const outcome = await performRun(configFor(cmd), flags, g);
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        {
          runId: outcome.runId,
          status: 'completed',
          outDir: outcome.outDir,
          manifest: outcome.manifest,
          dataset: { id: outcome.datasetId, name: outcome.dataset.name, fingerprint: outcome.dataset.fingerprint },
          plugins: outcome.records.map((r) => ({ id: r.plugin.manifest.id, status: r.result.status, exitReason: r.exitReason, reason: r.result.reason ?? null })),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    process.stdout.write(
      `run ${outcome.runId}: ${outcome.records.length} plugins on dataset ${outcome.dataset.name} (${outcome.datasetId}) — ${outcome.tally}; reports in ${outcome.outDir}\n`,
    );
  }
  return 0;
}

/** How long a run waits for another process's write transaction before failing with store-busy. */
export const RUN_BUSY_TIMEOUT_MS = 60_000;

export interface RunOutcome {
  runId: number;
  outDir: string;
  manifest: string;
  files: string[];
  datasetId: number;
  dataset: DatasetInfo;
  records: ExecutionRecord[];
  /** "3 ok, 1 na" */
  tally: string;
}

export type RunRequest = Pick<RunFlags, 'dataset' | 'seed' | 'plugins' | 'knownIssues' | 'out' | 'jobs'>;

/** The whole `run` pipeline (also used by `demo`): plugins, dataset, sandboxed execution, reports, manifest. */
export async function performRun(config: HarnessConfig, flags: RunRequest, g: GlobalOptions): Promise<RunOutcome> {
  const knownIssuesMode = resolveKnownIssuesMode(config, flags.knownIssues);
  const seed = parseSeed(flags.seed);
  const jobs = parseJobs(flags.jobs, config);
  const wanted = parsePluginList(flags.plugins);
  assertKnownIssuesFile(config, knownIssuesMode);

  // Plugins first: an unknown --plugins id should fail before any ingest work.
  const registry = await discoverPlugins({ dirs: config.plugins.dirs, packages: config.plugins.packages, rootDir: config.rootDir });
  const plugins = wanted ? selectPlugins(registry, wanted) : registry;
  if (plugins.length === 0) throw new HarnessError('no-plugins', 'no plugins to run', { hint: 'add plugin directories under plugins.dirs in the config' });

  const db = openStore(config.store, { create: existsSync(flags.dataset) });
  try {
    // A run must write its run row and each execution; an ingest holds the write lock for its
    // whole file. Wait for it (longer than the store's default 5 s), saying so, rather than fail.
    db.pragma(`busy_timeout = ${RUN_BUSY_TIMEOUT_MS}`);
    if (!g.quiet && storeWriteLocked(db)) {
      process.stderr.write(`the store is locked by another stat-harness process (an ingest?); waiting up to ${RUN_BUSY_TIMEOUT_MS / 1000} s\n`);
    }
    prepareRunsStore(db);
    const datasetId = await resolveDatasetArg(db, config, flags.dataset);
    const dataset = readDatasetInfo(db, datasetId, { largeRows: config.largeRows, closeWindow: config.closeWindow });
    const arrowPath = ensureDatasetArrowFile(db, config.store, datasetId);
    const progress = showProgress(g);
    const p = paint(useColor(process.stderr, g));
    let done = 0;
    let runId: number | undefined;
    // Ctrl-C / SIGTERM: stop the plugin processes and close the run record as failed.
    const interrupted = (signal: NodeJS.Signals): void => {
      killAllWorkers();
      if (runId !== undefined) finishRun(db, runId, 'failed', new Date().toISOString(), `interrupted by ${signal}`);
      process.stderr.write(`\nrun ${runId ?? '(not started)'} interrupted by ${signal}; plugin processes stopped\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    const executed = await executeRun({
      db,
      storePath: config.store,
      datasetId,
      dataset,
      arrowPath,
      plugins,
      seed,
      knownIssuesMode,
      config,
      harnessVersion: PACKAGE_VERSION,
      unboundedAllowlist: unboundedExemptions(config, plugins.map((pl) => pl.manifest.id)),
      ...(jobs === undefined ? {} : { jobs }),
      onRunCreated: (id) => {
        runId = id;
      },
      outDir: (id) => (flags.out ? resolve(flags.out) : defaultRunDir(config, id)),
      onFinish: (record: ExecutionRecord) => {
        done++;
        if (!progress) return;
        const status = record.result.status;
        const color = status === 'error' ? p.red : status === 'ok' ? p.green : p.yellow;
        const why = record.result.reason ? p.dim(` — ${record.result.reason}`) : '';
        process.stderr.write(`[${done}/${plugins.length}] ${record.plugin.manifest.id} ${color(status)} ${p.dim(`${(record.wallMs / 1000).toFixed(1)} s`)}${why}\n`);
      },
    });
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    const files = writeReportsForRun(db, config, executed.runId, executed.outDir);
    const manifest = writeRunManifest(db, executed.runId, executed.outDir, files);
    const counts = new Map<string, number>();
    for (const r of executed.records) counts.set(r.result.status, (counts.get(r.result.status) ?? 0) + 1);
    const tally = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => `${n} ${s}`).join(', ');
    return { runId: executed.runId, outDir: executed.outDir, manifest, files, datasetId, dataset, records: executed.records, tally };
  } finally {
    db.close();
  }
}
