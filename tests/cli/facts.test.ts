import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { factDefinition } from '../../src/collectors/index.ts';
import { schemaValidator } from '../../src/common/schema.ts';
import { ROOT, runCli, tempDir, type CliResult } from '../helpers/cli.ts';

/**
 * The collectors through the built binaries: synthesize a log, `stat-harness run` with the
 * built-in plugins plus fixtures/collectors/plugins, `stat-harness facts`, then
 * `policy-eval check --run` evaluating the shipped policies on those real facts.
 */
let dir: string;
const env = { STAT_HARNESS_KNOWN_ISSUES_MODE: undefined, STAT_HARNESS_STREAMING_POLICY_STRICT: undefined, STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN: undefined };
const sh = (args: string[]): CliResult => runCli('statHarness', args, { cwd: dir, env });
const pe = (args: string[], extra: NodeJS.ProcessEnv = {}): CliResult => runCli('policyEval', [...args, '--policies', join(ROOT, 'policies'), '--now', '2026-01-10'], { cwd: dir, env: { ...env, ...extra } });

interface Subject {
  kind: string;
  id: string;
  access?: { declared: string; classes: string[]; locations: { file: string; line: number; function: string; class: string }[] };
  taxonomy?: { declaredClass: string; mapped?: boolean };
  novelty?: { reference?: boolean; referenceRunId?: string; referenceReason?: string; newCount?: number; jaccard?: number };
  knownIssues?: { leaks: string[]; landmarksLoaded: number };
  telemetry?: { covered: boolean; unboundedLoadRows?: number };
  [k: string]: unknown;
}
interface Facts {
  dataset: { rows: number; largeDataset: boolean };
  run: { id: string; knownIssuesMode: string };
  subjects: Subject[];
}
interface Result {
  policyId: string;
  subject: { id: string };
  status: string;
  severity: string;
  missingFacts?: string[];
  location?: { file: string; line?: number };
  reason?: string;
}

