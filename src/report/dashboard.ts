/**
 * dashboard.html: the evidence dashboard of one run, rendered from the same ReportModel as
 * report.md (same ranking, same figures, same formatting helpers), so the two never disagree.
 *
 * A hashed artifact: deterministic bytes, no run id, timestamp or telemetry. Self-contained:
 * inline CSS and one constant inline script, both pinned by sha256 in a Content-Security-Policy
 * that allows nothing else (no network, no fonts, no images), so it works from file:// and from
 * an artifact store alike. The recommendations table is complete and ranked without the script;
 * the script only adds filtering and sorting.
 */
import type { LandmarkResult } from '../insights/index.ts';
import { code, cspHash, esc, relHref } from './dashboard/html.ts';
import { DASHBOARD_SCRIPT } from './dashboard/script.ts';
import { DASHBOARD_CSS } from './dashboard/styles.ts';
import { fmtNumber, fmtSeconds, isoOrNull } from './format.ts';
import { buildReportModel, type FindingView, type ModeledFigure, type PluginView, type RankedRecommendation, type ReportModel, type SequenceView } from './model.ts';
import { ACTION_LABELS, figureText } from './render-common.ts';
import type { ReportInput } from './types.ts';

export const DASHBOARD_FILE = 'dashboard.html';

/** The page's policy: only the exact inline style and script below may run. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `style-src ${cspHash(DASHBOARD_CSS)}`,
  `script-src ${cspHash(DASHBOARD_SCRIPT)}`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export function renderDashboardHtml(input: ReportInput, options: { landmarks?: readonly LandmarkResult[] } = {}): string {
  return dashboardHtmlFromModel(buildReportModel(input, options));
}

interface Section {
  id: string;
  title: string;
  html: string;
}

export function dashboardHtmlFromModel(model: ReportModel): string {
  const d = model.input.dataset;
  const sections: Section[] = [
    { id: 'summary', title: 'Summary', html: summarySection(model) },
    { id: 'recommendations', title: 'Recommendations', html: recommendationsSection(model) },
    { id: 'sequences', title: 'Batch sequences', html: sequencesSection(model) },
    { id: 'findings', title: 'Findings', html: findingsSection(model) },
    { id: 'plugins', title: 'Plugins', html: pluginsSection(model) },
    { id: 'data-quality', title: 'Data quality', html: dataQualitySection(model) },
  ];
  // Mode off: model.landmarks is undefined and nothing of this section exists, not even its name.
  if (model.landmarks !== undefined) sections.push({ id: 'known-issues', title: 'Known issues', html: knownIssuesSection(model.landmarks) });

  const lines = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>stat-harness dashboard: ${esc(d.name)}</title>`,
    `<style>${DASHBOARD_CSS}</style>`,
    '</head>',
    '<body>',
    '<a class="skip" href="#main">Skip to content</a>',
    headerHtml(model),
    '<nav class="toc" aria-label="Sections"><div class="wrap"><ul>',
    ...sections.map((s) => `<li><a href="#${s.id}">${esc(s.title)}</a></li>`),
    '</ul></div></nav>',
    '<main id="main" class="wrap">',
    ...sections.map((s) => `<section id="${s.id}" aria-labelledby="${s.id}-h">\n<h2 id="${s.id}-h">${esc(s.title)}</h2>\n${s.html}\n</section>`),
    '</main>',
    '<footer class="colophon"><div class="wrap">',
    '<p>Rendered by stat-harness from the same report model as <a href="report.md">report.md</a> and <a href="report.json">report.json</a>; ' +
      'figures are identical across the three. Modeled figures are shown only with their basis.</p>',
    '</div></footer>',
    `<script>${DASHBOARD_SCRIPT}</script>`,
    '</body>',
    '</html>',
  ];
  return `${lines.join('\n')}\n`;
}

/* ------------------------------------------------------------------ header */

