/**
 * collectFacts: one stored run → the facts document policy-eval evaluates
 * (schemas/facts.schema.json). Thin I/O shell around the pure collectors: reads the run,
 * its executions and outputs from the store, discovers the configured plugins, scans their
 * sources, and assembles sorted subjects (plugins, catalog-only entries, the run).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { validateDocument } from '../common/schema.ts';
import type { HarnessConfig } from '../config/index.ts';
import type { Db } from '../dataset/index.ts';
import { readSnapshot } from '../evidence/index.ts';
import { discoverPlugins, type DiscoveredPlugin } from '../plugins/index.ts';
import { assertRunCompleted, getExecutions, getRun, loadReportInput, prepareRunsStore, runSignatures, selectReferenceRun, type ExecutionRow, type RunRow } from '../runs/index.ts';
import { catalogFacts, undiscoveredCatalogIds } from './catalog-sync.ts';
import type { FactSubjectKind } from './catalog.ts';
import { contractFacts, runInsightFacts } from './contract.ts';
import { landmarksForScan, scanRunOutputs } from './known-issues.ts';
import { noveltyFacts, snapshotReference, type NoveltyReference } from './novelty.ts';
import { displayFile, scanPlugins, scanSourceFor, type PluginScanTarget } from './static-scan.ts';
import { loadTaxonomy, taxonomyFacts } from './taxonomy.ts';
import { datasetFacts, telemetryFacts } from './telemetry.ts';

export interface CollectedSubject {
  kind: FactSubjectKind;
  id: string;
  [fact: string]: unknown;
}

/** The facts-file shape (schemas/facts.schema.json). */
export interface CollectedFacts {
  dataset: Record<string, unknown>;
  run: Record<string, unknown>;
  subjects: CollectedSubject[];
}

export interface CollectOptions {
  db: Db;
  config: HarnessConfig;
  runId: string | number;
  /** Evidence snapshot file to use as the novelty reference (instead of the store's reference run). */
  reference?: string;
  /** No reference at all → novelty facts left unknown instead of not-applicable. */
  requireReference?: boolean;
  /** Locations are reported relative to this directory. */
  repoRoot: string;
  /** Plugin registry (default: discovered from config.plugins, like `stat-harness run`). */
  plugins?: readonly DiscoveredPlugin[];
}

/** The run's status as a fact: a completed run with any plugin not completing is `partial`. */
function runStatus(run: RunRow, executions: readonly ExecutionRow[]): 'ok' | 'failed' | 'partial' {
  if (run.status === 'failed') return 'failed';
  if (run.status === 'running') return 'partial';
  return executions.every((e) => e.exitReason === 'completed') ? 'ok' : 'partial';
}

