import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateLandmarks, type Landmark } from '../../src/insights/index.ts';
import { esc, relHref } from '../../src/report/dashboard/html.ts';
import { DASHBOARD_SCRIPT } from '../../src/report/dashboard/script.ts';
import { DASHBOARD_CSS } from '../../src/report/dashboard/styles.ts';
import {
  buildReportModel,
  checklistPath,
  DASHBOARD_CSP,
  DASHBOARD_FILE,
  modeledSecondsTotal,
  renderDashboardHtml,
  renderReportMarkdown,
  REPORT_FILES,
  writeRunReports,
  type ReportInput,
} from '../../src/report/index.ts';
import { figureText } from '../../src/report/render-common.ts';
import { loadInput, readTree, tempOut } from './helpers.ts';

/** Every element the dashboard template emits; anything else in a rendered page is injected markup. */
const TEMPLATE_TAGS = new Set(
  'html head meta title style body a header div p h1 h2 h3 h4 dl dt dd code ul ol li nav main section span table caption thead tbody tr th td select option label button article strong br time footer script'.split(' '),
);

interface Tag {
  name: string;
  attributes: string[];
}

/**
 * Every start tag, parsed strictly (double-quoted values, which the renderer always writes):
 * a tag that does not parse means a value broke out of its attribute.
 */
