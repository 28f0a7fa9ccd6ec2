import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/common/yaml.ts';
import {
  factDefinition,
  catalogFacts,
  contractFacts,
  datasetFacts,
  leaksInText,
  loadTaxonomy,
  noveltyFacts,
  runInsightFacts,
  runOutputsProblem,
  scanRunOutputs,
  snapshotReference,
  taxonomyFacts,
  taxonomyFromParsed,
  telemetryFacts,
  undiscoveredCatalogIds,
} from '../../src/collectors/index.ts';
import { emptyTelemetry, type DatasetInfo } from '../../src/dataset/index.ts';
import type { EvidenceSnapshot } from '../../src/evidence/index.ts';
import type { Landmark } from '../../src/insights/index.ts';
import { EXIT_REASONS, type PluginResult, type Recommendation } from '../../src/plugins/index.ts';
import { REPORT_FILES } from '../../src/report/index.ts';
import type { ExecutionRow, RunRow } from '../../src/runs/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { newRunFixture } from '../helpers/runs.ts';

const rec = (over: Partial<Recommendation> = {}): Recommendation => ({
  plugin_id: 'p1',
  kind: 'queue_wait_hotspot',
  action_type: 'reschedule',
  where: { process_ids: ['P1'] },
  text: 'Move P1 out of the close peak.',
  not_modeled_reason: 'depends on competing load',
  scope: 'general',
  relevance: 0.5,
  ...over,
});
const result = (recommendations: Recommendation[], status: PluginResult['status'] = 'ok'): PluginResult => ({ status, summary: '', metrics: {}, findings: [], recommendations });
const execution = (over: Partial<ExecutionRow> = {}): ExecutionRow => ({
  pluginId: 'p1',
  version: '1.0.0',
  class: 'supporting_signal_detectors',
  access: 'iter_batches',
  status: 'ok',
  exitReason: 'completed',
  reason: null,
  sourceFile: '/x/p1.ts',
  result: result([rec()]),
  contractViolations: [],
  telemetry: { ...emptyTelemetry(), rowsLoaded: 10, unboundedLoadRows: 10, unboundedLoadCalls: 1, loadCalls: 1, rowsIterated: 5, batches: 1, sqlRowsReturned: 2 },
  peakRssBytes: 1000,
  pluginRssBytes: 10,
  wallMs: 12,
  cpuMs: 10,
  exitCode: 0,
  signal: null,
  stdoutTail: '',
  stderrTail: '',
  ...over,
});

describe('telemetry collector', () => {
  it('publishes the counters of an execution that reported them', () => {
    expect(telemetryFacts(execution())).toEqual({
      covered: true,
      exitReason: 'completed',
      rows: 17,
      rowsLoaded: 10,
      unboundedLoadRows: 10,
      unboundedLoadCalls: 1,
      rowsIterated: 5,
      batches: 1,
      sqlStatements: 0,
      sqlRowsReturned: 2,
      truncations: 0,
      peakRssBytes: 1000,
      wallMs: 12,
    });
  });
  it('a killed plugin or one not in the run is not covered, and its counters are missing (not zero)', () => {
    expect(telemetryFacts(execution({ exitReason: 'timeout' }))).toEqual({ covered: false, exitReason: 'timeout', peakRssBytes: 1000, wallMs: 12 });
    expect(telemetryFacts(undefined)).toEqual({ covered: false });
  });
  it('the catalog lists exactly the runner\'s exit reasons as telemetry.exitReason values', () => {
    expect(factDefinition('telemetry.exitReason')!.values).toEqual([...EXIT_REASONS]);
  });
  it('dataset context uses the configured largeRows', () => {
    const info = { rowCount: 2000, fingerprint: 'fp' } as DatasetInfo;
    expect(datasetFacts(info, 1000)).toEqual({ rows: 2000, fingerprint: 'fp', largeRows: 1000, largeDataset: true });
    expect(datasetFacts(info, 2000).largeDataset).toBe(false);
  });
});

describe('contract collector', () => {
  it('counts recommendations and actionable (contract-compliant) ones; violations sorted', () => {
    const e = execution({ result: result([rec(), rec({ not_modeled_reason: '' })]), contractViolations: ['z', 'a'], reason: 'partial data' });
    expect(contractFacts(e)).toEqual({ status: 'ok', violations: ['a', 'z'], recommendations: 2, actionable: 1, reason: 'partial data' });
  });
  it('run level: discovery recommendations exclude landmark matches; actionable plugins need ok/degraded and one compliant recommendation', () => {
    const executions = [
      execution({ pluginId: 'p1', result: result([rec(), rec({ where: { machine: 'APP02' }, text: 'Route away from APP02.', action_type: 'route_process' })]) }),
      execution({ pluginId: 'p2', result: result([rec({ plugin_id: 'p2' })], 'error') }),
      execution({ pluginId: 'p3', result: result([]) }),
    ];
    const landmark: Landmark = { id: 'slow-app02', title: 'APP02 is slow', action_type: 'route_process', where: { machine: 'APP02' }, min_count: 1 };
    expect(runInsightFacts(executions, [])).toEqual({ insights: { discoveryRecommendations: 3, actionablePlugins: 1 }, contract: { recommendations: 3, actionable: 3 } });
    expect(runInsightFacts(executions, [landmark]).insights.discoveryRecommendations).toBe(2);
  });
});