function headerHtml(model: ReportModel): string {
  const d = model.input.dataset;
  const min = isoOrNull(d.timeRange.minQueueDt);
  const max = isoOrNull(d.timeRange.maxQueueDt);
  const months = d.closeMonths.length === 0 ? 'none' : `<ul class="months">${d.closeMonths.map((m) => `<li>${esc(m.month)} · ${fmtNumber(m.rows)} rows</li>`).join('')}</ul>`;
  const fact = (label: string, value: string) => `<div><dt>${esc(label)}</dt><dd>${value}</dd></div>`;
  return [
    '<header class="masthead"><div class="wrap">',
    '<p class="eyebrow">stat-harness evidence dashboard</p>',
    `<h1>${esc(d.name)}</h1>`,
    '<dl class="facts">',
    fact('Fingerprint', `<code title="${esc(d.fingerprint)}">${esc(d.fingerprint.slice(0, 16))}</code>`),
    fact('Rows', `${fmtNumber(d.rowCount)} rows · ${fmtNumber(d.distinctProcesses)} processes${d.largeDataset ? ' · large dataset' : ''}`),
    fact('Queue window', `${timeHtml(min)} to ${timeHtml(max)} <span class="nowrap">(time zone ${esc(d.timezone)})</span>`),
    fact('Close months', months),
    fact('Run', `seed ${esc(model.input.seed)} · plugin set <code>${esc(model.input.pluginSetHash.slice(0, 16))}</code>`),
    '</dl>',
    '</div></header>',
  ].join('\n');
}

function timeHtml(iso: string | null): string {
  return iso === null ? 'n/a' : `<time class="nowrap" datetime="${esc(iso)}">${esc(iso)}</time>`;
}

/* ------------------------------------------------------------------ summary */

const STATUS_ORDER = ['ok', 'degraded', 'na', 'skipped', 'error'] as const;

/** Sum of the modeled seconds of the ranked recommendations that carry one, with that count. */
export function modeledSecondsTotal(recs: readonly RankedRecommendation[]): { seconds: number; basisCount: number } {
  let seconds = 0;
  let basisCount = 0;
  for (const r of recs) {
    if (r.modeled?.delta_seconds === undefined) continue;
    seconds += r.modeled.delta_seconds;
    basisCount++;
  }
  return { seconds, basisCount };
}

function tile(label: string, big: string, sub: string, primary = false): string {
  return `<div class="tile${primary ? ' primary' : ''}"><dt>${esc(label)}</dt><dd><span class="big">${big}</span><div class="sub">${sub}</div></dd></div>`;
}

function summarySection(model: ReportModel): string {
  const byStatus = new Map<string, number>();
  for (const p of model.plugins) byStatus.set(p.status, (byStatus.get(p.status) ?? 0) + 1);
  const statuses = STATUS_ORDER.filter((s) => byStatus.has(s)).map((s) => `<li>${byStatus.get(s)} ${statusBadge(s)}</li>`);
  const rejected = model.plugins.reduce((n, p) => n + p.recommendations_rejected, 0);
  const modeled = model.recommendations.filter((r) => r.modeled !== null).length;
  const total = modeledSecondsTotal(model.recommendations);
  const callsReduced = model.sequences.reduce((n, s) => n + s.estimated_calls_reduced, 0);
  const severities = new Map<string, number>();
  for (const f of model.findings) severities.set(f.severity, (severities.get(f.severity) ?? 0) + 1);
  const actionable = model.plugins.filter((p) => p.actionable).length;
  return [
    '<dl class="tiles">',
    tile(
      'Recommendations',
      fmtNumber(model.recommendations.length),
      `ranked; ${fmtNumber(modeled)} with a modeled figure${rejected > 0 ? `; ${fmtNumber(rejected)} rejected by the insight contract` : ''}`,
      true,
    ),
    tile(
      'Modeled seconds',
      total.basisCount === 0 ? '—' : esc(fmtSeconds(total.seconds)),
      total.basisCount === 0
        ? 'no recommendation has a modeled figure in seconds'
        : `sum over the ${fmtNumber(total.basisCount)} recommendation${total.basisCount === 1 ? '' : 's'} modeled in seconds, each with its basis; estimates may overlap`,
      true,
    ),
    tile('Batch sequences', fmtNumber(model.sequences.length), model.sequences.length === 0 ? 'none found' : `${fmtNumber(callsReduced)} fewer calls estimated in total`),
    tile('Plugins', fmtNumber(model.plugins.length), `${statuses.length ? `<ul class="statuses">${statuses.join('')}</ul>` : ''}${fmtNumber(actionable)} with actionable recommendations`),
    tile('Findings', fmtNumber(model.findings.length), (['critical', 'warn', 'info'] as const).filter((s) => severities.has(s)).map((s) => `${severities.get(s)} ${esc(s)}`).join(' · ') || 'none'),
    '</dl>',
  ].join('\n');
}

