/**
 * What the report layer needs to render one run. The runs layer builds it from the runs
 * store (`loadReportInput`); the report layer never reads the store itself. Run ids and
 * timestamps are deliberately absent: hashed artifacts must be byte-identical across
 * identical runs, so those live only in the run's manifest.json.
 */
import type { AccessTelemetry, DatasetInfo } from '../dataset/types.ts';
import type { AccessContract, PluginClass, PluginResult } from '../plugins/types.ts';

export interface ReportPlugin {
  id: string;
  version: string;
  class: PluginClass;
  access: AccessContract;
  /** Final status after the runner and the insight contract (error when the process failed). */
  result: PluginResult;
  /** Insight-contract violations found in this plugin's result (empty when compliant). */
  contractViolations: string[];
}

export interface ReportInput {
  dataset: DatasetInfo;
  seed: number;
  knownIssuesMode: 'on' | 'off';
  /** sha256 of the sorted plugin ids + versions. */
  pluginSetHash: string;
  /** Sorted by plugin id. */
  plugins: ReportPlugin[];
  /**
   * Close window of the run's config (DESIGN.md "Close window"), used by the sequence
   * checklists to bound their verification queries. Default { startDay: 20, endDay: 5 }.
   */
  closeWindow?: { startDay: number; endDay: number };
}

/** Telemetry lives outside hashed artifacts; this is the manifest's per-plugin record. */
export interface ManifestPluginRecord {
  id: string;
  status: string;
  exitReason: string;
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
  telemetry: AccessTelemetry;
}
