/**
 * One validation runbook per batch sequence (plan Sprint 2.3): the processes to change, the
 * evidence expected after the change, and how to verify the delta in the next close (SQL over
 * the accessor's `jobs` / `job_params` views, and the stat-harness commands). Deterministic:
 * a pure function of the report model.
 */
import { batchGroupSequenceId } from '../insights/index.ts';
import { closeWindowBounds, fmtNumber, fmtSeconds, nextMonth } from './format.ts';
import { mdChain, mdCode, mdFence, mdProse, mdText } from './markdown.ts';
import { buildReportModel, type ReportModel, type SequenceView } from './model.ts';
import type { ReportInput } from './types.ts';

export const CHECKLIST_VERSION = 1;

export interface CloseQuery {
  close_month: string;
  /** Local dates of the window in the dataset's time zone (end exclusive). */
  window: { from: string; to_exclusive: string; timezone: string; from_ms: number; to_ms_exclusive: number };
  sql: string;
}

export interface PassCriterion {
  /** Sums over the sequence's processes of the next-close query's columns. */
  metric: 'calls' | 'queue_plus_run_seconds';
  comparison: '<=' | '<';
  threshold: number;
  why: string;
}

export interface SequenceChecklist {
  checklist_version: number;
  sequence_id: string;
  rank: number;
  plugin_id: string;
  recommendation_signature: string;
  target_process_ids: string[];
  close_month: string;
  key: string;
  processes_to_change: { position: number; process_id: string; change: string }[];
  baseline: {
    calls: number;
    distinct_key_values: number;
    total_wait_seconds: number;
    total_run_seconds: number;
    first_queue_dt: string;
    last_queue_dt: string;
    sample_queue_ids: string[];
  };
  estimate: { calls_reduced: number; delta_seconds_upper: number; modeled: { percent?: number; delta_seconds?: number; basis: string } | null; not_modeled_reason?: string };
  expected_evidence: string[];
  verification: {
    baseline_query: CloseQuery;
    next_close_query: CloseQuery;
    commands: string[];
    next_close_sequence_id: string;
    pass_criteria: PassCriterion[];
  };
  steps: string[];
}

/** SQL string literal: single quotes doubled (values come from data). */
function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function closeQuery(s: Pick<SequenceView, 'target_process_ids' | 'key'>, closeMonth: string, model: Pick<ReportModel, 'closeWindow'> & { timezone: string }): CloseQuery {
  const b = closeWindowBounds(closeMonth, model.closeWindow, model.timezone);
  const sql = [
    `-- ${closeMonth} close: queue_dt in [${b.startDate}, ${b.endDateExclusive}) ${model.timezone}`,
    'SELECT j.process_id,',
    '       COUNT(*) AS calls,',
    '       COUNT(DISTINCT p.value) AS distinct_key_values,',
    '       ROUND(SUM(CASE WHEN j.start_dt >= j.queue_dt THEN j.start_dt - j.queue_dt ELSE 0 END) / 1000.0, 1) AS wait_seconds,',
    '       ROUND(SUM(CASE WHEN j.end_dt >= j.start_dt THEN j.end_dt - j.start_dt ELSE 0 END) / 1000.0, 1) AS run_seconds',
    'FROM jobs AS j',
    `LEFT JOIN job_params AS p ON p.row_id = j.row_id AND p.key = ${sqlString(s.key)}`,
    `WHERE j.process_id IN (${s.target_process_ids.map(sqlString).join(', ')})`,
    `  AND j.queue_dt >= ${b.startMs} AND j.queue_dt < ${b.endMs}`,
    'GROUP BY j.process_id',
    'ORDER BY j.process_id;',
  ].join('\n');
  return {
    close_month: closeMonth,
    window: { from: b.startDate, to_exclusive: b.endDateExclusive, timezone: model.timezone, from_ms: b.startMs, to_ms_exclusive: b.endMs },
    sql,
  };
}

export function buildSequenceChecklists(input: ReportInput): SequenceChecklist[] {
  return checklistsFromModel(buildReportModel(input));
}

