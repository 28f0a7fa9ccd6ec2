/**
 * Policy unit tests must not pass when they should fail (review finding M4): an `unknown`
 * result satisfies `expect: fail` only with `status: unknown`, test facts are checked against
 * the fact catalog, and a leftover `only: true` fails the run unless allowed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { parseEnvToggles } from '../../src/config/index.ts';
import { loadTestFile, runPolicyTests, type ThresholdConfig } from '../../src/policy/index.ts';
import { ROOT } from '../helpers/cli.ts';

const CONFIG: ThresholdConfig = { largeRows: 1_000_000, closeWindow: { startDay: 20, endDay: 5 }, plugins: { dirs: [], packages: [], jobs: undefined, timeoutMs: 1, memoryMb: 1 }, env: parseEnvToggles({}) };

function testFile(body: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ptest-'));
  const file = join(dir, 'case.test.yaml');
  writeFileSync(file, `policy: catalog.in-sync\ncases:\n${body}`);
  return { dir, file };
}

async function run(body: string, extra: { allowOnly?: boolean } = {}) {
  const { dir, file } = testFile(body);
  return runPolicyTests({ policiesDir: join(ROOT, 'policies'), testPaths: [file], baseConfig: CONFIG, cwd: dir, engine: 'fast', now: '2026-01-10', parity: false, ...extra });
}

const kase = (name: string, catalog: string, expect: string, extra = '') => `  - name: ${name}\n    facts:\n      subject: { kind: plugin, id: p, catalog: ${catalog} }\n    expect: ${expect}\n${extra}`;

describe('policy test runner', () => {
  it('an unknown result does not satisfy expect: fail unless the case says status: unknown', async () => {
    // catalog.discovered is missing: the policy cannot decide (unknown, fails closed at error).
    const silent = await run(kase('missing fact', '{ inCatalog: true }', 'fail'));
    expect(silent.failed).toBe(1);
    expect(silent.outcomes[0]!.detail).toContain('expected fail from a violation, got unknown (missing catalog.discovered); add `status: unknown`');
    const said = await run(kase('missing fact', '{ inCatalog: true }', 'fail', '    status: unknown\n'));
    expect(said.failed).toBe(0);
    expect(said.passed).toBe(1);
  });

  it('a fact path the catalog does not know is a load error at its line, with did-you-mean', () => {
    const { dir, file } = testFile(kase('typo', '{ inCatalog: false, discoverd: true }', 'fail'));
    let err: unknown;
    try {
      loadTestFile(file, dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HarnessError);
    expect(err).toMatchObject({ code: 'unknown-fact', file: 'case.test.yaml', line: 5, message: expect.stringContaining('"catalog.discoverd", which is not a fact any collector provides (did you mean "catalog.discovered"?)') });
    const ctx = testFile(`  - name: ctx\n    facts:\n      dataset: { rowz: 3 }\n      subject: { kind: plugin, id: p, catalog: { inCatalog: true, discovered: true } }\n    expect: pass\n`);
    expect(() => loadTestFile(ctx.file, ctx.dir)).toThrow(/"dataset\.rowz".*did you mean "dataset\.rows"/);
  });

  it('cases skipped by only: true fail the run unless allowOnly', async () => {
    const body = kase('a', '{ inCatalog: true, discovered: true }', 'pass') + kase('b', '{ inCatalog: false, discovered: true }', 'fail', '    only: true\n');
    const forbidden = await run(body);
    expect(forbidden.outcomes.map((o) => o.name)).toEqual(['b']);
    expect(forbidden.skipped).toBe(1);
    expect(forbidden.failed).toBe(1);
    expect(forbidden.only[0]).toMatch(/^1 case skipped because of only: true at case\.test\.yaml:7; remove it \(or pass --allow-only/);
    const allowed = await run(body, { allowOnly: true });
    expect(allowed.failed).toBe(0);
    expect(allowed.only).toEqual([]);
  });
});