/* ------------------------------------------------------------------ badges */

const STATUS_TONE: Record<string, string> = { ok: 'b-ok', degraded: 'b-warn', error: 'b-bad', na: 'b-neutral', skipped: 'b-neutral' };
const SEVERITY_TONE: Record<string, string> = { critical: 'b-bad', warn: 'b-warn', info: 'b-neutral' };

function statusBadge(status: string): string {
  return `<span class="badge ${STATUS_TONE[status] ?? 'b-neutral'}">${esc(status)}</span>`;
}

function severityBadge(severity: string): string {
  return `<span class="badge ${SEVERITY_TONE[severity] ?? 'b-neutral'}">${esc(severity)}</span>`;
}

/* ------------------------------------------------------------------ recommendations */

/**
 * Process ids of a recommendation: a batch sequence is a chain (arrows, run order); other
 * targets (a set of processes to reroute, say) are a plain list in the plugin's order.
 */
function processesHtml(ids: readonly string[], chain: boolean): string {
  const items = ids.map((id) => `<li>${code(id)}</li>`).join('');
  return chain ? `<ol class="chain">${items}</ol>` : `<ul class="procs">${items}</ul>`;
}

/** Modeled figure with its basis, or why there is none (same words as report.md). */
function impactHtml(modeled: ModeledFigure | null, notModeledReason: string | undefined): string {
  if (modeled !== null) return `<span class="figure">${esc(figureText(modeled))}</span><span class="basis">basis: ${esc(modeled.basis)}</span>`;
  return `<span class="not-modeled">not modeled: ${esc(notModeledReason ?? 'no reason given')}</span>`;
}

function actionLabel(action: string): string {
  return esc(ACTION_LABELS[action] ?? action);
}

/** Targets other than processes, key and close month (which have their own columns). */
function otherTargets(r: RankedRecommendation): string {
  const w = r.where;
  const parts: string[] = [];
  if (w.machine !== undefined) parts.push(`machine ${code(w.machine)}`);
  if (w.user_id !== undefined) parts.push(`user ${code(w.user_id)}`);
  if (w.hour_of_day !== undefined) parts.push(`hour ${esc(w.hour_of_day)}:00`);
  return parts.length === 0 ? '' : `<ul class="targets">${parts.map((p) => `<li>${p}</li>`).join('')}</ul>`;
}

function optionsOf(values: readonly (string | undefined)[], label: (v: string) => string, allLabel: string, noneLabel: string): string {
  const counts = new Map<string, number>();
  let none = 0;
  for (const v of values) {
    if (v === undefined) none++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const sorted = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    `<option value="" data-match="all" selected>${esc(allLabel)} (${values.length})</option>`,
    ...sorted.map(([v, n]) => `<option value="${esc(v)}" data-match="value">${label(v)} (${n})</option>`),
    ...(none > 0 ? [`<option value="" data-match="none">${esc(noneLabel)} (${none})</option>`] : []),
  ].join('');
}

