import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR, goldenCases, loadFixtureReport, FIXTURE_CWD } from '../../fixtures/formatters/goldens.ts';
import { formatReport, OUTPUT_FORMATS } from '../../src/formatters/index.ts';
import type { EvaluationReport } from '../../src/policy/index.ts';

/** Same object with its keys in reverse order, at every level. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
}

/**
 * A deterministic shuffle (reverse + rotate of arrays, reversed keys everywhere) so
 * independence from the engine's ordering is tested without randomness.
 */
function reordered(report: EvaluationReport): EvaluationReport {
  const rotate = <T>(xs: T[]): T[] => [...xs.slice(3), ...xs.slice(0, 3)].reverse();
  return reverseKeys({ ...report, policies: rotate(report.policies), results: rotate(report.results) });
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
