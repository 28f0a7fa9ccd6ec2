/**
 * answers_recommendations.md (technical) and answers_recommendations_plain.md (plain
 * language, exact ids kept): the ranked recommendations, each saying exactly where to change
 * what; batch sequences with their ordered processes, key, close-month cohort and the
 * suggested batched-call boundary.
 */
import type { LandmarkResult } from '../insights/index.ts';
import { fmtNumber, fmtPercent, fmtSeconds, monthName } from './format.ts';
import { checklistPath } from './json.ts';
import { mdChain, mdCode, mdProcesses, mdProse, mdText } from './markdown.ts';
import { buildReportModel, type RankedRecommendation, type ReportModel, type SequenceView } from './model.ts';
import { ACTION_LABELS, boundaryMd, impactMd, PLAIN_ACTION_LABELS, whereMd } from './render-common.ts';
import type { ReportInput } from './types.ts';

type Options = { landmarks?: readonly LandmarkResult[] };

export function renderAnswersTechnical(input: ReportInput, options: Options = {}): string {
  return answersTechnicalFromModel(buildReportModel(input, options));
}

export function renderAnswersPlain(input: ReportInput, options: Options = {}): string {
  return answersPlainFromModel(buildReportModel(input, options));
}

const sequenceIndex = new WeakMap<ReportModel, Map<string, SequenceView>>();

function sequenceOf(model: ReportModel, r: RankedRecommendation): SequenceView | undefined {
  if (!r.batch_group) return undefined;
  let index = sequenceIndex.get(model);
  if (!index) {
    index = new Map(model.sequences.map((s) => [s.sequence_id, s]));
    sequenceIndex.set(model, index);
  }
  return index.get(r.batch_group.sequence_id);
}

function title(r: RankedRecommendation): string {
  const w = r.where;
  const target = w.process_ids?.length ? mdProcesses(w.process_ids, r.batch_group !== undefined) : w.machine !== undefined ? `machine ${mdCode(w.machine)}` : w.key !== undefined ? `key ${mdCode(w.key)}` : mdText(r.kind);
  const month = w.close_month !== undefined ? ` (close ${mdText(w.close_month)})` : '';
  return `${mdText(ACTION_LABELS[r.action_type] ?? r.action_type)}: ${target}${month}`;
}

export function answersTechnicalFromModel(model: ReportModel): string {
  const head = [
    `# Recommendations: ${mdText(model.input.dataset.name)}`,
    '',
    `Dataset fingerprint ${mdCode(model.input.dataset.fingerprint.slice(0, 16))}, seed ${model.input.seed}. ` +
      `${model.recommendations.length} recommendation(s), ranked by modeled seconds saved, then modeled percent, then relevance; ties by signature.`,
  ];
  if (model.recommendations.length === 0) return `${[...head, '', 'No recommendation satisfied the insight contract in this run.'].join('\n')}\n`;
  const blocks = model.recommendations.map((r) => {
    const lines = [
      `## ${r.rank}. ${title(r)}`,
      '',
      `- Change: ${mdProse(r.text)}`,
      `- Where: ${whereMd(r.where, { ordered: r.batch_group !== undefined }) || 'n/a'}`,
      `- Impact: ${impactMd(r.modeled, r.not_modeled_reason)}`,
      `- Plugin ${mdCode(r.plugin_id)} · kind ${mdCode(r.kind)} · action ${mdCode(r.action_type)} · scope ${mdText(r.scope)} · relevance ${fmtNumber(r.relevance, 2)}`,
      `- Signature ${mdCode(r.signature)}`,
    ];
    const s = sequenceOf(model, r);
    if (s) lines.push(...sequenceTechnical(s));
    return lines.join('\n');
  });
  return `${[...head, '', blocks.join('\n\n')].join('\n')}\n`;
}

function sequenceTechnical(s: SequenceView): string[] {
  const c = s.cohort;
  return [
    `- Sequence ${mdCode(s.sequence_id)}:`,
    `  - Ordered processes: ${s.target_process_ids.map((id, i) => `${i + 1}. ${mdCode(id)}`).join(', ')}`,
    `  - Key: ${mdCode(s.key)}`,
    `  - Close-month cohort ${mdText(s.close_month)}: ${fmtNumber(c.calls)} calls, ${fmtNumber(c.distinct_key_values)} distinct values of ${mdCode(s.key)}, queued ${mdText(c.first_queue_dt)} to ${mdText(c.last_queue_dt)}, ${fmtSeconds(c.total_wait_seconds)} queue wait, ${fmtSeconds(c.total_run_seconds)} run time; sample queue ids ${c.sample_queue_ids.length ? c.sample_queue_ids.map((q) => mdCode(q)).join(', ') : 'none'}`,
    `  - Suggested batched-call boundary: ${boundaryMd(s)}`,
    `  - Estimated calls reduced: ${fmtNumber(s.estimated_calls_reduced)}; upper bound on seconds saved: ${fmtSeconds(s.estimated_delta_seconds_upper)}`,
    `  - Validation checklist: [${mdText(checklistPath(s.sequence_id, 'md'))}](${checklistPath(s.sequence_id, 'md')})`,
  ];
}