describe('novelty collector', () => {
  it('compares signatures with the reference', () => {
    expect(noveltyFacts(['a', 'b', 'c'], { id: '4', signatures: ['b', 'c', 'd'] }, 'run 4')).toEqual({
      reference: true,
      referenceRunId: '4',
      newCount: 1,
      droppedCount: 1,
      unchangedCount: 2,
      jaccard: 0.5,
    });
  });
  it('no reference: reference=false with the reason, or (required) the fact left unknown', () => {
    expect(noveltyFacts(['a'], undefined, 'no earlier run')).toEqual({ reference: false, referenceReason: 'no earlier run' });
    expect(noveltyFacts(['a'], undefined, 'no earlier run', true)).toEqual({ referenceReason: 'no earlier run (and --require-reference was given)' });
  });

  const H = (c: string) => c.repeat(64);
  const run = { id: 7, datasetFingerprint: 'fp', seed: 3, pluginIdsHash: H('1'), codeHash: H('2'), configHash: H('3') } as RunRow;
  const snapshot = (over: Partial<EvidenceSnapshot['run']> = {}, top: Partial<EvidenceSnapshot> = {}): EvidenceSnapshot => ({
    kind: 'stat-harness-evidence-snapshot',
    version: 1,
    dataset: { name: 'd', fingerprint: 'fp', rows: 10 },
    seed: 3,
    knownIssuesMode: 'off',
    run: { status: 'completed', harnessVersion: '0.1.0', codeHash: H('9'), configHash: H('3'), pluginIdsHash: H('1'), pluginSetHash: H('4'), recommendations: 1, actionable: 1, actionablePlugins: 1, ...over },
    plugins: [],
    signatures: [H('a')],
    ...top,
  });
  it('a comparable snapshot with other code is a reference; an identical one is not', () => {
    expect(snapshotReference(snapshot(), run, 'ref.json')).toEqual({ reference: { id: 'snapshot:ref.json', signatures: [H('a')] }, reason: 'snapshot ref.json' });
    expect(snapshotReference(snapshot({ codeHash: H('2') }), run, 'ref.json').reference).toBeUndefined();
  });
  it('a snapshot of another dataset, seed, plugin set or a mode-on run is refused naming every difference', () => {
    expect(() => snapshotReference(snapshot({ pluginIdsHash: H('5') }, { seed: 4, knownIssuesMode: 'on' }), run, 'ref.json')).toThrow(
      /cannot serve as the reference of run 7: seed 4 vs 3; a different plugin-id set; known-issues mode on/,
    );
  });
});

describe('taxonomy and catalog collectors', () => {
  const parse = (text: string) => taxonomyFromParsed(parseYamlText(text, 'taxonomy.yaml'));
  it('reads the plugins map and class lists; agreement is required', () => {
    const m = parse('version: 1\nclasses:\n  direct_action_generators:\n    rationale: x\n    plugins: [a_v1]\nplugins:\n  a_v1: direct_action_generators\n  b_v1: supporting_signal_detectors\n');
    expect([...m]).toEqual([
      ['a_v1', 'direct_action_generators'],
      ['b_v1', 'supporting_signal_detectors'],
    ]);
    expect(() => parse('classes:\n  synthesis_verification:\n    plugins: [a_v1]\nplugins:\n  a_v1: direct_action_generators\n')).toThrow(/plugin "a_v1" is mapped to two classes/);
    expect(() => parse('version: 1\n')).toThrow(/maps no plugins/);
  });
  it('mapped, unmapped and disagreeing plugins', () => {
    const m = new Map([['a_v1', 'direct_action_generators']]);
    expect(taxonomyFacts('direct_action_generators', m, 'a_v1')).toEqual({ declaredClass: 'direct_action_generators', mappedClass: 'direct_action_generators', mapped: true });
    expect(taxonomyFacts('supporting_signal_detectors', m, 'z_v1')).toEqual({ declaredClass: 'supporting_signal_detectors', mapped: false });
    expect(catalogFacts('a_v1', m, new Set(['b_v1']))).toEqual({ inCatalog: true, discovered: false, entryOnly: true });
    // A plugin of the run that is no longer discovered is still a plugin (its telemetry and scan are checked).
    expect(catalogFacts('a_v1', m, new Set(['b_v1']), true)).toEqual({ inCatalog: true, discovered: false, entryOnly: false });
    expect(catalogFacts('b_v1', m, new Set(['b_v1']))).toEqual({ inCatalog: false, discovered: true, entryOnly: false });
    expect(undiscoveredCatalogIds(new Map([['b', 'x'], ['a', 'x'], ['c', 'x']]), new Set(['c']))).toEqual(['a', 'b']);
  });
  it('an absent taxonomy file gives no mapping (facts missing → unknown); a schema-invalid one is an error with its position', () => {
    const dir = tempDir();
    expect(loadTaxonomy(join(dir, 'none.yaml'))).toBeUndefined();
    writeFileSync(join(dir, 't.yaml'), 'version: 1\nclasses: {}\nplugins:\n  a_v1: nonsense\n');
    expect(() => loadTaxonomy(join(dir, 't.yaml'))).toThrow(/invalid plugin class taxonomy/);
  });
});

