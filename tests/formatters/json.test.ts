import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/common/schema.ts';
import { stableStringify } from '../../src/common/hash.ts';
import { FIXTURE_CWD, loadFixtureReport } from '../../fixtures/formatters/goldens.ts';
import { formatJson, parseReportJson, REPORT_SCHEMA, writeReportJson } from '../../src/formatters/json.ts';
import { formatReport, OUTPUT_FORMATS } from '../../src/formatters/index.ts';
import { sortedPolicies, sortedResults } from '../../src/formatters/shared.ts';
import type { EvaluationReport, PolicyResult } from '../../src/policy/index.ts';
import { harnessErrorOf } from '../helpers/errors.ts';

const ctx = { cwd: FIXTURE_CWD, color: false };
const report = loadFixtureReport('report');

describe('JSON formatter', () => {
  const text = formatJson(report, ctx);

  it('is valid against schemas/policy-report.schema.json', () => {
    const validate = schemaValidator(REPORT_SCHEMA);
    expect(validate(JSON.parse(text))).toBe(true);
    expect(validate.errors ?? null).toBeNull();
  });

  it('sorts keys at every level and carries the summary unchanged', () => {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['now', 'policies', 'results', 'summary', 'tool']);
    expect(Object.keys((parsed['results'] as Record<string, unknown>[])[0]!)).toEqual([...Object.keys((parsed['results'] as Record<string, unknown>[])[0]!)].sort());
    expect(parsed['summary']).toEqual(report.summary);
  });

  it('round-trips: a saved report re-renders byte-identically in every format', () => {
    const back = parseReportJson(text, 'report.json');
    for (const format of OUTPUT_FORMATS) expect(formatReport(format, back, ctx)).toBe(formatReport(format, report, ctx));
    expect(parseReportJson(`\ufeff${text}`, 'bom.json')).toEqual(back);
  });

  it('a file that is not JSON is a HarnessError (exit 2) naming the file', () => {
    const e = harnessErrorOf(() => parseReportJson('{"tool": ', 'out/report.json'));
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('report-json');
    expect(e.file).toBe('out/report.json');
    expect(e.message).toMatch(/^out\/report\.json is not JSON: /);
  });

  it('JSON that is not a report is a HarnessError naming the first problem', () => {
    const wrongStatus = JSON.parse(text) as { results: { status: string }[] };
    wrongStatus.results[0]!.status = 'passed';
    const e = harnessErrorOf(() => parseReportJson(JSON.stringify(wrongStatus), 'r.json'));
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('report-schema');
    expect(e.message).toBe('r.json is not a policy-eval report: results.0.status must be one of "pass", "fail", "allowlisted", "baselined", "not_applicable", "unknown"');
    const sarif = formatReport('sarif', report, ctx);
    expect(harnessErrorOf(() => parseReportJson(sarif, 'x.sarif')).message).toMatch(/^x\.sarif is not a policy-eval report: \(top level\) is missing the required key "tool" \(and \d+ more\)$/);
  });
});

/** What the JSON format promises: the report with keys sorted at every level (stableStringify), results and policies in order. */
function sortedForm(report: EvaluationReport): string {
  return `${stableStringify({ ...report, policies: sortedPolicies(report.policies), results: sortedResults(report.results) }, 2)}\n`;
}