/** The saving in words; a figure only with its basis, otherwise why there is none. */
function plainImpact(r: { modeled: RankedRecommendation['modeled']; not_modeled_reason?: string }): string {
  const m = r.modeled;
  if (m === null) return `We did not put a number on the saving: ${mdProse(r.not_modeled_reason ?? 'no reason given')}.`;
  const parts: string[] = [];
  if (m.delta_seconds !== undefined) parts.push(`about ${fmtSeconds(m.delta_seconds)} less waiting and running`);
  if (m.percent !== undefined) parts.push(`about ${fmtPercent(m.percent)}`);
  return `Estimated saving: ${parts.join(', that is ')}, measured against ${mdProse(m.basis)}.`;
}

function plainWhere(r: RankedRecommendation): string {
  const w = r.where;
  const parts: string[] = [];
  if (w.process_ids?.length) {
    parts.push(w.process_ids.length === 1 ? `process ${mdCode(w.process_ids[0]!)}` : `processes ${w.process_ids.map((id, i) => (i === 0 ? mdCode(id) : `then ${mdCode(id)}`)).join(', ')}`);
  }
  if (w.machine !== undefined) parts.push(`on machine ${mdCode(w.machine)}`);
  if (w.close_month !== undefined) parts.push(`during the ${monthName(w.close_month)} month-end close (${mdText(w.close_month)})`);
  if (w.key !== undefined) parts.push(`for the parameter ${mdCode(w.key)}`);
  if (w.user_id !== undefined) parts.push(`for user ${mdCode(w.user_id)}`);
  if (w.hour_of_day !== undefined) parts.push(`around ${w.hour_of_day}:00`);
  return parts.join(', ');
}

export function answersPlainFromModel(model: ReportModel): string {
  const head = [
    `# What to change: ${mdText(model.input.dataset.name)}`,
    '',
    'The changes most likely to save time come first. Names in `code style` are the exact ids used in the scheduler; copy them as they are.',
  ];
  if (model.recommendations.length === 0) return `${[...head, '', 'This run found nothing that meets our bar for a concrete, checkable change.'].join('\n')}\n`;
  const blocks = model.recommendations.map((r) => {
    const lines = [
      `## ${r.rank}. ${mdText(PLAIN_ACTION_LABELS[r.action_type] ?? r.action_type)}`,
      '',
      `**What to do:** ${mdProse(r.text)}`,
      '',
      `**Where:** ${plainWhere(r) || 'see the technical report'}.`,
      '',
      `**Benefit:** ${plainImpact(r)}`,
    ];
    const s = sequenceOf(model, r);
    if (s) lines.push('', ...sequencePlain(s));
    lines.push('', `Reference: ${mdCode(r.plugin_id)}, ${mdCode(r.signature.slice(0, 12))}.`);
    return lines.join('\n');
  });
  return `${[...head, '', blocks.join('\n\n')].join('\n')}\n`;
}

function sequencePlain(s: SequenceView): string[] {
  const c = s.cohort;
  const n = s.target_process_ids.length;
  return [
    `**The chain:** these ${n} step${n === 1 ? '' : 's'} run one after the other, in this order:`,
    '',
    ...s.target_process_ids.map((id, i) => `${i + 1}. ${mdCode(id)}`),
    '',
    `**What happens today:** in the ${monthName(s.close_month)} close the chain was started once for each value of ${mdCode(s.key)}: ` +
      `${fmtNumber(c.calls)} calls for ${fmtNumber(c.distinct_key_values)} values, between ${mdText(c.first_queue_dt)} and ${mdText(c.last_queue_dt)}. ` +
      `Together they waited ${fmtSeconds(c.total_wait_seconds)} in the queue and ran for ${fmtSeconds(c.total_run_seconds)}.`,
    '',
    `**Suggested change:** start ${mdChain(s.target_process_ids)} once per month-end close and give it all ${fmtNumber(c.distinct_key_values)} values of ${mdCode(s.key)} as one list, ` +
      `instead of starting it ${fmtNumber(c.distinct_key_values)} times. That should mean about ${fmtNumber(s.estimated_calls_reduced)} fewer calls ` +
      `and at most ${fmtSeconds(s.estimated_delta_seconds_upper)} less time (an upper limit, not a promise).`,
    '',
    `**How to check it worked:** follow the checklist [${mdText(checklistPath(s.sequence_id, 'md'))}](${checklistPath(s.sequence_id, 'md')}) (sequence ${mdCode(s.sequence_id)}).`,
  ];
}
