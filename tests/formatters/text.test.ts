import { describe, expect, it } from 'vitest';
import { FIXTURE_CWD, loadFixtureReport } from '../../fixtures/formatters/goldens.ts';
import { formatText } from '../../src/formatters/text.ts';

const report = loadFixtureReport('report');
const plain = { cwd: FIXTURE_CWD, color: false };

describe('text (stylish) formatter', () => {
  it('uses ANSI colors only when ctx.color is set', () => {
    expect(formatText(report, plain)).not.toMatch(/\u001b\[/);
    expect(formatText(report, { ...plain, color: true })).toMatch(/\u001b\[31m/);
  });

  it('never prints raw control characters from a message (terminal injection)', () => {
    const out = formatText(report, plain);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(out).toContain('\\u0007bell');
    const hostile = structuredClone(report);
    hostile.results[0]!.message = 'x\u001b[2Jcleared';
    hostile.results[0]!.policyId = 'evil\u001b]0;title\u0007';
    hostile.results[0]!.subject.id = 'sub\rject';
    hostile.results[0]!.location!.file = 'a\u001b[1mb.ts';
    const text = formatText(hostile, plain);
    expect(text).toContain('x\\u001b[2Jcleared');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it('groups by subject, one row per problem or suppressed result, passes only counted', () => {
    const out = formatText(report, plain);
    const headers = out.split('\n').filter((l) => /^(plugin|run|dataset|repo) /.test(l));
    expect(headers).toEqual(['plugin batch_input_clusters_v1', 'plugin machine_slowdown_v1', 'plugin queue_wait_close_v2']);
    expect(out).toContain('  src/plugins/builtin/batch_input_clusters.ts:42:15  error    streaming.unbounded-loader');
    expect(out).not.toContain('run run-2026-11');
  });

  it('continues a multi-line message under its own column', () => {
    const lines = formatText(report, plain).split('\n');
    const i = lines.findIndex((l) => l.includes('loads 100% of rows'));
    const col = lines[i]!.indexOf('batch_input_clusters_v1 loads');
    expect(lines[i + 1]!.slice(0, col).trim()).toBe('');
    expect(lines[i + 1]!.slice(col)).toMatch(/^second line \| <all>/);
  });

  it('ends with summary counts taken from report.summary', () => {
    const out = formatText(report, plain);
    expect(out).toContain('✖ 5 problems (2 errors, 2 warnings, 1 info; 1 of them unknown (missing facts))');
    expect(out).toContain('12 results for 5 policies × 4 subjects: 4 passed, 1 allowlisted, 1 baselined, 1 not applicable');
    expect(out).toContain('1 baseline entry fixed');
    expect(out).toContain('1 allowlist entry matched nothing (stale)');
    const changed = structuredClone(report);
    changed.summary.failed.error = 7;
    expect(formatText(changed, plain)).toContain('✖ 10 problems (7 errors,');
  });

  it('names the missing facts of an unknown result once', () => {
    expect(formatText(report, plain)).toContain('could not be checked (unknown: missing facts: catalog.entry)');
    const named = structuredClone(report);
    const unknown = named.results.find((r) => r.status === 'unknown')!;
    unknown.message = 'cannot decide catalog.sync for plugin x: missing or mistyped fact catalog.entry';
    const out = formatText(named, plain);
    expect(out).toContain('missing or mistyped fact catalog.entry\n');
    expect(out).not.toContain('(unknown: missing facts');
  });

  it('says so when warnings exceed --max-warnings, and only then', () => {
    expect(formatText(report, { ...plain, maxWarnings: 1 })).toContain('too many warnings (maximum: 1)');
    expect(formatText(report, { ...plain, maxWarnings: 2 })).not.toContain('too many warnings');
    expect(formatText(report, plain)).not.toContain('too many warnings');
  });

  it('reports a clean run as such', () => {
    expect(formatText(loadFixtureReport('empty-report'), plain)).toBe('✔ no problems\n  1 result for 1 policy × 1 subject: 1 passed, 0 allowlisted, 0 baselined, 0 not applicable\n');
  });
});
