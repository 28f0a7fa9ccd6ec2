/**
 * The formats end to end: the built `policy-eval` on the shipped policies and the policy
 * fixture facts, in every format, checked by the same validators as the unit tests.
 * Asserts structure and counts (not wording, which belongs to the policies).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, parseReportJson } from '../../src/formatters/index.ts';
import type { EvaluationReport } from '../../src/policy/index.ts';
import { ROOT, runCli, tempDir } from '../helpers/cli.ts';
import { validateWithMultitool, xmllint } from './validators.ts';

const ARGS = ['check', '--policies', 'policies', '--facts', 'fixtures/policy/facts.json', '--now', '2026-11-25', '--no-allowlist'];

function check(format: string): string {
  const r = runCli('policyEval', [...ARGS, '--format', format]);
  expect(r.stderr).toBe('');
  expect(r.status, `policy-eval --format ${format} exits 1 on the fixture's failing results`).toBe(1);
  return r.stdout;
}

describe('policy-eval output formats end to end', () => {
  // Evaluated in beforeAll (not at collection) so a broken CLI reports as a failing test.
  let json = '';
  let report: EvaluationReport;
  beforeAll(() => {
    json = check('json');
    report = parseReportJson(json, 'stdout');
  });
  const policyIds = readdirSync(join(ROOT, 'policies'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();

  it('json: a schema-valid report with results for the shipped policies', () => {
    expect(report.summary.results).toBe(report.results.length);
    expect(report.summary.failed.error).toBeGreaterThan(0);
    expect([...new Set(report.results.map((r) => r.policyId))].sort()).toEqual(policyIds);
  });

  it('sarif: every shipped policy is a rule; the multitool finds zero errors', () => {
    const sarif = check('sarif');
    const log = JSON.parse(sarif) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: unknown[] }[] };
    expect(log.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(expect.arrayContaining(policyIds));
    const s = report.summary;
    expect(log.runs[0]!.results).toHaveLength(s.failed.error + s.failed.warn + s.failed.info + s.allowlisted + s.baselined);
    expect(validateWithMultitool(sarif).errors).toEqual([]);
  });

  it('junit: valid against the Jenkins XSD', () => {
    const v = xmllint(check('junit'));
    expect(v.ok, v.output).toBe(true);
  });

  it('github: one annotation per problem', () => {
    const annotations = check('github')
      .split('\n')
      .filter((l) => /^::(error|warning|notice) /.test(l));
    const s = report.summary;
    expect(annotations).toHaveLength(s.failed.error + s.failed.warn + s.failed.info);
  });

  it('text and markdown: summary counts at the end / top', () => {
    const s = report.summary;
    expect(check('text')).toContain(`${s.results} results for ${s.policies} policies`);
    expect(check('markdown')).toContain(`| **Total** | **${s.results}** |`);
  });

  it('`policy-eval format --from` re-renders the saved JSON byte-identically in every format', () => {
    const dir = tempDir();
    const saved = join(dir, 'report.json');
    expect(runCli('policyEval', [...ARGS, '--format', 'json', '--output', saved]).status).toBe(1);
    expect(readFileSync(saved, 'utf8')).toBe(json);
    for (const format of OUTPUT_FORMATS.filter((f) => f === 'sarif' || f === 'markdown')) {
      const r = runCli('policyEval', ['format', '--from', saved, '--format', format]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(check(format));
    }
  });

  it('an unknown --format is a usage error (exit 2) with a did-you-mean', () => {
    const r = runCli('policyEval', [...ARGS, '--format', 'junt']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown output format "junt" (did you mean "junit"?)');
    expect(r.stdout).toBe('');
  });
});
