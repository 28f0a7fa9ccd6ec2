import { describe, expect, it } from 'vitest';
import { FIXTURE_CWD, loadFixtureReport } from '../../fixtures/formatters/goldens.ts';
import { escapeMarkdownCell, formatMarkdown, MAX_COMMENT_CHARS, MAX_DETAIL_ROWS, MAX_MESSAGE_CHARS } from '../../src/formatters/markdown.ts';

const ctx = { cwd: FIXTURE_CWD, color: false };
const report = loadFixtureReport('report');

/** Cells of a GFM table row, honouring `\|` escapes. */
function cells(row: string): string[] {
  return row
    .slice(2, -2)
    .split(/(?<!\\) \| /)
    .map((c) => c.trim());
}

describe('Markdown (PR comment)', () => {
  const md = formatMarkdown(report, ctx);
  const lines = md.split('\n');

  it('opens with the verdict and a counts table equal to report.summary', () => {
    expect(lines[0]).toBe('### ❌ policy-eval: 5 problems');
    const s = report.summary;
    const at = lines.indexOf('| Result | Count |');
    const table = Object.fromEntries(lines.slice(at + 2, at + 11).map((l) => cells(l) as [string, string]));
    expect(table).toEqual({
      'Failed (error)': String(s.failed.error),
      'Failed (warning)': String(s.failed.warn),
      'Failed (info)': String(s.failed.info),
      '↳ of which unknown (missing facts)': String(s.unknown),
      Allowlisted: String(s.allowlisted),
      Baselined: String(s.baselined),
      'Not applicable': String(s.notApplicable),
      Passed: String(s.passed),
      '**Total**': `**${s.results}**`,
    });
    expect(formatMarkdown(loadFixtureReport('empty-report'), ctx).split('\n')[0]).toBe('### ✅ policy-eval: no problems');
  });

  it('lists every problem in a table whose rows keep five cells despite pipes and newlines', () => {
    const start = lines.indexOf('#### Problems');
    const rows = lines.slice(start + 4).filter((l) => l.startsWith('| '));
    const problemRows = rows.slice(0, rows.findIndex((l) => !l.startsWith('| 🔴') && !l.startsWith('| 🟡') && !l.startsWith('| 🔵')));
    expect(problemRows).toHaveLength(5);
    for (const row of problemRows) expect(cells(row)).toHaveLength(5);
    const loader = problemRows.find((r) => r.includes('streaming.unbounded-loader'))!;
    expect(cells(loader)[4]).toBe(
      'batch\\_input\\_clusters\\_v1 loads 100% of rows: load({ columns }), no rowLimit, size=1,000,000<br>second line \\| &lt;all&gt; &amp; "quoted" \\\\u0007bell — naïve Ünïcödé 数据',
    );
  });

  it('collapses suppressed (with reason, owner, expiry), not-applicable and passing results', () => {
    expect(md).toContain('<summary>Suppressed (2)</summary>');
    expect(md).toContain('| allowlisted | `streaming.unbounded-loader` | `plugin queue_wait_close_v2` | Migrating to iterBatches in Q1, tracked in OPS-123 | data-platform | 2026-12-31 |');
    expect(md).toContain('| baselined | `taxonomy.class-declared` | `plugin queue_wait_close_v2` | accepted in .stat-harness/policy-baseline.json |');
    expect(md).toContain('<summary>Not applicable (1)</summary>');
    expect(md).toContain('<summary>Passed (4)</summary>');
  });

  it('escapes what would break a table, open HTML, format text or mention people', () => {
    expect(escapeMarkdownCell('a|b')).toBe('a\\|b');
    expect(escapeMarkdownCell('l1\r\nl2\nl3')).toBe('l1<br>l2<br>l3');
    expect(escapeMarkdownCell('<details><img src=x onerror=alert(1)>')).toBe('&lt;details&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeMarkdownCell('[link](javascript:alert(1)) *b* _i_ `c` ~s~')).toBe('\\[link\\](javascript:alert(1)) \\*b\\* \\_i\\_ \\`c\\` \\~s\\~');
    expect(escapeMarkdownCell('ping @org/team')).toBe('ping &#64;org/team');
    expect(escapeMarkdownCell('bell\u0007')).toBe('bell\\\\u0007');
  });

  it('stays under GitHub\'s 65,536-character comment limit on a large run, saying what was cut', () => {
    const big = structuredClone(report);
    const template = report.results;
    big.results = [];
    for (let i = 0; i < 2000; i++) {
      for (const r of template) big.results.push({ ...r, subject: { kind: r.subject.kind, id: `${r.subject.id}_${String(i).padStart(4, '0')}` } });
    }
    big.results[0]!.message = 'x'.repeat(20_000);
    const text = formatMarkdown(big, ctx);
    expect(text.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    const problemRows = text.split('\n').filter((l) => /^\| (🔴|🟡|🔵)/.test(l)).length;
    expect(problemRows).toBeGreaterThan(100);
    const problems = big.results.filter((r) => (r.status === 'fail' || r.status === 'unknown') && r.severity !== 'off').length;
    expect(text).toContain(`…and ${problems - problemRows} more (see the JSON or SARIF report for all of them).`);
    const passed = big.results.filter((r) => r.status === 'pass').length;
    expect(text).toContain(`<summary>Passed (${passed})</summary>`);
    const passedSection = text.slice(text.indexOf(`<summary>Passed (${passed})</summary>`));
    const passedRows = passedSection.split('\n').filter((l) => l.startsWith('| `')).length;
    expect(passedRows).toBeGreaterThan(0);
    expect(passedRows).toBeLessThanOrEqual(MAX_DETAIL_ROWS);
    expect(passedSection).toContain(`…and ${passed - passedRows} more`);
    expect(text).toContain(`${'x'.repeat(MAX_MESSAGE_CHARS)}…`);
    expect(text).not.toContain('x'.repeat(MAX_MESSAGE_CHARS + 1));
  });

  it('says so when warnings exceed --max-warnings', () => {
    expect(formatMarkdown(report, { ...ctx, maxWarnings: 0 })).toContain('> **Too many warnings:** 2 (maximum: 0).');
    expect(md).not.toContain('Too many warnings');
  });
});
