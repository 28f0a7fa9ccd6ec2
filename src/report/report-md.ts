/** report.md: the human overview of one run (same content as report.json, ranked and explained). */
import type { LandmarkResult } from '../insights/index.ts';
import { fmtNumber, fmtSeconds, isoOrNull } from './format.ts';
import { checklistPath } from './json.ts';
import { mdChain, mdCode, mdProse, mdTable, mdText } from './markdown.ts';
import { buildReportModel, type ReportModel } from './model.ts';
import { ACTION_LABELS, boundaryMd, impactMd, whereMd } from './render-common.ts';
import type { ReportInput } from './types.ts';

export function renderReportMarkdown(input: ReportInput, options: { landmarks?: readonly LandmarkResult[] } = {}): string {
  return reportMarkdownFromModel(buildReportModel(input, options));
}

export function reportMarkdownFromModel(model: ReportModel): string {
  const sections = [
    headerSection(model),
    summarySection(model),
    recommendationsSection(model),
    sequencesSection(model),
    findingsSection(model),
    pluginsSection(model),
    violationsSection(model),
    dataQualitySection(model),
    knownIssuesSection(model),
  ].filter((s) => s !== '');
  return `${sections.join('\n\n')}\n`;
}

export function headerSection(model: ReportModel): string {
  const d = model.input.dataset;
  const min = isoOrNull(d.timeRange.minQueueDt);
  const max = isoOrNull(d.timeRange.maxQueueDt);
  const months = d.closeMonths.map((m) => `${mdText(m.month)} (${fmtNumber(m.rows)} rows)`).join(', ');
  return [
    `# stat-harness report: ${mdText(d.name)}`,
    '',
    `- Dataset: ${mdText(d.name)}, fingerprint ${mdCode(d.fingerprint.slice(0, 16))}, ${fmtNumber(d.rowCount)} rows, ${fmtNumber(d.distinctProcesses)} processes, time zone ${mdText(d.timezone)}`,
    `- Queue window: ${min === null ? 'n/a' : mdText(min)} to ${max === null ? 'n/a' : mdText(max)}`,
    `- Close months: ${months === '' ? 'none' : months}`,
    `- Seed ${model.input.seed}, plugin set ${mdCode(model.input.pluginSetHash.slice(0, 16))}`,
  ].join('\n');
}

export function summarySection(model: ReportModel): string {
  const byStatus = new Map<string, number>();
  for (const p of model.plugins) byStatus.set(p.status, (byStatus.get(p.status) ?? 0) + 1);
  const statuses = [...byStatus.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => `${n} ${s}`).join(', ');
  const rejected = model.plugins.reduce((n, p) => n + p.recommendations_rejected, 0);
  return [
    '## Summary',
    '',
    `- Plugins: ${model.plugins.length} (${statuses || 'none'}); ${model.plugins.filter((p) => p.actionable).length} with actionable recommendations`,
    `- Recommendations: ${model.recommendations.length} ranked (${model.recommendations.filter((r) => r.modeled !== null).length} with a modeled figure)${rejected > 0 ? `; ${rejected} rejected by the insight contract` : ''}`,
    `- Batch sequences: ${model.sequences.length}`,
    `- Findings: ${model.findings.length}`,
  ].join('\n');
}

export function recommendationsSection(model: ReportModel): string {
  if (model.recommendations.length === 0) return '## Recommendations\n\nNo recommendation satisfied the insight contract in this run.';
  const rows = model.recommendations.map((r) => [
    String(r.rank),
    mdText(ACTION_LABELS[r.action_type] ?? r.action_type),
    whereMd(r.where, { table: true, ordered: r.batch_group !== undefined }),
    impactMd(r.modeled, r.not_modeled_reason),
    mdProse(r.text),
    mdCode(r.plugin_id, { table: true }),
  ]);
  return [
    '## Recommendations',
    '',
    'Ranked by modeled impact (modeled seconds saved, then modeled percent, then relevance). Details: `answers_recommendations.md`.',
    '',
    mdTable(['#', 'Action', 'Where', 'Impact', 'What to change', 'Plugin'], rows),
  ].join('\n');
}

