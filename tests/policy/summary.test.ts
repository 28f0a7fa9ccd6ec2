/** Severity `off`: switched-off violations are counted apart, never as problems or unknowns. */
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../src/formatters/index.ts';
import { summarize, type EvaluationReport, type PolicyResult } from '../../src/policy/index.ts';

const subject = { kind: 'plugin' as const, id: 'p' };
const results: PolicyResult[] = [
  { policyId: 'a.one', subject, status: 'unknown', severity: 'off', message: 'cannot decide', fingerprint: 'f1', missingFacts: ['telemetry.rows'] },
  { policyId: 'a.two', subject, status: 'fail', severity: 'off', message: 'violated', fingerprint: 'f2' },
  { policyId: 'a.three', subject, status: 'pass', severity: 'warn' },
];

describe('severity off in the summary', () => {
  it('is counted in summary.off, not in failed or unknown', () => {
    const s = summarize(results, { policies: 3, subjects: 1, fixed: 0 });
    expect(s).toMatchObject({ results: 3, passed: 1, failed: { error: 0, warn: 0, info: 0 }, unknown: 0, off: 2 });
  });

  it('text output reads "no problems" and names the switched-off count', () => {
    const report: EvaluationReport = { tool: { name: 'policy-eval', version: 't' }, now: '2026-01-10', policies: [], results, summary: summarize(results, { policies: 3, subjects: 1, fixed: 0 }) };
    const text = formatReport('text', report, { cwd: '/', color: false });
    expect(text).toContain('✔ no problems');
    expect(text).not.toContain('of them unknown');
    expect(text).toContain('1 passed, 0 allowlisted, 0 baselined, 0 not applicable, 2 switched off (severity off)');
    const withUnknown = [...results, { policyId: 'a.four', subject, status: 'unknown', severity: 'warn', message: 'cannot decide', fingerprint: 'f4', missingFacts: ['x'] } satisfies PolicyResult];
    const t2 = formatReport('text', { ...report, results: withUnknown, summary: summarize(withUnknown, { policies: 4, subjects: 1, fixed: 0 }) }, { cwd: '/', color: false });
    expect(t2).toContain('1 problem (0 errors, 1 warning, 0 info; 1 of them unknown (missing facts))');
  });
});