function recommendationsSection(model: ReportModel): string {
  const recs = model.recommendations;
  if (recs.length === 0) return '<p class="empty">No recommendation satisfied the insight contract in this run.</p>';
  const seqIndex = new Map(model.sequences.map((s, i) => [s.sequence_id, i + 1]));
  const controls = [
    '<div class="controls" id="recs-controls" hidden>',
    `<label>Action type<select id="filter-action">${optionsOf(
      recs.map((r) => r.action_type),
      (v) => `${actionLabel(v)} · ${esc(v)}`,
      'All action types',
      'No action type',
    )}</select></label>`,
    `<label>Close month<select id="filter-close">${optionsOf(
      recs.map((r) => r.where.close_month),
      (v) => esc(v),
      'All close months',
      'Not close-specific',
    )}</select></label>`,
    '<button type="button" id="filter-reset">Reset</button>',
    '<p id="recs-status" role="status" aria-live="polite"></p>',
    '</div>',
  ];
  const rows = recs.map((r) => {
    const w = r.where;
    const seconds = r.modeled?.delta_seconds;
    const attrs = [
      `data-rank="${r.rank}"`,
      `data-action="${esc(r.action_type)}"`,
      ...(w.close_month !== undefined ? [`data-close="${esc(w.close_month)}"`] : []),
      ...(seconds !== undefined ? [`data-seconds="${seconds}"`] : []),
    ];
    const seq = r.batch_group ? seqIndex.get(r.batch_group.sequence_id) : undefined;
    const seqLink = seq !== undefined ? `<span class="basis"><a href="#seq-${seq}">sequence card ${code(r.batch_group!.sequence_id)}</a></span>` : '';
    return [
      `<tr ${attrs.join(' ')}>`,
      `<th scope="row" class="num">${r.rank}</th>`,
      `<td><span class="action">${actionLabel(r.action_type)}</span><span class="basis">${code(r.action_type)}</span></td>`,
      `<td>${w.process_ids?.length ? processesHtml(w.process_ids, r.batch_group !== undefined) : '<span class="not-modeled">no process</span>'}${otherTargets(r)}</td>`,
      `<td class="nowrap">${w.close_month !== undefined ? esc(w.close_month) : '—'}</td>`,
      `<td>${w.key !== undefined ? code(w.key) : '—'}</td>`,
      `<td class="impact">${impactHtml(r.modeled, r.not_modeled_reason)}</td>`,
      `<td class="text">${esc(r.text)}<span class="basis">from ${code(r.plugin_id)}</span>${seqLink}</td>`,
      '</tr>',
    ].join('');
  });
  return [
    '<p class="lede">Ranked by modeled impact: modeled seconds saved, then modeled percent, then relevance. Process ids are exact; copy them as they are.</p>',
    ...controls,
    '<div class="table-wrap">',
    '<table id="recs-table">',
    `<caption>Ranked recommendations (${recs.length})</caption>`,
    '<thead><tr>',
    '<th scope="col" class="num" data-sort="rank" data-sort-type="number" data-first="ascending" aria-sort="ascending">Rank</th>',
    '<th scope="col" data-sort="action" data-first="ascending">Action</th>',
    '<th scope="col">Processes</th>',
    '<th scope="col" data-sort="close" data-first="ascending">Close month</th>',
    '<th scope="col">Key</th>',
    '<th scope="col" data-sort="seconds" data-sort-type="number" data-first="descending">Modeled impact</th>',
    '<th scope="col">What to change</th>',
    '</tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
    '</div>',
  ].join('\n');
}

/* ------------------------------------------------------------------ sequences */