describe('known-issues leakage collector', () => {
  const landmarks: Landmark[] = [{ id: 'ki-slow-app02', title: 'APP02 runs  slower', min_count: 1 }];
  it('finds landmark ids as whole tokens and titles ignoring case and spacing', () => {
    expect(leaksInText('report.md', 'see ki-slow-app02 here', landmarks, true)).toEqual(['report.md: ki-slow-app02']);
    expect(leaksInText('report.md', 'xki-slow-app02x ki-slow-app021', landmarks, true)).toEqual([]);
    expect(leaksInText('a.txt', 'Note: app02 RUNS slower\n', landmarks, false)).toEqual(['a.txt: ki-slow-app02']);
  });
  it('finds known-issue sections in reports only', () => {
    expect(leaksInText('report.md', '# Report\n\n## Known issues\n', [], true)).toEqual(['report.md: known-issues section']);
    expect(leaksInText('report.json', '{ "known_issues": { "mode": "on" } }', [], true)).toEqual(['report.json: known-issues section']);
    expect(leaksInText('manifest.json', '{ "knownIssuesMode": "off" }', [], true)).toEqual([]);
  });
  /** A complete run directory: every harness report, a manifest listing them and one artifact. */
  const runDir = (report: unknown = {}): string => {
    const dir = tempDir();
    mkdirSync(join(dir, 'artifacts/p1'), { recursive: true });
    writeFileSync(join(dir, 'artifacts/p1/out.txt'), 'mentions ki-slow-app02');
    for (const f of REPORT_FILES) writeFileSync(join(dir, f), 'clean\n');
    writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ knownIssuesMode: 'off', files: [...REPORT_FILES, 'artifacts/p1/out.txt'] }));
    return dir;
  };
  it('scans a run directory (artifacts too) and counts the landmarks report.json lists', () => {
    const dir = runDir({ known_issues: { mode: 'on', landmarks: [{ id: 'x' }, { id: 'y' }] } });
    expect(runOutputsProblem(dir)).toBeUndefined();
    expect(scanRunOutputs(dir, landmarks)).toEqual({ leaks: ['artifacts/p1/out.txt: ki-slow-app02', 'report.json: known-issues section'], landmarksLoaded: 2 });
    expect(scanRunOutputs(runDir(), [])).toEqual({ leaks: [], landmarksLoaded: 0 });
  });
  it('deleted, corrupt or incomplete outputs leave the facts out (unknown, fail-closed), never 0 leaks', () => {
    const deleted = runDir();
    for (const f of REPORT_FILES) rmSync(join(deleted, f));
    expect(runOutputsProblem(deleted)).toMatch(/lacks answers_recommendations\.md, .*report\.json/);
    expect(scanRunOutputs(deleted, landmarks)).toBeUndefined();

    const corrupt = runDir();
    writeFileSync(join(corrupt, 'report.json'), '{ "known_issues": ');
    expect(runOutputsProblem(corrupt)).toMatch(/report\.json is not a JSON object/);
    expect(scanRunOutputs(corrupt, [])).toBeUndefined();
    writeFileSync(join(corrupt, 'report.json'), '[]');
    expect(scanRunOutputs(corrupt, [])).toBeUndefined();

    // A file the manifest lists (a checklist, an artifact) that is gone: the scan cannot vouch for it.
    const partial = runDir();
    rmSync(join(partial, 'artifacts/p1/out.txt'));
    expect(runOutputsProblem(partial)).toMatch(/lacks artifacts\/p1\/out\.txt/);
    expect(scanRunOutputs(partial, [])).toBeUndefined();

    const badManifest = runDir();
    writeFileSync(join(badManifest, 'manifest.json'), 'not json');
    expect(scanRunOutputs(badManifest, [])).toBeUndefined();
    expect(scanRunOutputs(join(badManifest, 'nope'), [])).toBeUndefined();
  });
});

describe('collectFacts on a run still in progress', () => {
  it('refuses with the run status and what to do (exit 2), instead of judging partial results', async () => {
    const { openStore } = await import('../../src/dataset/index.ts');
    const { insertRun, prepareRunsStore } = await import('../../src/runs/index.ts');
    const { collectFacts } = await import('../../src/collectors/index.ts');
    const { loadConfig } = await import('../../src/config/index.ts');
    const dir = tempDir();
    const db = openStore(join(dir, 's.db'));
    prepareRunsStore(db);
    const id = insertRun(db, newRunFixture());
    const config = loadConfig({ cwd: dir, env: {} });
    await expect(collectFacts({ db, config, runId: id, repoRoot: dir, plugins: [] })).rejects.toMatchObject({ code: 'run-not-completed', exitCode: 2 });
    db.close();
  });
});
