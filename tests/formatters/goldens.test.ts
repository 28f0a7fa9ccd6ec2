import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR, goldenCases, loadFixtureReport, FIXTURE_CWD } from '../../fixtures/formatters/goldens.ts';
import { formatReport, OUTPUT_FORMATS } from '../../src/formatters/index.ts';
import type { EvaluationReport } from '../../src/policy/result.ts';

/** A deterministic shuffle (reverse + rotate) so order-independence is tested without randomness. */
function reordered(report: EvaluationReport): EvaluationReport {
  const rotate = <T>(xs: T[]): T[] => [...xs.slice(3), ...xs.slice(0, 3)].reverse();
  return {
    ...report,
    policies: rotate(report.policies),
    results: rotate(report.results).map((r) => ({ ...r, subject: { id: r.subject.id, kind: r.subject.kind } })),
  };
}

describe('formatter goldens', () => {
  for (const c of goldenCases()) {
    it(`${c.golden} matches (refresh with node scripts/regenerate-formatter-goldens.ts)`, () => {
      const expected = readFileSync(`${GOLDEN_DIR}${c.golden}`, 'utf8');
      expect(formatReport(c.format, loadFixtureReport(c.fixture), c.ctx)).toBe(expected);
    });
  }
});

describe('every format is deterministic', () => {
  const report = loadFixtureReport('report');
  for (const format of OUTPUT_FORMATS) {
    it(`${format}: same bytes twice, and independent of the engine's result/policy order`, () => {
      const ctx = { cwd: FIXTURE_CWD, color: false };
      const once = formatReport(format, report, ctx);
      expect(formatReport(format, structuredClone(report), ctx)).toBe(once);
      expect(formatReport(format, reordered(report), ctx)).toBe(once);
      expect(once.endsWith('\n')).toBe(true);
    });
  }
});

describe('suppressed results are shown with their reason in every format', () => {
  const report = loadFixtureReport('report');
  for (const format of OUTPUT_FORMATS) {
    it(format, () => {
      const out = formatReport(format, report, { cwd: FIXTURE_CWD, color: false });
      expect(out).toContain('Migrating to iterBatches in Q1');
      expect(out).toContain('accepted in .stat-harness/policy-baseline.json');
    });
  }
});
