import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { schemaValidator } from '../../src/common/schema.ts';
import { FIXTURE_CWD, loadFixtureReport } from '../../fixtures/formatters/goldens.ts';
import { formatJson, parseReportJson, REPORT_SCHEMA } from '../../src/formatters/json.ts';
import { formatReport, OUTPUT_FORMATS } from '../../src/formatters/index.ts';

const ctx = { cwd: FIXTURE_CWD, color: false };
const report = loadFixtureReport('report');

function harnessError(fn: () => unknown): HarnessError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HarnessError) return err;
    throw err;
  }
  throw new Error('expected a HarnessError');
}

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
    const e = harnessError(() => parseReportJson('{"tool": ', 'out/report.json'));
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('report-json');
    expect(e.file).toBe('out/report.json');
    expect(e.message).toMatch(/^out\/report\.json is not JSON: /);
  });

  it('JSON that is not a report is a HarnessError naming the first problem', () => {
    const wrongStatus = JSON.parse(text) as { results: { status: string }[] };
    wrongStatus.results[0]!.status = 'passed';
    const e = harnessError(() => parseReportJson(JSON.stringify(wrongStatus), 'r.json'));
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('report-schema');
    expect(e.message).toBe('r.json is not a policy-eval report: results.0.status must be one of "pass", "fail", "allowlisted", "baselined", "not_applicable", "unknown"');
    const sarif = formatReport('sarif', report, ctx);
    expect(harnessError(() => parseReportJson(sarif, 'x.sarif')).message).toMatch(/^x\.sarif is not a policy-eval report: \(top level\) is missing the required key "tool" \(and \d+ more\)$/);
  });
});