function tagsOf(html: string): Tag[] {
  const tags: Tag[] = [];
  const strict = /^<([a-z][a-z0-9]*)((?:\s+[a-z][a-z-]*(?:="[^"<>]*")?)*)\s*>/i;
  for (const m of html.matchAll(/<[a-zA-Z]/g)) {
    const t = strict.exec(html.slice(m.index));
    if (!t) throw new Error(`unparseable tag at ${m.index}: ${html.slice(m.index, m.index + 80)}`);
    tags.push({ name: t[1]!.toLowerCase(), attributes: [...t[2]!.matchAll(/\s+([a-z][a-z-]*)(?:="[^"<>]*")?/gi)].map((a) => a[1]!.toLowerCase()) });
  }
  return tags;
}

function between(html: string, open: string, close: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    const a = html.indexOf(open, i);
    if (a < 0) return out;
    const b = html.indexOf(close, a + open.length);
    out.push(html.slice(a + open.length, b));
    i = b + close.length;
  }
}

function sha256b64(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}

/** A copy of the hostile input with hostile values also in attribute positions. */
function hostileInput(): ReportInput {
  const input = loadInput('hostile');
  input.dataset.fingerprint = `abc" onmouseover="alert(1)' x='<svg onload=alert(2)>`;
  input.dataset.timezone = '</title><script>alert(3)</script>';
  input.dataset.closeMonths = [{ month: '2025-02"><img src=x onerror=alert(4)>', rows: 1 }];
  input.pluginSetHash = '"><iframe src=javascript:alert(5)>';
  return input;
}

describe('dashboard.html: determinism', () => {
  it('same input → byte-identical page; plugin order in the input does not matter', () => {
    const a = renderDashboardHtml(loadInput('basic'));
    const shuffled = loadInput('basic');
    shuffled.plugins.reverse();
    expect(renderDashboardHtml(loadInput('basic'))).toBe(a);
    expect(renderDashboardHtml(shuffled)).toBe(a);
  });

  it('no timestamps of the rendering, run ids, absolute paths or telemetry', () => {
    const html = renderDashboardHtml(loadInput('basic'));
    expect(html).not.toContain(new Date().toISOString().slice(0, 10));
    expect(html).not.toContain(process.cwd());
    expect(html).not.toMatch(/wallMs|peakRss|cpuMs|run_id|runId/);
  });

  it('is written beside report.md by writeRunReports and listed in REPORT_FILES', () => {
    const out = tempOut();
    const files = writeRunReports(loadInput('basic'), out);
    expect(REPORT_FILES).toContain(DASHBOARD_FILE);
    expect(files).toContain(join(out, 'dashboard.html'));
    expect(readFileSync(join(out, 'dashboard.html'), 'utf8')).toBe(renderDashboardHtml(loadInput('basic')));
  });
});

describe('dashboard.html: self-contained and locked down', () => {
  const html = renderDashboardHtml(loadInput('basic'));

  it('the CSP allows nothing but the exact inline style and script (hashes match the page)', () => {
    const [style] = between(html, '<style>', '</style>');
    const scripts = between(html, '<script>', '</script>');
    expect(scripts).toHaveLength(1);
    expect(style).toBe(DASHBOARD_CSS);
    expect(scripts[0]).toBe(DASHBOARD_SCRIPT);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP}">`);
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(DASHBOARD_CSP).toContain(`style-src 'sha256-${sha256b64(style!)}'`);
    expect(DASHBOARD_CSP).toContain(`script-src 'sha256-${sha256b64(scripts[0]!)}'`);
    expect(DASHBOARD_CSP).not.toContain('unsafe');
  });

  it('no external URL, font or import; every link is in-page or relative', () => {
    expect(html).not.toMatch(/https?:|\/\/[a-z]|@import|@font-face|url\(/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(5);
    for (const h of hrefs) expect(h, h).toMatch(/^(#[a-z0-9-]+|report\.(md|json)|checklists\/seq_[0-9a-f]{16}\.(md|json))$/);
  });

  it('accessible structure: landmarks, table captions, scoped headers, labelled controls', () => {
    for (const s of ['<html lang="en">', '<header class="masthead">', '<nav class="toc" aria-label="Sections">', '<main id="main"', '<footer']) expect(html).toContain(s);
    const tables = html.split('<table').length - 1;
    expect(tables).toBeGreaterThanOrEqual(6);
    expect(html.split('<caption>').length - 1).toBe(tables);
    expect(html).not.toMatch(/<th(?=[\s>])(?![^>]*scope=)[^>]*>/); // every header cell says what it heads
    expect(html).toMatch(/<label>Action type<select id="filter-action">/);
    expect(html).toMatch(/<label>Close month<select id="filter-close">/);
    // Progressive enhancement: the controls start hidden, the table is complete without the script.
    expect(html).toContain('<div class="controls" id="recs-controls" hidden>');
  });
});

describe('dashboard.html: the same numbers as report.md', () => {
  const input = loadInput('basic');
  const model = buildReportModel(input);
  const html = renderDashboardHtml(input);
  const md = renderReportMarkdown(input);

  it('one row per ranked recommendation, in rank order, with action type and close month for the filters', () => {
    const rows = [...html.matchAll(/<tr data-rank="(\d+)" data-action="([^"]*)"(?: data-close="([^"]*)")?/g)];
    expect(rows.map((r) => Number(r[1]))).toEqual(model.recommendations.map((r) => r.rank));
    expect(rows.map((r) => r[2])).toEqual(model.recommendations.map((r) => r.action_type));
    expect(rows.map((r) => r[3])).toEqual(model.recommendations.map((r) => r.where.close_month));
  });

  it('every modeled figure is printed with its basis, exactly as report.md prints it; unmodeled ones say why', () => {
    for (const r of model.recommendations) {
      if (r.modeled !== null) {
        const figure = figureText(r.modeled);
        expect(md).toContain(figure);
        expect(html).toContain(`<span class="figure">${esc(figure)}</span><span class="basis">basis: ${esc(r.modeled.basis)}</span>`);
      } else {
        expect(html).toContain(`not modeled: ${esc(r.not_modeled_reason!)}`);
      }
    }
    expect(html).not.toMatch(/100(\.0)?\s*%/);
  });

  it('summary: total modeled seconds with the number of recommendations behind it', () => {
    expect(modeledSecondsTotal(model.recommendations)).toEqual({ seconds: 10_800, basisCount: 2 });
    expect(html).toContain('<span class="big">10,800 s (3 h)</span><div class="sub">sum over the 2 recommendations modeled in seconds, each with its basis');
    expect(modeledSecondsTotal([])).toEqual({ seconds: 0, basisCount: 0 });
  });

  it('one card per batch sequence: processes in run order, key, month, estimates, checklist link to a written file', () => {
    const out = tempOut();
    writeRunReports(input, out);
    const cards = between(html, '<article class="card"', '</article>');
    expect(cards).toHaveLength(model.sequences.length);
    model.sequences.forEach((s, i) => {
      const card = cards[i]!;
      const chain = between(card, '<ol class="chain" aria-label="Processes in run order">', '</ol>')[0]!;
      expect(between(chain, '<code>', '</code>')).toEqual(s.target_process_ids.map((id) => esc(id)));
      expect(card).toContain(`<dt>Key</dt><dd><code>${esc(s.key)}</code></dd>`);
      expect(card).toContain(`<dt>Close month</dt><dd>${esc(s.close_month)}</dd>`);
      const href = /<a class="checklist" href="([^"]+)"/.exec(card)![1]!;
      expect(href).toBe(checklistPath(s.sequence_id, 'md'));
      expect(existsSync(join(out, href))).toBe(true);
    });
    expect(cards[0]).toContain('<li><span class="step">1.</span><code>INV_POST</code></li><li><span class="step">2.</span><code>GL_ALLOC</code></li><li><span class="step">3.</span><code>AR_RECON</code></li>');
  });

  it('plugin status table with contract violations, findings and data quality', () => {
    expect(html).toMatch(/<th scope="row"><code>broken_plugin_v1<\/code>.*<span class="badge b-bad">error<\/span>/);
    expect(html).toContain('<h3>Insight-contract violations</h3>');
    expect(html).toContain('[recommendation.modeled_without_basis]');
    expect(html).toContain('<tr><th scope="row">End before start</th><td class="num">3</td><td><span class="badge b-warn">flagged</span></td><td>88, 1204, 9001</td>');
    expect(between(html, '<section id="findings"', '</section>')[0]!.split('<tr>').length - 2).toBe(model.findings.length);
  });

  it('an empty run still renders every section, with no filter controls', () => {
    const empty = loadInput('basic');
    empty.plugins = [];
    const page = renderDashboardHtml(empty);
    expect(page).toContain('No recommendation satisfied the insight contract in this run.');
    expect(page).toContain('No batch sequence in this run.');
    expect(page).not.toContain('id="recs-controls"');
    expect(page).toContain('<span class="big">—</span>');
  });
});

describe('dashboard.html: hostile values', () => {
  const input = hostileInput();
  const html = renderDashboardHtml(input);

  it('no injected element or event handler: only template tags, no on* attributes', () => {
    const tags = tagsOf(html);
    expect(tags.length).toBeGreaterThan(100);
    expect(tags.map((t) => t.name).filter((n) => !TEMPLATE_TAGS.has(n))).toEqual([]);
    expect(tags.flatMap((t) => t.attributes).filter((a) => a.startsWith('on') || a === 'src' || a === 'style')).toEqual([]);
    expect(html.split('<script').length - 1).toBe(1);
    expect(html.split('</title>').length - 1).toBe(1);
  });

  it('process ids with <script>, quotes and & are shown escaped, as code, in order', () => {
    expect(html).toContain('<code>P|1</code>');
    expect(html).toContain('<code>P`2`</code>');
    expect(html).toContain('<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    expect(html).toContain('<code>O&#39;Brien; DROP TABLE jobs;--</code>');
    expect(html).toContain('Batch P|1 then `P2`\n# not a heading &lt;script&gt;alert(2)&lt;/script&gt; [link](javascript:alert(3))');
  });

  it('values in attributes cannot close the attribute', () => {
    expect(html).toContain(`<code title="abc&quot; onmouseover=&quot;alert(1)&#39; x=&#39;&lt;svg onload=alert(2)&gt;">`);
    expect(html).toContain('<li>2025-02&quot;&gt;&lt;img src=x onerror=alert(4)&gt; · 1 rows</li>');
    expect(html).toContain('(time zone &lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;)');
  });

  it('esc covers text and both attribute quotes; control characters are dropped', () => {
    expect(esc(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
    expect(esc('x\u0000y\u001bz\u007f\n')).toBe('xyz\n');
    expect(esc(42)).toBe('42');
  });

  it('relHref keeps a data segment inside its directory and out of any scheme', () => {
    expect(relHref('checklists/', 'seq_0123456789abcdef', '.md')).toBe('checklists/seq_0123456789abcdef.md');
    expect(relHref('checklists/', '../../etc/passwd', '.md')).toBe('checklists/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd.md');
    expect(relHref('checklists/', 'javascript:alert(1)', '')).toBe('checklists/javascript%3Aalert(1)');
    expect(relHref('checklists/', '"><x', '')).toBe('checklists/%22%3E%3Cx');
  });
});

describe('dashboard.html: known-issues mode', () => {
  const landmarks: Landmark[] = [{ id: 'ki-dashboard-okapi', title: 'Okapi batching of the invoice chain', kind: 'batch_group_candidate', where: { process_ids: ['INV_POST'] }, min_count: 1 }];

  it('mode off: no section, link, id, title or wording about it anywhere in the page', () => {
    const html = renderDashboardHtml(loadInput('basic'));
    expect(html).not.toMatch(/known[\s_-]*issue|landmark|okapi/i);
    const out = tempOut();
    writeRunReports(loadInput('basic'), out);
    expect(readTree(out).get('dashboard.html')).not.toMatch(/known[\s_-]*issue|landmark/i);
  });

  it('mode on: a section with each result and its status', () => {
    const input = { ...loadInput('basic'), knownIssuesMode: 'on' as const };
    const results = evaluateLandmarks(landmarks, input.plugins.flatMap((p) => p.result.recommendations));
    const html = renderDashboardHtml(input, { landmarks: results });
    expect(html).toContain('<li><a href="#known-issues">Known issues</a></li>');
    expect(html).toContain('<section id="known-issues" aria-labelledby="known-issues-h">');
    expect(html).toContain('<tr><th scope="row"><code>ki-dashboard-okapi</code></th><td>Okapi batching of the invoice chain</td><td><span class="badge b-ok">confirmed</span></td><td class="num">1</td>');
  });

  it('mode on without results: says so', () => {
    const html = renderDashboardHtml({ ...loadInput('basic'), knownIssuesMode: 'on' });
    expect(html).toContain('Known-issues mode is on, but no landmarks were loaded.');
  });
});