function sequenceCard(s: SequenceView, index: number): string {
  const c = s.cohort;
  const md = relHref('checklists/', s.sequence_id, '.md');
  const json = relHref('checklists/', s.sequence_id, '.json');
  const reporters = [code(s.plugin_id), ...s.also_reported_by.map((p) => code(p))].join(', ');
  const kv = (label: string, value: string) => `<dt>${esc(label)}</dt><dd>${value}</dd>`;
  return [
    `<article class="card" id="seq-${index}" aria-labelledby="seq-${index}-h">`,
    '<header>',
    `<h3 id="seq-${index}-h">Sequence ${code(s.sequence_id)}</h3>`,
    `<span class="rank">recommendation #${s.rank}</span>`,
    '</header>',
    `<ol class="chain" aria-label="Processes in run order">${s.target_process_ids.map((id, i) => `<li><span class="step">${i + 1}.</span>${code(id)}</li>`).join('')}</ol>`,
    '<dl class="kv">',
    kv('Key', code(s.key)),
    kv('Close month', esc(s.close_month)),
    kv('Calls reduced', `${fmtNumber(s.estimated_calls_reduced)} fewer calls (estimate)`),
    kv('Delta upper bound', `at most ${esc(fmtSeconds(s.estimated_delta_seconds_upper))} less queue and run time`),
    kv('Impact', impactHtml(s.modeled, s.not_modeled_reason)),
    kv('Reported by', reporters),
    '</dl>',
    `<p class="boundary"><strong>Suggested batched-call boundary:</strong> ${esc(s.suggested_boundary)}</p>`,
    '<div class="table-wrap">',
    '<table>',
    `<caption>Cohort evidence: ${esc(s.close_month)} close</caption>`,
    '<tbody>',
    `<tr><th scope="row">Calls</th><td class="num">${fmtNumber(c.calls)}</td></tr>`,
    `<tr><th scope="row">Distinct values of ${code(s.key)}</th><td class="num">${fmtNumber(c.distinct_key_values)}</td></tr>`,
    `<tr><th scope="row">Queued</th><td>${esc(c.first_queue_dt)} to ${esc(c.last_queue_dt)}</td></tr>`,
    `<tr><th scope="row">Queue wait</th><td class="num">${esc(fmtSeconds(c.total_wait_seconds))}</td></tr>`,
    `<tr><th scope="row">Run time</th><td class="num">${esc(fmtSeconds(c.total_run_seconds))}</td></tr>`,
    `<tr><th scope="row">Sample queue ids</th><td>${c.sample_queue_ids.length ? c.sample_queue_ids.map((q) => code(q)).join(' ') : 'none'}</td></tr>`,
    '</tbody>',
    '</table>',
    '</div>',
    '<ul class="links">',
    `<li><a class="checklist" href="${md}">Validation checklist (checklists/${esc(s.sequence_id)}.md)</a></li>`,
    `<li><a href="${json}">checklist JSON</a></li>`,
    '</ul>',
    '</article>',
  ].join('\n');
}

function sequencesSection(model: ReportModel): string {
  if (model.sequences.length === 0) return '<p class="empty">No batch sequence in this run.</p>';
  return [
    '<p class="lede">One card per batch sequence: the processes in the order they run, the close-month cohort behind it, and the runbook to validate the change in the next close.</p>',
    '<div class="cards">',
    ...model.sequences.map((s, i) => sequenceCard(s, i + 1)),
    '</div>',
  ].join('\n');
}

/* ------------------------------------------------------------------ findings */

function findingRow(f: FindingView): string {
  return [
    '<tr>',
    `<td>${severityBadge(f.severity)}</td>`,
    `<td>${esc(f.title)}${f.what ? `<span class="what">${esc(f.what)}</span>` : ''}</td>`,
    `<td>${esc(f.measurement)}</td>`,
    `<td class="num">${fmtNumber(f.confidence, 2)}</td>`,
    `<td>${code(f.plugin_id)}</td>`,
    `<td>${code(f.id)}</td>`,
    '</tr>',
  ].join('');
}

function findingsSection(model: ReportModel): string {
  if (model.findings.length === 0) return '<p class="empty">No findings.</p>';
  return [
    '<div class="table-wrap">',
    '<table>',
    `<caption>Findings by severity, then confidence (${model.findings.length})</caption>`,
    '<thead><tr><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Measurement</th><th scope="col" class="num">Confidence</th><th scope="col">Plugin</th><th scope="col">Id</th></tr></thead>',
    '<tbody>',
    ...model.findings.map(findingRow),
    '</tbody>',
    '</table>',
    '</div>',
  ].join('\n');
}

/* ------------------------------------------------------------------ plugins */

function pluginSummary(p: PluginView): string {
  // Same text as report.md: the reason is appended when the plugin did not finish ok.
  const text = p.reason !== undefined && p.status !== 'ok' ? `${p.summary}${p.summary ? ' — ' : ''}${p.reason}` : p.summary;
  return esc(text);
}