function reference(options: CollectOptions, run: RunRow): { ref?: NoveltyReference; reason: string } {
  if (options.reference !== undefined) {
    const file = resolve(options.reference);
    const shown = displayFile(file, options.repoRoot);
    const r = snapshotReference(readSnapshot(file), run, shown);
    return r.reference === undefined ? { reason: r.reason } : { ref: r.reference, reason: r.reason };
  }
  const sel = selectReferenceRun(options.db, run.id);
  if (sel.reference === undefined) return { reason: sel.reason };
  return { ref: { id: String(sel.reference.id), signatures: runSignatures(options.db, sel.reference.id) }, reason: sel.reason };
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function collectFacts(options: CollectOptions): Promise<CollectedFacts> {
  const { db, config } = options;
  prepareRunsStore(db);
  const run = getRun(db, options.runId);
  // A run still in progress has no final results to judge; a failed one is evaluated and
  // says so through run.status.
  if (run.status === 'running') assertRunCompleted(run, 'collect facts');
  const input = loadReportInput(db, run.id);
  const executions = getExecutions(db, run.id);
  const execById = new Map(executions.map((e) => [e.pluginId, e]));
  // Inputs the user named are checked before the slow work (discovery, type-checked scan).
  const ref = reference(options, run);
  const landmarks = landmarksForScan(config.knownIssues.file);
  const taxonomy = loadTaxonomy(config.policies.taxonomy);
  const registry = options.plugins ?? (await discoverPlugins({ dirs: config.plugins.dirs, packages: config.plugins.packages, rootDir: config.rootDir }));
  const discovered = new Map(registry.map((p) => [p.manifest.id, p]));
  const discoveredIds = new Set(discovered.keys());

  // Scan what is on disk now: the discovered plugins, and run plugins no longer discovered whose file remains.
  const targets: PluginScanTarget[] = [
    ...registry.map((p) => ({ id: p.manifest.id, file: p.file })),
    ...executions.filter((e) => !discovered.has(e.pluginId) && existsSync(e.sourceFile)).map((e) => ({ id: e.pluginId, file: e.sourceFile })),
  ];
  const scans = scanPlugins(targets, { repoRoot: options.repoRoot });

  const pluginIds = [...new Set([...discoveredIds, ...execById.keys()])].sort();
  const subjects: CollectedSubject[] = pluginIds.map((id) => {
    const d = discovered.get(id);
    const e = execById.get(id);
    const declaredAccess = d?.manifest.access ?? e!.access;
    const declaredClass = d?.manifest.class ?? e!.class;
    const scan = scans.get(id);
    const subject: CollectedSubject = { kind: 'plugin', id };
    subject['access'] = scan ? { declared: declaredAccess, classes: scan.classes, sites: scan.sites, locations: scan.locations } : { declared: declaredAccess };
    subject['telemetry'] = telemetryFacts(e);
    if (e !== undefined) subject['contract'] = contractFacts(e);
    if (taxonomy !== undefined) {
      subject['taxonomy'] = taxonomyFacts(declaredClass, taxonomy, id);
      subject['catalog'] = catalogFacts(id, taxonomy, discoveredIds, e !== undefined);
    } else {
      subject['taxonomy'] = { declaredClass };
    }
    const plugin: Record<string, unknown> = { version: d?.manifest.version ?? e!.version };
    if (d !== undefined) plugin['apiVersion'] = d.manifest.apiVersion;
    const file = d?.file ?? e?.sourceFile;
    if (file !== undefined) plugin['file'] = displayFile(scanSourceFor(file), options.repoRoot);
    subject['plugin'] = plugin;
    return subject;
  });
  if (taxonomy !== undefined) {
    for (const id of undiscoveredCatalogIds(taxonomy, new Set(pluginIds))) {
      subjects.push({ kind: 'plugin', id, catalog: catalogFacts(id, taxonomy, discoveredIds, false), taxonomy: { mappedClass: taxonomy.get(id), mapped: true } });
    }
  }
  subjects.sort(byId);

  const runSubject: CollectedSubject = { kind: 'run', id: String(run.id) };
  // Discovery = not a landmark: landmarks count only in mode on (mode off loads none).
  const counts = runInsightFacts(executions, run.knownIssuesMode === 'on' ? landmarks : []);
  runSubject['insights'] = counts.insights;
  runSubject['contract'] = counts.contract;
  runSubject['novelty'] = noveltyFacts(runSignatures(db, run.id), ref.ref, ref.reason, options.requireReference);
  // Leakage needs the run's complete outputs; a run imported without them, or whose reports
  // were deleted or corrupted, leaves the facts out (the policy is unknown, fail-closed).
  const leakage = run.outDir === null ? undefined : scanRunOutputs(run.outDir, landmarks);
  if (leakage !== undefined) runSubject['knownIssues'] = leakage;
  subjects.push(runSubject);

  const facts: CollectedFacts = {
    dataset: { ...datasetFacts(input.dataset, config.largeRows) },
    run: { id: String(run.id), knownIssuesMode: run.knownIssuesMode, seed: run.seed, status: runStatus(run, executions), pluginCount: executions.length },
    subjects,
  };
  // A collector bug must not reach the policy engine as a silently different document.
  try {
    validateDocument('facts.schema.json', { file: '(collected facts)', value: facts, positionOf: () => ({ line: 1, column: 1 }) }, 'collected facts');
  } catch (err) {
    throw new HarnessError('internal', `collected facts do not match schemas/facts.schema.json: ${(err as Error).message}`, { exitCode: 2 });
  }
  return facts;
}
