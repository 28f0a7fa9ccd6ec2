/**
 * The fact catalog: every fact path a collector publishes, with its type, the subject kinds
 * that carry it and a description. The policy loader checks every fact a policy names against
 * this list (an unknown fact is a load error with did-you-mean, never a silent pass), the
 * operators check their declared fact types against it, and `policy-eval doc` prints it.
 *
 * Paths under `dataset.` and `run.` are the shared context of one evaluation (the facts
 * file's top-level `dataset` and `run` objects); every other path is a subject fact.
 * `subject.id` and `subject.kind` always exist.
 */

/** Value types a fact can have. `location[]` is an array of SourceLocation-like objects. */
export const FACT_TYPES = ['string', 'number', 'integer', 'boolean', 'string[]', 'date', 'semver', 'location[]'] as const;
export type FactType = (typeof FACT_TYPES)[number];

export const SUBJECT_KINDS = ['plugin', 'run', 'dataset', 'repo'] as const;
export type FactSubjectKind = (typeof SUBJECT_KINDS)[number];

/** Which collector publishes a fact (src/collectors/*; `--facts` files may supply them too). */
export const COLLECTORS = ['core', 'context', 'static-scan', 'telemetry', 'contract', 'novelty', 'taxonomy', 'catalog', 'known-issues', 'plugin-meta'] as const;
export type CollectorName = (typeof COLLECTORS)[number];

export interface FactDefinition {
  path: string;
  type: FactType;
  collector: CollectorName;
  /** Subject kinds that carry this fact; 'context' facts are shared by every subject. */
  subjects: readonly FactSubjectKind[] | 'context';
  description: string;
  /** Allowed values of a string / string[] fact (checked when a policy compares against a literal). */
  values?: readonly string[];
}

export const ACCESS_CLASSES = ['dataset_loader_unbounded', 'dataset_loader_bounded', 'iter_batches', 'sql_assist', 'orchestration_only'] as const;

const ALL: readonly FactSubjectKind[] = SUBJECT_KINDS;
const PLUGIN: readonly FactSubjectKind[] = ['plugin'];
const RUN: readonly FactSubjectKind[] = ['run'];

function fact(path: string, type: FactType, collector: CollectorName, subjects: FactDefinition['subjects'], description: string, values?: readonly string[]): FactDefinition {
  return values === undefined ? { path, type, collector, subjects, description } : { path, type, collector, subjects, description, values };
}

