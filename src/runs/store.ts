/**
 * Reading and writing runs: one row per run, one per plugin execution (written as each plugin
 * finishes, so a crash later in the run leaves the finished executions intact), and the
 * findings / recommendations / signatures broken out of each result.
 */
import { hostname } from 'node:os';
import { HarnessError } from '../common/errors.ts';
import { sha256Hex, stableStringify } from '../common/hash.ts';
import { storeBusyError, type AccessTelemetry, type DatasetInfo, type Db } from '../dataset/index.ts';
import { compliantRecommendationIndexes, recommendationSignature, signatureComponents } from '../insights/index.ts';
import type { AccessContract, ExecutionRecord, PluginClass, PluginResult } from '../plugins/index.ts';
import type { ManifestPluginRecord, ReportInput, ReportPlugin } from '../report/types.ts';
import { migrateRuns } from './schema.ts';

export type RunStatus = 'running' | 'completed' | 'failed';

export interface NewRun {
  datasetId: number;
  dataset: DatasetInfo;
  seed: number;
  pluginIds: string[];
  pluginIdsHash: string;
  pluginSetHash: string;
  codeHash: string;
  configHash: string;
  config: Record<string, unknown>;
  knownIssuesMode: 'on' | 'off';
  harnessVersion: string;
  startedAt: string;
  /** The process that runs it (default: this process), so a crashed run can be told from a live one. */
  runnerPid?: number;
  /** Its host (default: os.hostname()): a pid means nothing on another machine sharing the store. */
  runnerHost?: string;
}

export interface RunRow {
  id: number;
  datasetId: number;
  datasetFingerprint: string;
  datasetName: string;
  seed: number;
  pluginIds: string[];
  pluginIdsHash: string;
  pluginSetHash: string;
  codeHash: string;
  configHash: string;
  knownIssuesMode: 'on' | 'off';
  status: RunStatus;
  failure: string | null;
  harnessVersion: string;
  outDir: string | null;
  startedAt: string;
  endedAt: string | null;
  runnerPid: number | null;
  runnerHost: string | null;
}

export interface ExecutionRow {
  pluginId: string;
  version: string;
  class: PluginClass;
  access: AccessContract;
  status: string;
  exitReason: string;
  reason: string | null;
  sourceFile: string;
  result: PluginResult;
  contractViolations: string[];
  telemetry: AccessTelemetry;
  peakRssBytes: number;
  pluginRssBytes: number;
  wallMs: number;
  cpuMs: number;
  exitCode: number | null;
  signal: string | null;
  stdoutTail: string;
  stderrTail: string;
}

/** Open the runs tables on a store connection (applies pending runs migrations). */
export function prepareRunsStore(db: Db): void {
  migrateRuns(db);
}

/** sha256 over sorted strings (plugin ids, or id@version pairs). */
export function hashOfSorted(items: readonly string[]): string {
  return sha256Hex(stableStringify([...items].sort()));
}