describe('JSON writer: byte-identical to the key-sorted form whatever the objects look like', () => {
  const subject = { kind: 'plugin' as const, id: 'p_1' };
  const base = loadFixtureReport('report');
  /** Results the shape-aware writer must write exactly as stableStringify would — or leave to it. */
  const odd: PolicyResult[] = [
    // keys in creation order nowhere near sorted, nested objects too
    { subject: { id: 'p_0', kind: 'plugin' }, status: 'fail', severity: 'warn', policyId: 'a.x', message: 'two\nlines \u0007 \u2028 "q" \\ naïve 数据 \ud83d', fingerprint: 'f0', location: { snippet: 's', line: 3, file: 'src/a.ts', function: 'run', column: 0, endLine: 4, endColumn: 9 } },
    // shared subject object across results, compact passes
    { policyId: 'a.x', severity: 'error', status: 'pass', subject },
    { policyId: 'b.y', severity: 'error', status: 'pass', subject },
    // unknown with missing facts (also an empty list), not applicable with a reason
    { policyId: 'c.z', subject, status: 'unknown', severity: 'warn', message: 'cannot decide', fingerprint: 'f1', missingFacts: ['telemetry.covered', 'access.classes (wrong type: list)'] },
    { policyId: 'd.w', subject, status: 'unknown', severity: 'info', message: '', fingerprint: 'f2', missingFacts: [] },
    { policyId: 'e.v', subject, status: 'not_applicable', severity: 'off', message: 'not applicable: x', fingerprint: 'f3', notApplicableReason: 'x' },
    // suppression with unsorted keys; an explain trace whose fact values have integer-like and unsorted keys
    { policyId: 'f.u', subject, status: 'allowlisted', severity: 'error', message: 'm', fingerprint: 'f4', suppression: { kind: 'allowlist', reason: 'r', owner: 'o', expires: '2026-12-31' } },
    {
      policyId: 'g.t', subject, status: 'fail', severity: 'error', message: 'm', fingerprint: 'f5',
      explain: { violation: { kind: 'condition', text: 'x equal 1', fact: 'x', factValue: { 10: 'a', 2: 'b', z: [1, { y: 2, b: null }] }, operator: 'equal', value: 1, outcome: true } },
    },
    // a key set to undefined, an extra key outside the schema, a location key set to undefined
    { policyId: 'h.s', subject, status: 'fail', severity: 'error', message: 'm', fingerprint: 'f6', location: undefined },
    { policyId: 'i.r', subject, status: 'fail', severity: 'error', message: 'm', fingerprint: 'f7', extra: { b: 1, a: 2 } } as PolicyResult,
    { policyId: 'j.q', subject, status: 'fail', severity: 'error', message: 'm', fingerprint: 'f8', location: { file: 'src/b.ts', line: undefined } },
    // a subject with an extra key, and a legacy pass with a message and a fingerprint
    { policyId: 'k.p', subject: { id: 'p_1', kind: 'plugin', note: 'x' } as PolicyResult['subject'], status: 'pass', severity: 'warn' },
    { policyId: 'l.o', subject, status: 'pass', severity: 'warn', message: 'Title', fingerprint: 'f9' },
  ];

  it('for the fixture reports (hand-written, keys unsorted) and for odd result shapes', () => {
    for (const report of [base, loadFixtureReport('empty-report'), { ...base, results: [...base.results, ...odd] }]) {
      expect(formatJson(report, ctx)).toBe(sortedForm(report));
    }
  });

  it('for many generated results (shared subjects, every status, locations) and for no results', () => {
    const results: PolicyResult[] = [];
    const statuses = ['pass', 'fail', 'unknown', 'not_applicable', 'allowlisted', 'baselined'] as const;
    for (let s = 0; s < 60; s++) {
      const subj = { kind: s % 7 === 0 ? ('run' as const) : ('plugin' as const), id: `plugin_${s}` };
      for (let p = 0; p < 12; p++) {
        const status = statuses[(s * 7 + p * 3) % statuses.length]!;
        if (status === 'pass') results.push({ policyId: `pol.${p}`, severity: 'error', status, subject: subj });
        else {
          const r: PolicyResult = { fingerprint: `${s}:${p}`, message: `m ${s} ${p} «${'é'.repeat(p)}»`, policyId: `pol.${p}`, severity: p % 2 ? 'warn' : 'error', status, subject: subj };
          if (status === 'fail' && p % 3 === 0) r.location = { column: p + 1, file: `src/p${s}.ts`, function: 'run', line: 10 + p, snippet: 'ctx.dataset.load({ columns })' };
          if (status === 'unknown') r.missingFacts = [`fact.${p}`];
          if (status === 'baselined') r.suppression = { kind: 'baseline', reason: 'accepted in the baseline' };
          results.push(r);
        }
      }
    }
    const report: EvaluationReport = { ...base, results };
    expect(formatJson(report, ctx)).toBe(sortedForm(report));
    expect(writeReportJson({ ...base, results: [] })).toBe(stableStringify({ ...base, results: [] }, 2));
  });

  it('refuses what JSON cannot represent, as stableStringify does (never a silent null)', () => {
    const bad: PolicyResult = { policyId: 'x', subject, status: 'fail', severity: 'error', message: 'm', fingerprint: 'f', location: { file: 'a.ts', line: Number.NaN } };
    expect(() => formatJson({ ...base, results: [bad] }, ctx)).toThrow(/NaN, which JSON cannot represent/);
  });
});

describe('JSON report schema: compact passes', () => {
  const validate = schemaValidator(REPORT_SCHEMA);
  const subject = { kind: 'plugin', id: 'p' };
  const withResults = (results: unknown[]) => ({ ...JSON.parse(formatJson(report, ctx)), results });

  it('accepts a compact pass and a legacy pass (message and fingerprint), requires both on every other status', () => {
    expect(validate(withResults([{ policyId: 'a', severity: 'warn', status: 'pass', subject }]))).toBe(true);
    expect(validate(withResults([{ policyId: 'a', severity: 'warn', status: 'pass', subject, message: '', fingerprint: 'f' }]))).toBe(true);
    expect(validate(withResults([{ policyId: 'a', severity: 'warn', status: 'fail', subject, fingerprint: 'f' }]))).toBe(false);
    const e = harnessErrorOf(() => parseReportJson(JSON.stringify(withResults([{ policyId: 'a', severity: 'warn', status: 'fail', subject, fingerprint: 'f' }])), 'r.json'));
    expect(e.code).toBe('report-schema');
    expect(e.message).toMatch(/^r\.json is not a policy-eval report: results\.0 is missing the required key "message"/);
  });
});