export const FACT_CATALOG: readonly FactDefinition[] = [
  fact('subject.id', 'string', 'core', ALL, 'Id of the subject (plugin id, run id, dataset name or repo path).'),
  fact('subject.kind', 'string', 'core', ALL, 'Kind of the subject.', SUBJECT_KINDS),

  fact('dataset.rows', 'integer', 'context', 'context', 'Row count of the evaluated dataset.'),
  fact('dataset.fingerprint', 'string', 'context', 'context', 'Content fingerprint of the dataset.'),
  fact('dataset.largeRows', 'integer', 'context', 'context', 'The configured large-dataset threshold recorded with the dataset (config largeRows).'),
  fact('dataset.largeDataset', 'boolean', 'context', 'context', 'Whether the dataset is in large-dataset mode (rows > largeRows).'),

  fact('run.id', 'string', 'context', 'context', 'Id of the run the facts were collected from.'),
  fact('run.knownIssuesMode', 'string', 'context', 'context', 'Known-issues mode the run recorded (policies read this, not the shell env).', ['on', 'off']),
  fact('run.seed', 'integer', 'context', 'context', 'Seed of the run.'),
  fact('run.status', 'string', 'context', 'context', 'Final status of the run.', ['ok', 'failed', 'partial']),
  fact('run.pluginCount', 'integer', 'context', 'context', 'Number of plugins executed in the run.'),

  fact('access.declared', 'string', 'plugin-meta', PLUGIN, 'Access contract the plugin declares in definePlugin({ access }).', ACCESS_CLASSES),
  fact('access.classes', 'string[]', 'static-scan', PLUGIN, 'Access classes the type-resolved static scan found in the plugin source.', ACCESS_CLASSES),
  fact('access.sites', 'string', 'static-scan', PLUGIN, 'Human-readable list of the access call sites (file:line function), for messages.'),
  fact('access.locations', 'location[]', 'static-scan', PLUGIN, 'Access call sites: { file, line, column, function, snippet, class }.'),

  fact('telemetry.covered', 'boolean', 'telemetry', PLUGIN, 'Whether runtime telemetry was recorded for the plugin in this run.'),
  fact('telemetry.rows', 'integer', 'telemetry', PLUGIN, 'Rows the plugin read in total (loaded + iterated + returned by SQL).'),
  fact('telemetry.unboundedLoadRows', 'integer', 'telemetry', PLUGIN, 'Rows returned by load() calls without rowLimit.'),
  fact('telemetry.unboundedLoadCalls', 'integer', 'telemetry', PLUGIN, 'load() calls without rowLimit.'),
  fact('telemetry.rowsLoaded', 'integer', 'telemetry', PLUGIN, 'Rows materialized by load().'),
  fact('telemetry.rowsIterated', 'integer', 'telemetry', PLUGIN, 'Rows streamed through iterBatches().'),
  fact('telemetry.batches', 'integer', 'telemetry', PLUGIN, 'Batches streamed through iterBatches().'),
  fact('telemetry.sqlStatements', 'integer', 'telemetry', PLUGIN, 'SQL statements executed through sql().'),
  fact('telemetry.sqlRowsReturned', 'integer', 'telemetry', PLUGIN, 'Rows returned by sql().'),
  fact('telemetry.truncations', 'integer', 'telemetry', PLUGIN, 'Results cut short by rowLimit / maxRows.'),
  fact('telemetry.peakRssBytes', 'integer', 'telemetry', PLUGIN, 'Peak resident set size of the plugin process, bytes.'),
  fact('telemetry.wallMs', 'number', 'telemetry', PLUGIN, 'Wall time of the plugin execution, ms.'),
  fact('telemetry.exitReason', 'string', 'telemetry', PLUGIN, 'How the plugin process ended (the runner\'s exit reason).', [
    'completed', 'plugin_error', 'load_error', 'invalid_result', 'timeout', 'memory_cap', 'output_flood', 'process_exit', 'unsettled', 'signal', 'no_result', 'dependency_failed',
  ]),

  fact('contract.status', 'string', 'contract', PLUGIN, 'Result status the plugin returned.', ['ok', 'na', 'skipped', 'degraded', 'error']),
  fact('contract.violations', 'string[]', 'contract', PLUGIN, 'Insight-contract violations in the plugin result (missing fields, invented figures…).'),
  fact('contract.recommendations', 'integer', 'contract', ALL, 'Recommendations produced (per plugin, or in total for a run).'),
  fact('contract.actionable', 'integer', 'contract', ALL, 'Actionable recommendations (exact targets and a modeled figure or a not-modeled reason).'),
  fact('contract.reason', 'string', 'contract', PLUGIN, 'Reason the plugin gave for na/skipped/degraded/error.'),

  fact('insights.discoveryRecommendations', 'integer', 'novelty', RUN, 'Discovery (non-landmark) recommendations of the run.'),
  fact('insights.actionablePlugins', 'integer', 'novelty', RUN, 'Plugins with at least one actionable recommendation in the run.'),
  fact('novelty.reference', 'boolean', 'novelty', RUN, 'Whether a reference run (or --reference snapshot) was available.'),
  fact('novelty.referenceRunId', 'string', 'novelty', RUN, 'Id of the reference run or snapshot.'),
  fact('novelty.referenceReason', 'string', 'novelty', RUN, 'Why there is no reference run (only when there is none; with --require-reference novelty.reference is then left unknown).'),
  fact('novelty.newCount', 'integer', 'novelty', RUN, 'Recommendation signatures new versus the reference.'),
  fact('novelty.droppedCount', 'integer', 'novelty', RUN, 'Signatures present in the reference but not in this run.'),
  fact('novelty.unchangedCount', 'integer', 'novelty', RUN, 'Signatures present in both.'),
  fact('novelty.jaccard', 'number', 'novelty', RUN, 'Jaccard similarity of the signature sets (0..1).'),

  fact('taxonomy.declaredClass', 'string', 'taxonomy', PLUGIN, 'Class the plugin declares in definePlugin({ class }).'),
  fact('taxonomy.mappedClass', 'string', 'taxonomy', PLUGIN, 'Class plugin-class-taxonomy.yaml maps the plugin to (absent when unmapped).'),
  fact('taxonomy.mapped', 'boolean', 'taxonomy', PLUGIN, 'Whether plugin-class-taxonomy.yaml maps the plugin at all.'),

  fact('catalog.inCatalog', 'boolean', 'catalog', PLUGIN, 'Whether the plugin appears in the plugin catalog of record (the plugins map of plugin-class-taxonomy.yaml).'),
  fact('catalog.discovered', 'boolean', 'catalog', PLUGIN, 'Whether plugin discovery found the plugin on disk.'),
  fact(
    'catalog.entryOnly',
    'boolean',
    'catalog',
    PLUGIN,
    'True for a catalog entry with no plugin behind it (not discovered on disk, not in the run): only catalog.in-sync applies to it. False (or absent, without a taxonomy) for every plugin.',
  ),

  fact('knownIssues.leaks', 'string[]', 'known-issues', ALL, 'Known-issue landmark ids/titles found in outputs of a known-issues-off run.'),
  fact('knownIssues.landmarksLoaded', 'integer', 'known-issues', RUN, 'Landmarks loaded by the run (must be 0 in mode off).'),

  fact('plugin.apiVersion', 'semver', 'plugin-meta', PLUGIN, 'SDK apiVersion the plugin declares (e.g. 1.0.0).'),
  fact('plugin.version', 'semver', 'plugin-meta', PLUGIN, 'Plugin version.'),
  fact('plugin.file', 'string', 'plugin-meta', PLUGIN, 'Repo-relative path of the plugin entry file.'),
];

const BY_PATH: ReadonlyMap<string, FactDefinition> = new Map(FACT_CATALOG.map((f) => [f.path, f]));

export function factDefinition(path: string): FactDefinition | undefined {
  return BY_PATH.get(path);
}

export function factPaths(): string[] {
  return FACT_CATALOG.map((f) => f.path);
}

/** Whether a fact lives in the shared context (facts file `dataset` / `run`) rather than on the subject. */
export function isContextFact(path: string): boolean {
  return BY_PATH.get(path)?.subjects === 'context';
}
