/**
 * In-process harness for the built-in analysis plugins: a synthesized log (fixed seed) or a
 * fixture file is ingested the real way into a temp store, and a plugin runs over the SQLite
 * accessor (the same contract as the sandbox's Arrow accessor).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.ts';
import { createSqliteAccessor, ingestFile, openStore, synthesizeLog, type Db, type SynthTruth } from '../../../src/dataset/index.ts';
import type { PluginContext, PluginDefinition, PluginResult } from '../../../src/plugins/index.ts';
import { tempDir } from '../../helpers/cli.ts';

export interface TestDataset {
  db: Db;
  datasetId: number;
  dir: string;
  csv: string;
  truth?: SynthTruth;
  close(): void;
}

/** Ingest a file into a fresh temp store. */
export async function ingestedDataset(file: string, timezone?: string): Promise<TestDataset> {
  const dir = tempDir('builtin-plugins-');
  const config = { ...loadConfig({ cwd: dir, env: {} }), store: join(dir, 'harness.db') };
  const r = await ingestFile(config, { file, ...(timezone ? { timezone } : {}) });
  const db = openStore(config.store);
  return { db, datasetId: r.dataset.id, dir, csv: file, close: () => db.close() };
}

/** A synthesized log with its ground truth, ingested. */
export async function synthDataset(rows: number, seed: number, months = 3): Promise<TestDataset> {
  const dir = tempDir('builtin-synth-');
  const csv = join(dir, 'log.csv');
  const s = synthesizeLog({ rows, seed, out: csv, months });
  const ds = await ingestedDataset(csv);
  return { ...ds, truth: JSON.parse(readFileSync(s.truthPath, 'utf8')) as SynthTruth };
}

export async function runPlugin(plugin: PluginDefinition, ds: TestDataset, plugin_config: Record<string, unknown> = {}): Promise<PluginResult> {
  const dataset = createSqliteAccessor({ db: ds.db, datasetId: ds.datasetId, pluginId: plugin.id, largeRows: 1_000_000, streamingStrict: true, allowUnboundedLoad: false });
  const ctx: PluginContext = {
    dataset,
    config: { largeRows: 1_000_000, timezone: 'UTC', closeWindow: { startDay: 20, endDay: 5 }, plugin: plugin_config },
    seed: 0,
    results: () => undefined,
    artifacts: tempDir(),
    log: { info: () => {}, warn: () => {} },
  };
  try {
    const result = await plugin.run(ctx);
    // Results cross a process boundary as JSON in real runs: make the test see the same.
    return JSON.parse(JSON.stringify(result)) as PluginResult;
  } finally {
    dataset.close();
  }
}