export function checklistsFromModel(model: ReportModel): SequenceChecklist[] {
  const timezone = model.input.dataset.timezone;
  return model.sequences.map((s) => {
    const next = nextMonth(s.close_month);
    const n = s.target_process_ids.length;
    const c = s.cohort;
    const expectedCalls = Math.max(0, c.calls - s.estimated_calls_reduced);
    // Half the estimated reduction is the bar: volumes move between closes, the estimate is modeled.
    const callsBar = Math.max(0, c.calls - Math.ceil(s.estimated_calls_reduced / 2));
    const nextSeq = batchGroupSequenceId({ target_process_ids: s.target_process_ids, close_month: next, key: s.key });
    const estimate: SequenceChecklist['estimate'] = { calls_reduced: s.estimated_calls_reduced, delta_seconds_upper: s.estimated_delta_seconds_upper, modeled: s.modeled };
    if (s.not_modeled_reason !== undefined) estimate.not_modeled_reason = s.not_modeled_reason;
    return {
      checklist_version: CHECKLIST_VERSION,
      sequence_id: s.sequence_id,
      rank: s.rank,
      plugin_id: s.plugin_id,
      recommendation_signature: s.recommendation_signature,
      target_process_ids: [...s.target_process_ids],
      close_month: s.close_month,
      key: s.key,
      processes_to_change: s.target_process_ids.map((id, i) => ({
        position: i + 1,
        process_id: id,
        change:
          `accept a list of ${s.key} values in one call and process them in one pass` +
          (i === 0 ? '; start it once per close month' : `; start it after ${s.target_process_ids[i - 1]} with the same list`) +
          (i === n - 1 ? '' : `, before ${s.target_process_ids[i + 1]}`),
      })),
      baseline: {
        calls: c.calls,
        distinct_key_values: c.distinct_key_values,
        total_wait_seconds: c.total_wait_seconds,
        total_run_seconds: c.total_run_seconds,
        first_queue_dt: c.first_queue_dt,
        last_queue_dt: c.last_queue_dt,
        sample_queue_ids: [...c.sample_queue_ids],
      },
      estimate,
      expected_evidence: [
        `in the ${next} close, about one call of each of ${s.target_process_ids.join(', ')} per batch instead of one per ${s.key} value (${fmtNumber(c.calls)} calls in ${s.close_month}; about ${fmtNumber(expectedCalls)} expected)`,
        `the params of the new calls carry several ${s.key} values each (a list), so distinct_key_values in the next-close query is far below ${fmtNumber(c.distinct_key_values)}`,
        `queue wait plus run time of these processes in the close drops, by at most ${fmtSeconds(s.estimated_delta_seconds_upper)} (upper bound) from ${fmtSeconds(c.total_wait_seconds + c.total_run_seconds)}`,
        `no new failures of these processes (status column) in the ${next} close`,
      ],
      verification: {
        baseline_query: closeQuery(s, s.close_month, { closeWindow: model.closeWindow, timezone }),
        next_close_query: closeQuery(s, next, { closeWindow: model.closeWindow, timezone }),
        commands: [
          `stat-harness ingest <export covering the ${next} close>`,
          `stat-harness run --dataset <that dataset> --plugins ${s.plugin_id}`,
          `stat-harness checklist --run <that run id>`,
        ],
        next_close_sequence_id: nextSeq,
        pass_criteria: [
          { metric: 'calls', comparison: '<=', threshold: callsBar, why: 'at least half of the estimated call reduction is realised (sum of the calls column)' },
          { metric: 'queue_plus_run_seconds', comparison: '<', threshold: c.total_wait_seconds + c.total_run_seconds, why: 'the chain costs less queue and run time than in the baseline close (sum of wait_seconds + run_seconds)' },
        ],
      },
      steps: [
        `Reproduce the baseline: run the baseline query on the dataset of this run; expect about ${fmtNumber(c.calls)} calls over the ${n} processes and ${fmtNumber(c.distinct_key_values)} distinct ${s.key} values.`,
        ...s.target_process_ids.map((id, i) => `Change process ${id} (step ${i + 1} of ${n}) to take the ${s.key} values as one list.`),
        `Schedule the chain ${s.target_process_ids.join(' → ')} once per close month with the full list of ${s.key} values.`,
        `After the ${next} close, ingest its export and run the next-close query; check the pass criteria.`,
        `Re-run ${s.plugin_id} on that dataset: sequence ${nextSeq} (the same chain in ${next}) should be absent or report far fewer calls.`,
      ],
    };
  });
}

