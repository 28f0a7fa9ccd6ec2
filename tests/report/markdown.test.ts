import { describe, expect, it } from 'vitest';
import { buildSequenceChecklists, mdCode, mdProse, mdText, renderAnswersPlain, renderAnswersTechnical, renderReportMarkdown } from '../../src/report/index.ts';
import { renderChecklistMarkdown } from '../../src/report/index.ts';
import { batchGroupSequenceId } from '../../src/insights/index.ts';
import { loadInput } from './helpers.ts';

/** Text outside inline code spans (CommonMark: a run of N backticks closes only with N). */
function outsideCode(line: string): string {
  return line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '');
}

/** Cell count of a GFM table row: pipes not preceded by a backslash. */
function cells(row: string): number {
  return row.split(/(?<!\\)\|/).length - 2;
}

describe('escapers', () => {
  it.each([
    ['plain', 'INV_POST', '`INV_POST`'],
    ['backtick inside', 'P`2', '``P`2``'],
    ['backtick at the edge', 'P`2`', '`` P`2` ``'],
    ['double backticks', 'a``b', '```a``b```'],
    ['newline', 'a\nb', '`a b`'],
    ['empty', '', '` `'],
  ])('mdCode: %s', (_n, input, expected) => {
    expect(mdCode(input)).toBe(expected);
  });
  it('mdCode escapes pipes only inside tables', () => {
    expect(mdCode('a|b')).toBe('`a|b`');
    expect(mdCode('a|b', { table: true })).toBe('`a\\|b`');
  });
  it('mdText neutralizes HTML, emphasis, links and pipes', () => {
    expect(mdText('<b>x</b> *y* [l](javascript:z) a|b & c')).toBe('&lt;b&gt;x&lt;/b&gt; \\*y\\* \\[l\\](javascript:z) a\\|b &amp; c');
  });
  it('mdProse cannot start a block', () => {
    expect(mdProse('# heading')).toBe('\\# heading');
    expect(mdProse('1. item')).toBe('\\1. item');
    expect(mdProse('- item\n# also')).toBe('\\- item # also');
  });
});

describe('hostile values from data', () => {
  const input = loadInput('hostile');
  const docs = {
    'report.md': renderReportMarkdown(input),
    'answers_recommendations.md': renderAnswersTechnical(input),
    'answers_recommendations_plain.md': renderAnswersPlain(input),
    checklist: renderChecklistMarkdown(buildSequenceChecklists(input)[0]!),
  };

  it.each(Object.entries(docs))('%s: no raw HTML outside code spans and code blocks', (_name, md) => {
    let inFence = false;
    for (const line of md.split('\n')) {
      if (/^```/.test(line)) inFence = !inFence;
      if (inFence) continue;
      expect(outsideCode(line), line).not.toMatch(/<\/?[a-z]/i);
    }
  });

  it.each(Object.entries(docs))('%s: data never starts a heading or a list', (_name, md) => {
    expect(md).not.toMatch(/^#+ not a heading/m);
    expect(md).not.toMatch(/^#+ heading/m);
    expect(md.split('\n').filter((l) => /^# /.test(l))).toHaveLength(1);
  });

  it('report.md tables keep their column count with pipes and backticks in ids', () => {
    const md = docs['report.md'];
    const tables = md.split('\n\n').filter((b) => b.startsWith('| '));
    expect(tables.length).toBeGreaterThanOrEqual(3);
    for (const t of tables) {
      const rows = t.split('\n').filter((r) => r !== '');
      const width = cells(rows[0]!);
      for (const r of rows) expect(cells(r), r).toBe(width);
    }
    expect(md).toContain('`P\\|1` → `` P`2` `` → `<script>alert(1)</script>`');
  });

  it('exact ids survive in the plain report', () => {
    const plain = docs['answers_recommendations_plain.md'];
    expect(plain).toContain('`P|1`');
    expect(plain).toContain('`` P`2` ``');
    expect(plain).toContain('`<script>alert(1)</script>`');
    expect(plain).toContain('`` k|ey` ``');
  });

  it('SQL in checklists quotes values from data (runs on SQLite as literals)', async () => {
    expect(buildSequenceChecklists(input)[0]!.verification.baseline_query.sql).toContain(`WHERE j.process_id IN ('P|1', 'P\`2\`', '<script>alert(1)</script>')`);
    const evil = loadInput('basic');
    const rec = evil.plugins[0]!.result.recommendations[0]!;
    const ids = ["O'Brien", 'X'];
    const key = "k'); DROP TABLE jobs; --";
    rec.where = { ...rec.where, process_ids: ids, key };
    rec.batch_group = { ...rec.batch_group!, target_process_ids: ids, key, sequence_id: batchGroupSequenceId({ target_process_ids: ids, close_month: '2025-03', key }) };
    const c = buildSequenceChecklists(evil).find((x) => x.key === key)!;
    expect(c.verification.baseline_query.sql).toContain(`IN ('O''Brien', 'X')`);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    db.exec('CREATE TABLE jobs (row_id INTEGER PRIMARY KEY, process_id TEXT, queue_dt INTEGER, start_dt INTEGER, end_dt INTEGER); CREATE TABLE job_params (row_id INTEGER, key TEXT, value TEXT);');
    db.prepare('INSERT INTO jobs VALUES (1, ?, ?, ?, ?)').run("O'Brien", Date.UTC(2025, 2, 21), Date.UTC(2025, 2, 21, 0, 1), Date.UTC(2025, 2, 21, 0, 2));
    expect(db.prepare(c.verification.baseline_query.sql).all()).toEqual([{ process_id: "O'Brien", calls: 1, distinct_key_values: 0, wait_seconds: 60, run_seconds: 60 }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 1 });
    db.close();
  });
});

describe('process id lists', () => {
  it('draws arrows only for a run order (batch sequence), a plain list for a set of processes', async () => {
    const { whereMd } = await import('../../src/report/render-common.ts');
    const where = { process_ids: ['AP_A', 'AP_B'], machine: 'APPSRV03' };
    expect(whereMd(where, { ordered: true })).toBe('processes `AP_A` → `AP_B` · machine `APPSRV03`');
    expect(whereMd(where)).toBe('processes `AP_A`, `AP_B` · machine `APPSRV03`');
  });
});
