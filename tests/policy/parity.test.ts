/**
 * Rule, test and doc kept in step (ESLint's checkRuleFiles): every shipped policy has a test
 * file with a passing and a failing case, all policy tests pass on both engines, and
 * docs/policies.md is what `policy-eval doc` generates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvToggles } from '../../src/config/index.ts';
import { loadPolicies, renderPolicyDocs, runPolicyTests, type ThresholdConfig } from '../../src/policy/index.ts';
import { ROOT } from '../helpers/cli.ts';

const config: ThresholdConfig = { largeRows: 1_000_000, closeWindow: { startDay: 20, endDay: 5 }, plugins: { dirs: [], packages: [], jobs: undefined, timeoutMs: 300_000, memoryMb: 2048 }, env: parseEnvToggles({}) };

describe('policy parity', () => {
  for (const engine of ['fast', 'jre'] as const) {
    it(`every policy has passing and failing cases, and all cases pass (${engine})`, async () => {
      const run = await runPolicyTests({ policiesDir: join(ROOT, 'policies'), testPaths: [join(ROOT, 'policies/tests')], baseConfig: config, cwd: ROOT, engine, now: '2026-01-10', parity: true });
      expect(run.parity).toEqual([]);
      expect(run.outcomes.filter((o) => !o.passed).map((o) => `${o.policy} › ${o.name}: ${o.detail}`)).toEqual([]);
      expect(run.passed).toBeGreaterThanOrEqual(30);
    });
  }

  it('docs/policies.md is current', () => {
    const defs = loadPolicies([join(ROOT, 'policies')], { config: { ...config, env: { raw: {} } }, cwd: ROOT });
    expect(readFileSync(join(ROOT, 'docs/policies.md'), 'utf8')).toBe(renderPolicyDocs(defs));
  });
});
