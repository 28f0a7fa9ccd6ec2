import { describe, expect, it } from 'vitest';
import { FIXTURE_CWD, loadFixtureReport } from '../../fixtures/formatters/goldens.ts';
import { escapeData, escapeProperty, formatGithub, workflowCommand } from '../../src/formatters/github.ts';

const ctx = { cwd: FIXTURE_CWD, color: false };
const report = loadFixtureReport('report');

describe('GitHub workflow-command escaping (as @actions/core and conftest)', () => {
  it.each([
    ['%', '%25', '%25'],
    ['\r', '%0D', '%0D'],
    ['\n', '%0A', '%0A'],
    [':', ':', '%3A'],
    [',', ',', '%2C'],
    ['%0A', '%250A', '%250A'],
    ['a:b,c%d\r\ne', 'a:b,c%25d%0D%0Ae', 'a%3Ab%2Cc%25d%0D%0Ae'],
    ['naïve 数据 — ok', 'naïve 数据 — ok', 'naïve 数据 — ok'],
    ['\u0007\u001b[31m', '\\u0007\\u001b[31m', '\\u0007\\u001b[31m'],
  ])('%j → data %j, property %j', (input, data, property) => {
    expect(escapeData(input)).toBe(data);
    expect(escapeProperty(input)).toBe(property);
  });

  it('builds commands with properties in the toolkit order', () => {
    expect(workflowCommand('error', { title: 'T: x, y', col: 5, line: 3, file: 'a,b.ts' }, 'm: 1, 2\n3')).toBe(
      '::error file=a%2Cb.ts,line=3,col=5,title=T%3A x%2C y::m: 1, 2%0A3',
    );
    expect(workflowCommand('notice', {}, 'plain')).toBe('::notice::plain');
  });
});

describe('GitHub formatter', () => {
  const out = formatGithub(report, ctx);
  const lines = out.trimEnd().split('\n');

  it('emits exactly one annotation per problem, at the severity it failed with', () => {
    const annotations = lines.filter((l) => /^::(error|warning|notice)( |::)/.test(l));
    const s = report.summary;
    expect(annotations).toHaveLength(s.failed.error + s.failed.warn + s.failed.info);
    expect(annotations.filter((l) => l.startsWith('::error '))).toHaveLength(s.failed.error);
    expect(annotations.filter((l) => l.startsWith('::notice '))).toHaveLength(s.failed.info);
  });

  it('writes the location, the escaped title and the escaped message', () => {
    expect(lines).toContain(
      '::error file=src/plugins/builtin/batch_input_clusters.ts,line=42,col=15,endColumn=48,title=streaming.unbounded-loader%3A No unbounded dataset loader in large-dataset mode' +
        '::batch_input_clusters_v1 loads 100%25 of rows: load({ columns }), no rowLimit, size=1,000,000%0Asecond line | <all> & "quoted" \\u0007bell — naïve Ünïcödé 数据 [plugin batch_input_clusters_v1]',
    );
    expect(lines.some((l) => l.startsWith('::warning title=catalog.sync%3A Plugin is listed in the catalog::') && l.includes('(unknown: missing facts: catalog.entry)'))).toBe(true);
  });

  it('groups per subject, and shows suppressed results as plain lines with their reason', () => {
    expect(lines.filter((l) => l.startsWith('::group::'))).toEqual([
      '::group::plugin batch_input_clusters_v1',
      '::group::plugin machine_slowdown_v1',
      '::group::plugin queue_wait_close_v2',
    ]);
    expect(lines.filter((l) => l === '::endgroup::')).toHaveLength(3);
    expect(lines).toContain(
      'allowlisted streaming.unbounded-loader: queue_wait_close_v2 loads the dataset without a row limit (load at line 17) (allowlisted: Migrating to iterBatches in Q1, tracked in OPS-123 (owner: data-platform, expires: 2026-12-31))',
    );
  });

  it('a message cannot inject a workflow command of its own', () => {
    const hostile = structuredClone(report);
    hostile.results[0]!.message = 'x\n::set-output name=pwned::1\r\n::add-mask::y';
    hostile.results[1]!.message = 'y\n::error::fake';
    const text = formatGithub(hostile, ctx);
    expect(text).not.toMatch(/^::(set-output|add-mask)/m);
    expect(text.split('\n').filter((l) => l.startsWith('::error'))).toHaveLength(report.summary.failed.error);
  });

  it('ends with the summary counts, and flags too many warnings as an error annotation', () => {
    expect(lines.at(-1)).toBe(
      'policy-eval: 5 problems (2 errors, 2 warnings, 1 info; 1 of them unknown); 12 results: 4 passed, 1 allowlisted, 1 baselined, 1 not applicable; 1 fixed baseline, 1 stale allowlist',
    );
    expect(formatGithub(report, { ...ctx, maxWarnings: 0 }).trimEnd().split('\n').at(-1)).toBe('::error title=policy-eval::too many warnings: 2 (maximum: 0)');
  });
});