function pluginsSection(model: ReportModel): string {
  const rows = model.plugins.map((p) =>
    [
      '<tr>',
      `<th scope="row">${code(p.id)}<span class="basis">version ${esc(p.version)}</span></th>`,
      `<td>${esc(p.class)}<span class="basis">access ${esc(p.access)}</span></td>`,
      `<td>${statusBadge(p.status)}</td>`,
      `<td class="text">${pluginSummary(p)}</td>`,
      `<td class="num">${p.recommendations - p.recommendations_rejected}</td>`,
      `<td class="num">${p.recommendations_rejected}</td>`,
      `<td class="num">${p.contract_violations.length === 0 ? '0' : `<a href="#violations-${model.plugins.indexOf(p) + 1}">${p.contract_violations.length}</a>`}</td>`,
      '</tr>',
    ].join(''),
  );
  const offenders = model.plugins.map((p, i) => ({ p, i })).filter(({ p }) => p.contract_violations.length > 0);
  const violations =
    offenders.length === 0
      ? ''
      : [
          '<div class="violations">',
          '<h3>Insight-contract violations</h3>',
          '<p class="lede">Recommendations that violate the contract are left out of the ranking and the checklists.</p>',
          ...offenders.map(({ p, i }) => `<h4 id="violations-${i + 1}">${code(p.id)}</h4>\n<ul>${p.contract_violations.map((v) => `<li>${esc(v)}</li>`).join('')}</ul>`),
          '</div>',
        ].join('\n');
  return [
    '<div class="table-wrap">',
    '<table>',
    `<caption>Plugin status (${model.plugins.length} plugins)</caption>`,
    '<thead><tr><th scope="col">Plugin</th><th scope="col">Class and access</th><th scope="col">Status</th><th scope="col">Summary</th><th scope="col" class="num">Ranked recommendations</th><th scope="col" class="num">Rejected</th><th scope="col" class="num">Contract violations</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
    '</div>',
    violations,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/* ------------------------------------------------------------------ data quality */

function dataQualitySection(model: ReportModel): string {
  const q = model.input.dataset.quality;
  const issues: [string, { count: number; lines: number[] }, string][] = [
    ['End before start', q.endBeforeStart, 'left out of durations'],
    ['Malformed params', q.malformedParams, 'pairs kept out of the params table'],
    ['Cancelled before start', q.cancelledBeforeStart, 'no run time'],
    ['Missing timestamps', q.missingTimestamps, 'left out of timings'],
  ];
  const rows = issues.map(([name, issue, handling]) => {
    const lines = [...issue.lines].sort((a, b) => a - b).join(', ');
    const tone = issue.count > 0 ? '<span class="badge b-warn">flagged</span>' : '<span class="badge b-ok">none</span>';
    return `<tr><th scope="row">${esc(name)}</th><td class="num">${fmtNumber(issue.count)}</td><td>${tone}</td><td>${lines === '' ? '—' : esc(lines)}</td><td>${esc(handling)}</td></tr>`;
  });
  return [
    '<p class="lede">Rows the ingest kept but flagged; they are counted here with their source lines and handled as stated.</p>',
    '<div class="table-wrap">',
    '<table>',
    '<caption>Data-quality issues found at ingest</caption>',
    '<thead><tr><th scope="col">Issue</th><th scope="col" class="num">Rows</th><th scope="col">State</th><th scope="col">First source lines</th><th scope="col">Handling</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
    '</div>',
  ].join('\n');
}

/* ------------------------------------------------------------------ known issues (mode on only) */

const LANDMARK_TONE: Record<string, string> = { confirmed: 'b-ok', missing: 'b-bad', below_min: 'b-warn', over_limit: 'b-warn' };

function knownIssuesSection(landmarks: readonly LandmarkResult[]): string {
  if (landmarks.length === 0) return '<p class="empty">Known-issues mode is on, but no landmarks were loaded.</p>';
  const rows = landmarks.map(
    (l) =>
      `<tr><th scope="row">${code(l.id)}</th><td>${esc(l.title)}</td><td><span class="badge ${LANDMARK_TONE[l.status] ?? 'b-neutral'}">${esc(l.status)}</span></td>` +
      `<td class="num">${l.count}</td><td class="num">${l.max_count === undefined ? `≥ ${l.min_count}` : `${l.min_count}–${l.max_count}`}</td></tr>`,
  );
  return [
    '<div class="table-wrap">',
    '<table>',
    `<caption>Known-issue landmarks (${landmarks.length})</caption>`,
    '<thead><tr><th scope="col">Landmark</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col" class="num">Matches</th><th scope="col" class="num">Expected</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
    '</div>',
  ].join('\n');
}
