/**
 * Evidence snapshot: the committed summary of one run that serves as the novelty reference
 * in CI, where runners keep no run history (DESIGN.md "Novelty reference run"). It holds what
 * the reference rules compare (dataset fingerprint, seed, known-issues mode, plugin set, code
 * and config hashes) and the run's sorted recommendation signatures — no run id, no
 * timestamps, no telemetry, so the same run always gives the same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stableStringify } from '../common/hash.ts';
import { validateDocument } from '../common/schema.ts';
import { parseYamlFile } from '../common/yaml.ts';
import type { Db } from '../dataset/index.ts';
import { compliantRecommendationIndexes } from '../insights/index.ts';
import { getExecutions, getRun, loadReportInput, runSignatures } from '../runs/index.ts';

export const SNAPSHOT_KIND = 'stat-harness-evidence-snapshot';
export const SNAPSHOT_VERSION = 1;
/** ~200k signatures: far above any plugin library, small enough to parse quickly. */
const MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;

export interface SnapshotPlugin {
  id: string;
  version: string;
  status: string;
  recommendations: number;
  actionable: number;
}

export interface EvidenceSnapshot {
  kind: typeof SNAPSHOT_KIND;
  version: typeof SNAPSHOT_VERSION;
  dataset: { name: string; fingerprint: string; rows: number };
  seed: number;
  knownIssuesMode: 'on' | 'off';
  run: {
    status: 'completed' | 'failed' | 'running';
    harnessVersion: string;
    codeHash: string;
    configHash: string;
    pluginIdsHash: string;
    pluginSetHash: string;
    recommendations: number;
    actionable: number;
    actionablePlugins: number;
  };
  plugins: SnapshotPlugin[];
  signatures: string[];
}

/** Build the snapshot of a stored run (an unknown run id is a usage error from the runs layer). */
export function buildSnapshot(db: Db, runRef: string | number): EvidenceSnapshot {
  const run = getRun(db, runRef);
  const input = loadReportInput(db, run.id);
  const plugins: SnapshotPlugin[] = getExecutions(db, run.id).map((e) => {
    const recs = Array.isArray(e.result.recommendations) ? e.result.recommendations.length : 0;
    return { id: e.pluginId, version: e.version, status: e.result.status, recommendations: recs, actionable: compliantRecommendationIndexes(e.pluginId, e.result).size };
  });
  plugins.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    kind: SNAPSHOT_KIND,
    version: SNAPSHOT_VERSION,
    dataset: { name: input.dataset.name, fingerprint: run.datasetFingerprint, rows: input.dataset.rowCount },
    seed: run.seed,
    knownIssuesMode: run.knownIssuesMode,
    run: {
      status: run.status,
      harnessVersion: run.harnessVersion,
      codeHash: run.codeHash,
      configHash: run.configHash,
      pluginIdsHash: run.pluginIdsHash,
      pluginSetHash: run.pluginSetHash,
      recommendations: plugins.reduce((n, p) => n + p.recommendations, 0),
      actionable: plugins.reduce((n, p) => n + p.actionable, 0),
      actionablePlugins: plugins.filter((p) => (p.status === 'ok' || p.status === 'degraded') && p.actionable > 0).length,
    },
    plugins,
    signatures: [...new Set(runSignatures(db, run.id))].sort(),
  };
}

/** Stable JSON (sorted keys, two-space indent, trailing newline). */
export function renderSnapshot(snapshot: EvidenceSnapshot): string {
  return `${stableStringify(snapshot, 2)}\n`;
}

export function writeSnapshot(file: string, snapshot: EvidenceSnapshot): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderSnapshot(snapshot));
}

/** Read and validate a snapshot file (schema errors carry file:line:column). */
export function readSnapshot(file: string): EvidenceSnapshot {
  // JSON is YAML: the strict parser gives positions, refuses duplicate keys and caps the size.
  const parsed = parseYamlFile(file, MAX_SNAPSHOT_BYTES);
  validateDocument('evidence-snapshot.schema.json', parsed, 'evidence snapshot');
  return parsed.value as EvidenceSnapshot;
}
