import { describe, expect, it } from 'vitest';
import { FIXTURE_CWD, loadFixtureReport } from '../../fixtures/formatters/goldens.ts';
import { xmllint } from './validators.ts';
import { escapeXmlAttr, escapeXmlText, formatJunit } from '../../src/formatters/junit.ts';

function count(xml: string, re: RegExp): number {
  return xml.match(re)?.length ?? 0;
}

const ctx = { cwd: FIXTURE_CWD, color: false };
const report = loadFixtureReport('report');

describe('JUnit XML', () => {
  it('is valid against the published Jenkins JUnit XSD (xmllint --schema)', () => {
    for (const name of ['report', 'empty-report'] as const) {
      const v = xmllint(formatJunit(loadFixtureReport(name), ctx));
      expect(v.output).toContain('validates');
      expect(v.ok).toBe(true);
    }
  });

  it('xmllint does reject a document that breaks the schema (so the check above can fail)', () => {
    const broken = formatJunit(report, ctx).replace('<testcase name="run run-2026-11"', '<testcase title="x"');
    const v = xmllint(broken);
    expect(v.ok).toBe(false);
    expect(v.output).toMatch(/name.*required|fails to validate/);
  });

  it('has one testsuite per policy and one testcase per subject, with counts that match the summary', () => {
    const xml = formatJunit(report, ctx);
    const s = report.summary;
    expect(count(xml, /<testsuite /g)).toBe(s.policies);
    expect(count(xml, /<testcase /g)).toBe(s.results);
    expect(xml).toContain(`<testsuites name="policy-eval" tests="${s.results}" failures="${s.failed.error + s.failed.warn}" errors="0">`);
    // summary.failed counts unknown results too (fail-closed); info-level failures are not JUnit failures.
    expect(count(xml, /<failure /g)).toBe(s.failed.error + s.failed.warn);
    expect(count(xml, /<skipped>/g)).toBe(s.allowlisted + s.baselined + s.notApplicable);
    expect(xml).toContain('<testsuite name="streaming.unbounded-loader" tests="3" failures="1" errors="0" skipped="1">');
  });

  it('skips allowlisted, baselined and not-applicable results with the reason', () => {
    const xml = formatJunit(report, ctx);
    expect(xml).toContain('<skipped>allowlisted: Migrating to iterBatches in Q1, tracked in OPS-123 (owner: data-platform, expires: 2026-12-31)');
    expect(xml).toContain('<skipped>baselined: accepted in .stat-harness/policy-baseline.json');
    expect(xml).toContain('<skipped>not applicable: no reference run');
  });

  it('escapes markup, quotes, line breaks in attributes, and characters XML cannot hold', () => {
    const xml = formatJunit(report, ctx);
    expect(xml).toContain('message="batch_input_clusters_v1 loads 100% of rows: load({ columns }), no rowLimit, size=1,000,000&#10;second line | &lt;all&gt; &amp; &quot;quoted&quot; \\u0007bell — naïve Ünïcödé 数据"');
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(escapeXmlText('a]]>b<c&d')).toBe('a]]&gt;b&lt;c&amp;d');
    expect(escapeXmlAttr(`"'\t\r\n<&`)).toBe('&quot;&apos;&#9;&#13;&#10;&lt;&amp;');
    expect(escapeXmlText('\u0000\u001b\uffff')).toBe('\\u0000\\u001b\\uffff');
    expect(escapeXmlText('lone \ud800 surrogate, pair 😀')).toBe('lone \\ud800 surrogate, pair 😀');
    const hostile = structuredClone(report);
    hostile.results[0]!.message = 'a\u0000b\u0008c]]><script>"x"</script>\ud83d';
    hostile.results[0]!.subject.id = 'id"with<quotes>&\u0001';
    const v = xmllint(formatJunit(hostile, ctx));
    expect(v.output).toContain('validates');
  });
});
