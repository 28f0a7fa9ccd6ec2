import { describe, expect, it } from 'vitest';
import { evaluateLandmarks, loadKnownIssues, type Landmark } from '../../src/insights/index.ts';
import { buildReportJson, renderReportMarkdown, writeRunReports, type ReportInput } from '../../src/report/index.ts';
import { loadInput, readTree, tempOut } from './helpers.ts';

/**
 * Landmarks whose ids and titles are distinctive strings that no plugin output contains, so a
 * hit in an artifact can only be a leak. They target the same processes as genuine findings
 * (INV_POST chain, APP02): those genuine findings must still appear in mode off.
 */
const LANDMARKS: Landmark[] = [
  ...loadKnownIssues('fixtures/insights/known-issues.valid.yaml'),
  { id: 'ki-secret-zebra-42', title: 'Zebra crossing of the invoice chain', kind: 'batch_group_candidate', where: { process_ids: ['INV_POST'] }, min_count: 1 },
];

function allRecs(input: ReportInput) {
  return input.plugins.flatMap((p) => p.result.recommendations);
}

/** Every leak pattern for the landmarks above, plus the words themselves. */
function leakPatterns(landmarks: readonly Landmark[]): (string | RegExp)[] {
  return [...landmarks.flatMap((l) => [l.id, l.title]), /known[\s_-]*issue/i, /landmark/i];
}

function scan(dir: string, patterns: readonly (string | RegExp)[]): string[] {
  const hits: string[] = [];
  for (const [file, content] of readTree(dir)) {
    for (const p of patterns) {
      const hit = typeof p === 'string' ? content.toLowerCase().includes(p.toLowerCase()) : p.test(content);
      if (hit) hits.push(`${file}: ${String(p)}`);
    }
  }
  return hits;
}

describe('known-issues mode off', () => {
  it('no landmark id, title or known-issue section in any artifact', () => {
    const out = tempOut();
    const files = writeRunReports(loadInput('basic'), out);
    expect(files.length).toBe(9); // report.json, report.md, 2 answers, dashboard.html, 2 × (md + json) checklists
    expect(scan(out, leakPatterns(LANDMARKS))).toEqual([]);
  });

  it('genuine findings about the same processes still appear', () => {
    const md = renderReportMarkdown(loadInput('basic'));
    expect(md).toContain('`INV_POST` → `GL_ALLOC` → `AR_RECON`');
    expect(md).toContain('APP02');
  });

  it('refuses landmark results in mode off (a caller bug must not leak them)', () => {
    const input = loadInput('basic');
    expect(() => writeRunReports(input, tempOut(), { landmarks: evaluateLandmarks(LANDMARKS, allRecs(input)) })).toThrow(/mode off/);
  });
});

describe('known-issues mode on', () => {
  const input = { ...loadInput('basic'), knownIssuesMode: 'on' as const };
  const results = evaluateLandmarks(LANDMARKS, allRecs(input));

  it('reports each landmark as confirmed / missing / below_min / over_limit in report.json', () => {
    const r = buildReportJson(input, { landmarks: results }) as { known_issues: { mode: string; landmarks: { id: string; status: string; count: number }[] } };
    expect(r.known_issues.mode).toBe('on');
    expect(r.known_issues.landmarks.map((l) => [l.id, l.status, l.count])).toEqual([
      ['app02-slow', 'confirmed', 1],
      ['close-invoice-chain', 'confirmed', 1],
      ['ki-secret-zebra-42', 'confirmed', 1],
      ['payroll-export-dupes', 'missing', 0],
    ]);
  });

  it('and in report.md, with its section', () => {
    const md = renderReportMarkdown(input, { landmarks: results });
    expect(md).toContain('\n## Known issues\n');
    expect(md).toContain('| `payroll-export-dupes` | Payroll export deduplication | missing | 0 | ≥ 2 |');
    expect(md).toContain('| `app02-slow` | APP02 runs everything slower | confirmed | 1 | 1–1 |');
  });

  it('the leak scanner finds them in mode on (so the mode-off scan can fail)', () => {
    const out = tempOut();
    writeRunReports(input, out, { landmarks: results });
    const hits = scan(out, leakPatterns(LANDMARKS));
    expect(hits).toContain('report.json: ki-secret-zebra-42');
    expect(hits).toContain('report.md: Zebra crossing of the invoice chain');
    expect(hits).toContain('report.md: /known[\\s_-]*issue/i');
    expect(hits).toContain('dashboard.html: ki-secret-zebra-42');
    expect(hits).toContain('dashboard.html: Zebra crossing of the invoice chain');
  });
});