export function renderChecklistMarkdown(c: SequenceChecklist): string {
  const num = (n: number) => fmtNumber(n, 1);
  const out = [
    `# Validation checklist: sequence ${mdCode(c.sequence_id)}`,
    '',
    `Recommendation #${c.rank} from ${mdCode(c.plugin_id)} (signature ${mdCode(c.recommendation_signature.slice(0, 16))}): ${mdChain(c.target_process_ids)}, key ${mdCode(c.key)}, close month ${mdText(c.close_month)}.`,
    '',
    '## Processes to change',
    '',
    ...c.processes_to_change.map((p) => `- [ ] ${p.position}. ${mdCode(p.process_id)}: ${mdProse(p.change)}`),
    '',
    '## Baseline (this run)',
    '',
    `- Calls: ${fmtNumber(c.baseline.calls)}; distinct ${mdCode(c.key)} values: ${fmtNumber(c.baseline.distinct_key_values)}`,
    `- Queue wait: ${fmtSeconds(c.baseline.total_wait_seconds)}; run time: ${fmtSeconds(c.baseline.total_run_seconds)}`,
    `- Queued from ${mdText(c.baseline.first_queue_dt)} to ${mdText(c.baseline.last_queue_dt)}; sample queue ids: ${c.baseline.sample_queue_ids.length ? c.baseline.sample_queue_ids.map((q) => mdCode(q)).join(', ') : 'none'}`,
    `- Estimate: ${fmtNumber(c.estimate.calls_reduced)} fewer calls; at most ${fmtSeconds(c.estimate.delta_seconds_upper)} saved (upper bound)` +
      (c.estimate.modeled !== null
        ? `; modeled: ${[c.estimate.modeled.delta_seconds !== undefined ? fmtSeconds(c.estimate.modeled.delta_seconds) : '', c.estimate.modeled.percent !== undefined ? `${num(c.estimate.modeled.percent)}%` : ''].filter(Boolean).join(' · ')} (basis: ${mdProse(c.estimate.modeled.basis)})`
        : `; not modeled: ${mdProse(c.estimate.not_modeled_reason ?? 'no reason given')}`),
    '',
    '## Evidence expected after the change',
    '',
    ...c.expected_evidence.map((e) => `- [ ] ${mdProse(e)}`),
    '',
    '## How to verify the delta',
    '',
    ...c.steps.map((s, i) => `${i + 1}. ${mdProse(s)}`),
    '',
    `Baseline query (${mdText(c.verification.baseline_query.close_month)} close, ${mdText(c.verification.baseline_query.window.from)} to ${mdText(c.verification.baseline_query.window.to_exclusive)} exclusive, ${mdText(c.verification.baseline_query.window.timezone)}):`,
    '',
    mdFence(c.verification.baseline_query.sql, 'sql'),
    '',
    `Next-close query (${mdText(c.verification.next_close_query.close_month)} close, ${mdText(c.verification.next_close_query.window.from)} to ${mdText(c.verification.next_close_query.window.to_exclusive)} exclusive):`,
    '',
    mdFence(c.verification.next_close_query.sql, 'sql'),
    '',
    'The views `jobs` and `job_params` are the ones the read-only SQL accessor exposes for one dataset; in the store file they are `jobs_<dataset id>` and `job_params_<dataset id>`.',
    '',
    'Commands:',
    '',
    mdFence(c.verification.commands.join('\n'), 'sh'),
    '',
    '## Pass criteria (next close)',
    '',
    ...c.verification.pass_criteria.map((p) => `- [ ] ${mdText(p.metric)} ${p.comparison} ${fmtNumber(p.threshold, 1)}: ${mdProse(p.why)}`),
  ];
  return `${out.join('\n')}\n`;
}