export function sequencesSection(model: ReportModel): string {
  if (model.sequences.length === 0) return '';
  const blocks = model.sequences.map((s) => {
    const lines = [
      `### Sequence ${mdCode(s.sequence_id)} (recommendation #${s.rank})`,
      '',
      `- Processes, in run order: ${mdChain(s.target_process_ids)}`,
      `- Key: ${mdCode(s.key)}; close month: ${mdText(s.close_month)}`,
      `- Cohort: ${fmtNumber(s.cohort.calls)} calls, ${fmtNumber(s.cohort.distinct_key_values)} distinct values of ${mdCode(s.key)}, queued ${mdText(s.cohort.first_queue_dt)} to ${mdText(s.cohort.last_queue_dt)}; ${fmtSeconds(s.cohort.total_wait_seconds)} waiting, ${fmtSeconds(s.cohort.total_run_seconds)} running`,
      `- Suggested batched-call boundary: ${boundaryMd(s)}`,
      `- Estimate: ${fmtNumber(s.estimated_calls_reduced)} fewer calls; at most ${fmtSeconds(s.estimated_delta_seconds_upper)} less queue and run time (upper bound)`,
      `- Impact: ${impactMd(s.modeled, s.not_modeled_reason)}`,
      `- Reported by ${mdCode(s.plugin_id)}${s.also_reported_by.length ? ` (also ${s.also_reported_by.map((p) => mdCode(p)).join(', ')})` : ''}; checklist: [${mdText(checklistPath(s.sequence_id, 'md'))}](${checklistPath(s.sequence_id, 'md')})`,
    ];
    return lines.join('\n');
  });
  return ['## Batch sequences', '', ...blocks.flatMap((b, i) => (i === 0 ? [b] : ['', b]))].join('\n');
}

export function findingsSection(model: ReportModel): string {
  if (model.findings.length === 0) return '## Findings\n\nNo findings.';
  const rows = model.findings.map((f) => [
    mdText(f.severity),
    mdProse(f.title),
    mdText(f.measurement),
    fmtNumber(f.confidence, 2),
    mdCode(f.plugin_id, { table: true }),
    mdCode(f.id, { table: true }),
  ]);
  return ['## Findings', '', mdTable(['Severity', 'Finding', 'Measurement', 'Confidence', 'Plugin', 'Id'], rows)].join('\n');
}

export function pluginsSection(model: ReportModel): string {
  const rows = model.plugins.map((p) => [
    mdCode(p.id, { table: true }),
    mdText(p.version),
    mdText(p.class),
    mdText(p.status),
    mdProse(p.reason !== undefined && p.status !== 'ok' ? `${p.summary}${p.summary ? ' — ' : ''}${p.reason}` : p.summary),
    String(p.recommendations - p.recommendations_rejected),
    String(p.contract_violations.length),
  ]);
  return ['## Plugins', '', mdTable(['Plugin', 'Version', 'Class', 'Status', 'Summary', 'Recommendations', 'Contract violations'], rows)].join('\n');
}

export function violationsSection(model: ReportModel): string {
  const offenders = model.plugins.filter((p) => p.contract_violations.length > 0);
  if (offenders.length === 0) return '';
  const blocks = offenders.map((p) => [`### ${mdCode(p.id)}`, '', ...p.contract_violations.map((v) => `- ${mdProse(v)}`)].join('\n'));
  return [
    '## Insight-contract violations',
    '',
    'Recommendations listed here are left out of the ranking and the checklists (see docs/insight-contract.md).',
    '',
    blocks.join('\n\n'),
  ].join('\n');
}

export function dataQualitySection(model: ReportModel): string {
  const q = model.input.dataset.quality;
  const lines = (l: number[]) => (l.length === 0 ? '' : [...l].sort((a, b) => a - b).map(String).join(', '));
  const rows: [string, { count: number; lines: number[] }, string][] = [
    ['End before start', q.endBeforeStart, 'left out of durations'],
    ['Malformed params', q.malformedParams, 'pairs kept out of the params table'],
    ['Cancelled before start', q.cancelledBeforeStart, 'no run time'],
    ['Missing timestamps', q.missingTimestamps, 'left out of timings'],
  ];
  return [
    '## Data quality',
    '',
    mdTable(
      ['Issue', 'Rows', 'First source lines', 'Handling'],
      rows.map(([name, issue, handling]) => [name, fmtNumber(issue.count), lines(issue.lines) || '—', handling]),
    ),
  ].join('\n');
}

/** Only in known-issues mode on (model.landmarks is undefined in mode off). */
export function knownIssuesSection(model: ReportModel): string {
  if (model.landmarks === undefined) return '';
  if (model.landmarks.length === 0) return '## Known issues\n\nKnown-issues mode is on, but no landmarks were loaded.';
  const rows = model.landmarks.map((l) => [
    mdCode(l.id, { table: true }),
    mdProse(l.title),
    mdText(l.status),
    String(l.count),
    l.max_count === undefined ? `≥ ${l.min_count}` : `${l.min_count}–${l.max_count}`,
  ]);
  return ['## Known issues', '', mdTable(['Landmark', 'Title', 'Status', 'Matches', 'Expected'], rows)].join('\n');
}