const facts = (args: string[]): Facts => {
  const r = sh(['facts', ...args]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Facts;
};
const subject = (f: Facts, id: string): Subject => f.subjects.find((s) => s.id === id)!;

let first: Facts;

beforeAll(() => {
  dir = tempDir('collectors-e2e-');
  const config = (extra = '') =>
    `store: store/harness.db\nlargeRows: 500\npolicies:\n  taxonomy: taxonomy.yaml\nplugins:\n  timeoutMs: 30000${extra}\n  memoryMb: 512\n  dirs: [${JSON.stringify(join(ROOT, 'fixtures/collectors/plugins'))}]\n`;
  writeFileSync(join(dir, '.statharnessrc.yaml'), config());
  const synth = sh(['synth', '--rows', '2000', '--seed', '5', '--out', 'log.csv']);
  expect(synth.status, synth.stderr).toBe(0);
  const run = sh(['run', '--dataset', 'log.csv', '--out', 'out/1']);
  expect(run.status, run.stderr).toBe(0);
  first = facts(['--run', '1', '--repo-root', ROOT]);
  // Governance's taxonomy for this test: every discovered plugin mapped to the class it declares.
  const plugins = first.subjects.filter((s) => s.kind === 'plugin');
  const classes = [...new Set(plugins.map((s) => s.taxonomy!.declaredClass))].sort().map((c) => `  ${c}:\n    rationale: fixture class of the collectors end-to-end test`);
  // ghost_plugin_v1 is in the catalog but not on disk: it becomes a subject with discovered=false.
  const lines = [...plugins.map((s) => `  ${s.id}: ${s.taxonomy!.declaredClass}`), '  ghost_plugin_v1: direct_action_generators'];
  writeFileSync(join(dir, 'taxonomy.yaml'), `version: 1\nclasses:\n${classes.join('\n')}\nplugins:\n${lines.join('\n')}\n`);
  // A second run whose config hash differs (the timeout is hashed, results are not affected).
  writeFileSync(join(dir, '.statharnessrc.yaml'), config('\n  jobs: 2').replace('timeoutMs: 30000', 'timeoutMs: 31000'));
  const second = sh(['run', '--dataset', '1', '--out', 'out/2']);
  expect(second.status, second.stderr).toBe(0);
}, 240_000);

describe('stat-harness facts --run', () => {
  it('publishes schema-valid facts with type-resolved access classes and locations', () => {
    const validate = schemaValidator('facts.schema.json');
    expect(validate(first), JSON.stringify(validate.errors)).toBe(true);
    expect(first.dataset).toMatchObject({ rows: 2000, largeDataset: true });
    // Every fact the collectors publish is in the fact catalog (policies can name it).
    const paths = new Set<string>();
    const walk = (prefix: string, v: unknown): void => {
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(prefix === '' ? k : `${prefix}.${k}`, x);
      else paths.add(prefix);
    };
    for (const s of first.subjects) for (const [k, v] of Object.entries(s)) if (k !== 'kind' && k !== 'id') walk(k, v);
    walk('dataset', first.dataset);
    walk('run', first.run);
    expect([...paths].filter((p) => factDefinition(p) === undefined)).toEqual([]);
    expect(first.run).toMatchObject({ id: '1', knownIssuesMode: 'off' });
    const unbounded = subject(first, 'fixture_unbounded_loader');
    expect(unbounded.access).toMatchObject({ declared: 'iter_batches', classes: ['dataset_loader_unbounded'] });
    expect(unbounded.access!.locations).toEqual([
      expect.objectContaining({ file: 'fixtures/collectors/plugins/unbounded_loader.ts', line: 11, function: 'run', class: 'dataset_loader_unbounded' }),
    ]);
    expect(unbounded.telemetry).toMatchObject({ covered: true, unboundedLoadRows: 2000 });
    expect(subject(first, 'fixture_aliased_access').access!.classes).toEqual(['dataset_loader_bounded', 'iter_batches', 'sql_assist']);
    expect(subject(first, 'fixture_orchestrator').access!.classes).toEqual(['orchestration_only']);
    expect(subject(first, 'queue_wait_by_process_v1').access!.locations[0]!.file).toBe('src/plugins/builtin/queue_wait_by_process.ts');
    const run = subject(first, '1');
    expect(run.novelty).toEqual({ reference: false, referenceReason: expect.stringContaining('no earlier completed run') });
    expect(run.knownIssues).toEqual({ leaks: [], landmarksLoaded: 0 });
    // Without the taxonomy file the taxonomy facts are missing (policies report unknown).
    expect(unbounded.taxonomy).toEqual({ declaredClass: 'supporting_signal_detectors' });
  });

  it('policy-eval check --run evaluates the shipped policies on real facts; strict streaming exits 1', () => {
    const r = pe(['check', '--run', '1', '--format', 'json']);
    const results = (JSON.parse(r.stdout) as { results: Result[] }).results;
    // Every fact a shipped policy needs is collected for this run: nothing is unknown.
    expect(results.filter((x) => x.status === 'unknown').map((x) => `${x.policyId} ${x.subject.id} ${x.missingFacts}`)).toEqual([]);
    // The stale catalog entry (no plugin on disk or in the run) gives exactly the catalog.in-sync
    // failure; every per-plugin policy is not applicable to it (nothing to scan, no telemetry).
    const ghost = results.filter((x) => x.subject.id === 'ghost_plugin_v1');
    expect(ghost.filter((x) => x.status !== 'not_applicable')).toEqual([expect.objectContaining({ policyId: 'catalog.in-sync', status: 'fail', severity: 'error' })]);
    expect(ghost.map((x) => x.policyId).sort()).toEqual(['catalog.in-sync', 'insight.contract', 'plugin.sdk-version', 'streaming.contract-mismatch', 'streaming.telemetry-coverage', 'streaming.unbounded-loader', 'taxonomy.class-mapped']);
    expect(r.status).toBe(1);
    const flagged = results.filter((x) => x.policyId === 'streaming.unbounded-loader' && x.status === 'fail');
    // (One result per site is allowed: fixture_registry_maybe has two unbounded loads.)
    expect([...new Set(flagged.map((x) => x.subject.id))].sort()).toEqual(['fixture_registry_maybe', 'fixture_unbounded_loader']);
    const loader = flagged.find((x) => x.subject.id === 'fixture_unbounded_loader')!;
    expect(loader.severity).toBe('warn');
    expect(loader.location?.file).toMatch(/fixtures\/collectors\/plugins\/unbounded_loader\.ts$/);
    expect(loader.location?.line).toBe(11);
    const novelty = results.find((x) => x.policyId === 'insight.autonomous-novelty')!;
    expect(novelty.status).toBe('not_applicable');
    expect(results.find((x) => x.policyId === 'known-issues.no-leakage')!.status).toBe('pass');

    // The facts file `stat-harness facts --out` writes gives policy-eval --facts the same report.
    expect(sh(['facts', '--run', '1', '--out', 'facts-1.json']).status).toBe(0);
    expect(pe(['check', '--facts', 'facts-1.json', '--format', 'json']).stdout).toBe(r.stdout);

    const strict = pe(['check', '--run', '1', '--format', 'json'], { STAT_HARNESS_STREAMING_POLICY_STRICT: '1' });
    expect(strict.status, strict.stderr).toBe(1);
    const strictLoader = (JSON.parse(strict.stdout) as { results: Result[] }).results.find((x) => x.policyId === 'streaming.unbounded-loader' && x.subject.id === 'fixture_unbounded_loader')!;
    expect(strictLoader).toMatchObject({ status: 'fail', severity: 'error' });
  });

  it('finds the stored reference run for a later run with a different config hash; facts are byte-identical when collected again', () => {
    const a = sh(['facts', '--run', '2']);
    const b = sh(['facts', '--run', '2']);
    expect(a.status, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const second = JSON.parse(a.stdout) as Facts;
    const run = subject(second, '2');
    expect(run.novelty).toMatchObject({ reference: true, referenceRunId: '1', newCount: 0, jaccard: 1 });
  });

  it('--require-reference leaves novelty.reference unknown so the novelty policy fails closed', () => {
    const r = pe(['check', '--run', '1', '--require-reference', '--format', 'json']);
    expect(r.status).toBe(1);
    const novelty = (JSON.parse(r.stdout) as { results: Result[] }).results.find((x) => x.policyId === 'insight.autonomous-novelty')!;
    expect(novelty.status).toBe('unknown');
    expect(novelty.missingFacts).toContain('novelty.reference');
  });

  it('unknown run and a missing store are exit-2 errors, never a stack trace', () => {
    const r = sh(['facts', '--run', '99']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error [unknown-run] no run "99"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(join(dir, 'no-store.yaml'), 'store: nowhere/harness.db\n');
    const missing = sh(['facts', '--run', '1', '--config', 'no-store.yaml']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('error [store-missing] no store at');
    const snap = sh(['evidence', 'snapshot', '--run', '42', '--out', 'x.json']);
    expect(snap.status).toBe(2);
    expect(snap.stderr).toContain('error [unknown-run] no run "42"');
  });
});

describe('stat-harness evidence snapshot', () => {
  it('writes a deterministic, schema-valid snapshot that serves as --reference', () => {
    expect(sh(['evidence', 'snapshot', '--run', '1', '--out', 'ref-a.json']).status).toBe(0);
    expect(sh(['evidence', 'snapshot', '--run', '1', '--out', 'ref-b.json', '--quiet']).status).toBe(0);
    const a = readFileSync(join(dir, 'ref-a.json'), 'utf8');
    expect(readFileSync(join(dir, 'ref-b.json'), 'utf8')).toBe(a);
    expect(a).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    const snap = JSON.parse(a) as { signatures: string[]; seed: number };
    const validate = schemaValidator('evidence-snapshot.schema.json');
    expect(validate(snap), JSON.stringify(validate.errors)).toBe(true);
    expect(snap.signatures).toEqual([...snap.signatures].sort());

    // Run 2 against the snapshot of run 1: a real reference.
    const vs = subject(facts(['--run', '2', '--reference', 'ref-a.json']), '2');
    expect(vs.novelty).toMatchObject({ reference: true, referenceRunId: 'snapshot:ref-a.json', newCount: 0, jaccard: 1 });
    // Run 1 against its own snapshot: an identical rerun is not a prior run.
    const self = subject(facts(['--run', '1', '--reference', 'ref-a.json']), '1');
    expect(self.novelty).toEqual({ reference: false, referenceReason: expect.stringContaining('identical rerun') });
  });

  it('refuses a snapshot of another seed and a snapshot that fails its schema (exit 2, file named)', () => {
    const snap = JSON.parse(readFileSync(join(dir, 'ref-a.json'), 'utf8')) as { seed: number; signatures: string[] };
    writeFileSync(join(dir, 'other-seed.json'), JSON.stringify({ ...snap, seed: snap.seed + 1 }, null, 2));
    const r = sh(['facts', '--run', '1', '--reference', 'other-seed.json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error [reference-mismatch]');
    expect(r.stderr).toContain(`seed ${snap.seed + 1} vs ${snap.seed}`);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...snap, signatures: ['not-a-hash'] }, null, 2));
    const bad = sh(['facts', '--run', '1', '--reference', 'bad.json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json:\d+:\d+ error \[schema\] invalid evidence snapshot/);
  });
});

describe('known-issues leakage on a run whose reports are gone', () => {
  it('deleted reports leave the leakage facts out: known-issues.no-leakage is unknown (fail-closed), never a pass', () => {
    rmSync(join(dir, 'out/2/report.json'));
    const run = subject(facts(['--run', '2']), '2');
    expect(run.knownIssues).toBeUndefined();
    const r = pe(['check', '--run', '2', '--format', 'json']);
    const leak = (JSON.parse(r.stdout) as { results: Result[] }).results.find((x) => x.policyId === 'known-issues.no-leakage')!;
    expect(leak).toMatchObject({ status: 'unknown', severity: 'error' });
    expect(leak.missingFacts).toEqual(expect.arrayContaining(['knownIssues.leaks']));
    expect(r.status).toBe(1);
  });
});
