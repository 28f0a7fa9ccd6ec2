/**
 * One result per violation site (review finding M2): a baseline must see a second unbounded
 * load() next to an accepted one, and a site added earlier in the file must not make the
 * accepted one look fixed. Fingerprints survive line shifts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvToggles } from '../../src/config/index.ts';
import { applyBaseline, baselineFrom, buildPolicySet, compilePolicies, loadPolicies, runCheck, type FactsDocument, type PolicyResult, type ThresholdConfig } from '../../src/policy/index.ts';
import { ROOT } from '../helpers/cli.ts';

const CONFIG: ThresholdConfig = { largeRows: 1_000_000, closeWindow: { startDay: 20, endDay: 5 }, plugins: { dirs: [], packages: [], jobs: undefined, timeoutMs: 1, memoryMb: 1 }, env: parseEnvToggles({}) };
const FILE = 'src/plugins/builtin/legacy_loader.ts';

interface Site {
  line: number;
  fn: string;
  snippet: string;
}

function facts(sites: Site[]): FactsDocument {
  const locations = sites.map((s) => ({ file: FILE, line: s.line, column: 5, function: s.fn, snippet: s.snippet, class: 'dataset_loader_unbounded' }));
  return {
    dataset: { rows: 2_500_000 },
    subjects: [{ kind: 'plugin', id: 'legacy_loader_v1', access: { declared: 'iter_batches', classes: ['dataset_loader_unbounded'], sites: 'x', locations }, telemetry: { unboundedLoadRows: 5 } }],
  };
}

const set = buildPolicySet(
  compilePolicies(loadPolicies([join(ROOT, 'policies/streaming.unbounded-loader.yaml')], { config: CONFIG, cwd: ROOT })),
  { engine: 'fast', nowMs: Date.UTC(2026, 0, 10) },
);

async function loaderResults(sites: Site[], engine: 'fast' | 'jre' = 'fast'): Promise<PolicyResult[]> {
  const s = engine === 'fast' ? set : buildPolicySet(set.policies, { engine, nowMs: set.nowMs });
  const { report } = await runCheck({ set: s, facts: facts(sites), env: CONFIG.env, now: '2026-01-10', version: 't' });
  return report.results.filter((r) => r.policyId === 'streaming.unbounded-loader');
}

const A: Site = { line: 12, fn: 'run', snippet: "ctx.dataset.load({ columns: ['process_id'] })" };
const B: Site = { line: 30, fn: 'summarize', snippet: "ctx.dataset.load({ columns: ['end_dt'] })" };

describe('violation sites', () => {
  for (const engine of ['fast', 'jre'] as const) {
    it(`one result per site, in line order, each with its own fingerprint (${engine})`, async () => {
      const rs = await loaderResults([B, A], engine);
      expect(rs.map((r) => [r.status, r.location?.line, r.location?.function])).toEqual([
        ['fail', 12, 'run'],
        ['fail', 30, 'summarize'],
      ]);
      expect(new Set(rs.map((r) => r.fingerprint)).size).toBe(2);
    });
  }

  it('a second site next to a baselined one is new; a site added earlier leaves the old one baselined', async () => {
    const baseline = baselineFrom(await loaderResults([A]));
    const added = applyBaseline(await loaderResults([A, B]), baseline);
    expect(added.results.map((r) => [r.location?.function, r.status])).toEqual([
      ['run', 'baselined'],
      ['summarize', 'fail'],
    ]);
    expect(added.fixed).toEqual([]);
    // A new site above the old one, which moves down 10 lines: the old one is still accepted.
    const earlier = applyBaseline(await loaderResults([{ ...B, line: 3, fn: 'prepare' }, { ...A, line: A.line + 10 }]), baseline);
    expect(earlier.results.map((r) => [r.location?.function, r.status])).toEqual([
      ['prepare', 'fail'],
      ['run', 'baselined'],
    ]);
    expect(earlier.fixed).toEqual([]);
    // Removing the site is what makes the entry fixed.
    const gone = applyBaseline(await loaderResults([B]), baseline);
    expect(gone.fixed.map((e) => e.function)).toEqual(['run']);
  });

  it('identical calls in one function get distinct fingerprints, stable across line shifts', async () => {
    const twice = await loaderResults([A, { ...A, line: 20 }]);
    expect(new Set(twice.map((r) => r.fingerprint)).size).toBe(2);
    const shifted = await loaderResults([{ ...A, line: 40 }, { ...A, line: 48 }]);
    expect(shifted.map((r) => r.fingerprint)).toEqual(twice.map((r) => r.fingerprint));
    // Accepting one copy does not accept a second copy added later.
    const baseline = baselineFrom(await loaderResults([A]));
    expect(applyBaseline(twice, baseline).results.map((r) => r.status)).toEqual(['baselined', 'fail']);
  });

  it('a violation with no matching site (telemetry only) is one result without a location', async () => {
    const rs = await loaderResults([]);
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ status: 'fail' });
    expect(rs[0]!.location).toBeUndefined();
  });
});