export function insertRun(db: Db, run: NewRun): number {
  const info = db
    .prepare(
      `INSERT INTO runs (dataset_id, dataset_fingerprint, dataset_info_json, seed, plugin_ids_json, plugin_ids_hash, plugin_set_hash,
        code_hash, config_hash, config_json, known_issues_mode, status, harness_version, started_at, runner_pid, runner_host)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
    )
    .run(
      run.datasetId,
      run.dataset.fingerprint,
      stableStringify(run.dataset),
      run.seed,
      JSON.stringify([...run.pluginIds].sort()),
      run.pluginIdsHash,
      run.pluginSetHash,
      run.codeHash,
      run.configHash,
      stableStringify(run.config),
      run.knownIssuesMode,
      run.harnessVersion,
      run.startedAt,
      run.runnerPid ?? process.pid,
      run.runnerHost ?? hostname(),
    );
  return Number(info.lastInsertRowid);
}

export function setRunOutDir(db: Db, runId: number, outDir: string): void {
  db.prepare('UPDATE runs SET out_dir = ? WHERE id = ?').run(outDir, runId);
}

export function finishRun(db: Db, runId: number, status: Exclude<RunStatus, 'running'>, endedAt: string, failure?: string): void {
  db.prepare('UPDATE runs SET status = ?, ended_at = ?, failure = ? WHERE id = ?').run(status, endedAt, failure ?? null, runId);
}

/** Persist one finished plugin execution with its findings, recommendations and signatures. */
export function insertExecution(db: Db, runId: number, record: ExecutionRecord, contractViolations: readonly string[]): void {
  const m = record.plugin.manifest;
  const result = record.result;
  const compliant = compliantRecommendationIndexes(m.id, result);
  db.transaction(() => {
    db.prepare(
      `INSERT INTO plugin_executions (run_id, plugin_id, plugin_version, plugin_class, access, api_version, source_file, source_sha256,
        status, exit_reason, reason, result_json, contract_violations_json, telemetry_json, peak_rss_bytes, plugin_rss_bytes,
        wall_ms, cpu_ms, exit_code, signal, stdout_tail, stderr_tail, logs_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      runId,
      m.id,
      m.version,
      m.class,
      m.access,
      m.apiVersion,
      record.plugin.file,
      record.plugin.sourceSha256,
      result.status,
      record.exitReason,
      result.reason ?? null,
      stableStringify(result),
      JSON.stringify(contractViolations),
      JSON.stringify(record.telemetry),
      record.peakRssBytes,
      record.pluginRssBytes,
      record.wallMs,
      record.cpuMs,
      record.exitCode,
      record.signal,
      record.stdout,
      record.stderr,
      JSON.stringify(record.logs),
    );
    const finding = db.prepare(
      'INSERT INTO findings (run_id, plugin_id, ordinal, finding_id, severity, confidence, title, measurement, finding_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    result.findings.forEach((f, i) => finding.run(runId, m.id, i, f.id, f.severity, f.confidence, f.title, f.measurement, stableStringify(f)));
    const rec = db.prepare(
      `INSERT INTO recommendations (run_id, plugin_id, ordinal, kind, action_type, where_json, text, modeled_percent, modeled_delta_seconds,
        modeled_basis, not_modeled_reason, scope, relevance, compliant, signature, recommendation_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const sig = db.prepare('INSERT OR IGNORE INTO signatures (run_id, signature, plugin_id, kind, action_type, where_json, text_hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    result.recommendations.forEach((r, i) => {
      const ok = compliant.has(i);
      const signature = ok ? recommendationSignature(r) : null;
      rec.run(
        runId,
        m.id,
        i,
        r.kind ?? null,
        r.action_type ?? null,
        r.where === undefined ? null : stableStringify(r.where),
        r.text ?? null,
        r.modeled_percent ?? null,
        r.modeled_delta_seconds ?? null,
        r.modeled_basis ?? null,
        r.not_modeled_reason ?? null,
        r.scope ?? null,
        r.relevance ?? null,
        ok ? 1 : 0,
        signature,
        stableStringify(r),
      );
      if (signature !== null) {
        const c = signatureComponents(r);
        sig.run(runId, signature, m.id, c.kind, c.action_type, stableStringify(c.where), c.text_hash);
      }
    });
  })();
}

interface RunDbRow {
  id: number;
  dataset_id: number;
  dataset_fingerprint: string;
  dataset_info_json: string;
  seed: number;
  plugin_ids_json: string;
  plugin_ids_hash: string;
  plugin_set_hash: string;
  code_hash: string;
  config_hash: string;
  config_json: string;
  known_issues_mode: 'on' | 'off';
  status: RunStatus;
  failure: string | null;
  harness_version: string;
  out_dir: string | null;
  started_at: string;
  ended_at: string | null;
  runner_pid: number | null;
  runner_host: string | null;
}

function toRunRow(r: RunDbRow): RunRow {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetFingerprint: r.dataset_fingerprint,
    datasetName: (JSON.parse(r.dataset_info_json) as DatasetInfo).name,
    seed: r.seed,
    pluginIds: JSON.parse(r.plugin_ids_json) as string[],
    pluginIdsHash: r.plugin_ids_hash,
    pluginSetHash: r.plugin_set_hash,
    codeHash: r.code_hash,
    configHash: r.config_hash,
    knownIssuesMode: r.known_issues_mode,
    status: r.status,
    failure: r.failure,
    harnessVersion: r.harness_version,
    outDir: r.out_dir,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    runnerPid: r.runner_pid,
    runnerHost: r.runner_host,
  };
}

/** Whether a process with this pid exists on this machine (EPERM: it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LivenessProbe {
  host: string;
  alive(pid: number): boolean;
}

const LOCAL_PROBE: LivenessProbe = { host: hostname(), alive: processAlive };

/**
 * A `running` run whose runner process is gone (killed, crashed, machine rebooted) will never
 * finish: it is `failed` ("interrupted"). Only decidable for runs recorded on this host with a
 * pid; others keep their status.
 */
export function staleRunFailure(run: RunRow, probe: LivenessProbe = LOCAL_PROBE): string | undefined {
  if (run.status !== 'running' || run.runnerPid === null || run.runnerHost !== probe.host) return undefined;
  if (probe.alive(run.runnerPid)) return undefined;
  return `interrupted: its process (pid ${run.runnerPid}) is gone without finishing the run`;
}

/**
 * Mark stale runs failed, in the returned rows and (best effort) in the store. Reading must
 * not fail because another process holds the write lock, so a busy store only skips the write.
 */
function settleStaleRuns(db: Db, runs: RunRow[], probe: LivenessProbe): RunRow[] {
  return runs.map((run) => {
    const failure = staleRunFailure(run, probe);
    if (failure === undefined) return run;
    const endedAt = new Date().toISOString();
    try {
      db.prepare("UPDATE runs SET status = 'failed', failure = ?, ended_at = ? WHERE id = ? AND status = 'running'").run(failure, endedAt, run.id);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (storeBusyError(err) === undefined && code !== 'SQLITE_READONLY') throw err;
    }
    return { ...run, status: 'failed', failure, endedAt };
  });
}

export function listRuns(db: Db, options: { limit?: number; probe?: LivenessProbe } = {}): RunRow[] {
  const rows = db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(options.limit ?? -1) as RunDbRow[];
  return settleStaleRuns(db, rows.map(toRunRow), options.probe ?? LOCAL_PROBE);
}

/** A run by id; an unknown id is a usage error listing the recent runs. */
export function getRun(db: Db, runRef: string | number, probe: LivenessProbe = LOCAL_PROBE): RunRow {
  const text = String(runRef).trim();
  const numeric = /^\d+$/.test(text);
  const row = numeric ? (db.prepare('SELECT * FROM runs WHERE id = ?').get(Number(text)) as RunDbRow | undefined) : undefined;
  if (row) return settleStaleRuns(db, [toRunRow(row)], probe)[0]!;
  const recent = (db.prepare('SELECT id FROM runs ORDER BY id DESC LIMIT 10').all() as { id: number }[]).map((r) => String(r.id));
  // No edit-distance suggestion: "99" is not a typo of "2". The hint lists the known ids instead.
  throw new HarnessError('unknown-run', `no run "${text}" in the store${numeric ? '' : ' (run ids are integers)'}`, {
    hint: recent.length > 0 ? `recent runs: ${recent.join(', ')} (stat-harness runs list)` : 'the store holds no runs yet: stat-harness run --dataset <id>',
  });
}

/** Reports describe a finished run: refuse one that is still running or failed (its executions are partial). */
export function assertRunCompleted(run: RunRow, action: string): void {
  if (run.status === 'completed') return;
  const why = run.status === 'running' ? 'it is still running' : `it ${run.failure ? `failed (${run.failure})` : 'failed'}`;
  throw new HarnessError('run-not-completed', `cannot ${action} for run ${run.id}: its status is ${run.status} — ${why}, so its plugin results are incomplete`, {
    hint:
      run.status === 'running'
        ? `wait for run ${run.id} to finish (stat-harness runs show ${run.id}), then run the command again`
        : `start a new run: stat-harness run --dataset ${run.datasetId}`,
  });
}

interface ExecutionDbRow {
  plugin_id: string;
  plugin_version: string;
  plugin_class: PluginClass;
  access: AccessContract;
  status: string;
  exit_reason: string;
  reason: string | null;
  source_file: string;
  result_json: string;
  contract_violations_json: string;
  telemetry_json: string;
  peak_rss_bytes: number;
  plugin_rss_bytes: number;
  wall_ms: number;
  cpu_ms: number;
  exit_code: number | null;
  signal: string | null;
  stdout_tail: string;
  stderr_tail: string;
}

/** A run's executions sorted by plugin id. */
export function getExecutions(db: Db, runId: number): ExecutionRow[] {
  const rows = db.prepare('SELECT * FROM plugin_executions WHERE run_id = ? ORDER BY plugin_id').all(runId) as ExecutionDbRow[];
  return rows.map((r) => ({
    pluginId: r.plugin_id,
    version: r.plugin_version,
    class: r.plugin_class,
    access: r.access,
    status: r.status,
    exitReason: r.exit_reason,
    reason: r.reason,
    sourceFile: r.source_file,
    result: JSON.parse(r.result_json) as PluginResult,
    contractViolations: JSON.parse(r.contract_violations_json) as string[],
    telemetry: JSON.parse(r.telemetry_json) as AccessTelemetry,
    peakRssBytes: r.peak_rss_bytes,
    pluginRssBytes: r.plugin_rss_bytes,
    wallMs: r.wall_ms,
    cpuMs: r.cpu_ms,
    exitCode: r.exit_code,
    signal: r.signal,
    stdoutTail: r.stdout_tail,
    stderrTail: r.stderr_tail,
  }));
}

/** Everything the report layer needs for one run: no ids, no timestamps, no telemetry. */
export function loadReportInput(db: Db, runRef: string | number): ReportInput {
  const run = getRun(db, runRef);
  const row = db.prepare('SELECT dataset_info_json, config_json FROM runs WHERE id = ?').get(run.id) as { dataset_info_json: string; config_json: string };
  const config = JSON.parse(row.config_json) as { closeWindow?: { startDay: number; endDay: number } };
  const plugins: ReportPlugin[] = getExecutions(db, run.id).map((e) => ({
    id: e.pluginId,
    version: e.version,
    class: e.class,
    access: e.access,
    result: e.result,
    contractViolations: e.contractViolations,
  }));
  return {
    dataset: JSON.parse(row.dataset_info_json) as DatasetInfo,
    seed: run.seed,
    knownIssuesMode: run.knownIssuesMode,
    pluginSetHash: run.pluginSetHash,
    plugins,
    ...(config.closeWindow ? { closeWindow: config.closeWindow } : {}),
  };
}

/** The manifest's per-plugin telemetry records, sorted by plugin id. */
export function manifestPlugins(db: Db, runId: number): (ManifestPluginRecord & { pluginRssBytes: number; reason: string | null })[] {
  return getExecutions(db, runId).map((e) => ({
    id: e.pluginId,
    status: e.status,
    exitReason: e.exitReason,
    reason: e.reason,
    wallMs: e.wallMs,
    cpuMs: e.cpuMs,
    peakRssBytes: e.peakRssBytes,
    pluginRssBytes: e.pluginRssBytes,
    telemetry: e.telemetry,
  }));
}

/** Signatures recorded for a run (sorted), for novelty comparisons. */
export function runSignatures(db: Db, runId: number): string[] {
  return (db.prepare('SELECT signature FROM signatures WHERE run_id = ? ORDER BY signature').all(runId) as { signature: string }[]).map((r) => r.signature);
}

export interface ReferenceSelection {
  reference: RunRow | undefined;
  /** Why there is no reference (when there is none). */
  reason: string;
}

/**
 * DESIGN.md "Novelty reference run": the latest earlier completed run on the same dataset
 * fingerprint, known-issues mode off, same plugin-id set and seed, whose code or config hash
 * differs (an identical rerun is not a prior run).
 */
export function selectReferenceRun(db: Db, runRef: string | number): ReferenceSelection {
  const run = getRun(db, runRef);
  const candidates = (
    db
      .prepare(
        `SELECT * FROM runs WHERE id < ? AND dataset_fingerprint = ? AND known_issues_mode = 'off' AND status = 'completed'
           AND plugin_ids_hash = ? AND seed = ? ORDER BY id DESC`,
      )
      .all(run.id, run.datasetFingerprint, run.pluginIdsHash, run.seed) as RunDbRow[]
  ).map(toRunRow);
  const reference = candidates.find((c) => c.codeHash !== run.codeHash || c.configHash !== run.configHash);
  if (reference) return { reference, reason: `run ${reference.id} (latest earlier completed run with the same dataset, plugin set and seed, and different code or config)` };
  const reason =
    candidates.length === 0
      ? 'no earlier completed run on the same dataset fingerprint with known-issues mode off, the same plugin set and the same seed'
      : `the ${candidates.length} earlier matching run(s) have identical code and config hashes (an identical rerun is not a prior run)`;
  return { reference: undefined, reason };
}
