/** Rendering pieces shared by report.md and the answers files. */
import type { RecommendationWhere } from '../plugins/types.ts';
import { fmtNumber, fmtPercent, fmtSeconds } from './format.ts';
import { mdChain, mdCode, mdProcesses, mdProse, mdText } from './markdown.ts';
import type { ModeledFigure } from './model.ts';

/**
 * `processes `A` → `B` · machine `M` · close 2025-03 · key `k``, every value escaped. Arrows
 * only when the ids are a run order (a batch sequence); other recommendations list a set.
 */
export function whereMd(where: RecommendationWhere, opts: { table?: boolean; ordered?: boolean } = {}): string {
  const parts: string[] = [];
  if (where.process_ids?.length) parts.push(`${where.process_ids.length === 1 ? 'process' : 'processes'} ${mdProcesses(where.process_ids, opts.ordered ?? false, opts)}`);
  if (where.machine !== undefined) parts.push(`machine ${mdCode(where.machine, opts)}`);
  if (where.close_month !== undefined) parts.push(`close ${mdText(where.close_month)}`);
  if (where.key !== undefined) parts.push(`key ${mdCode(where.key, opts)}`);
  if (where.user_id !== undefined) parts.push(`user ${mdCode(where.user_id, opts)}`);
  if (where.hour_of_day !== undefined) parts.push(`hour ${where.hour_of_day}:00`);
  return parts.join(' · ');
}

/** The figure itself ("5,400 s (1.5 h) · 12.5%"); only ever called with a basis present. */
export function figureText(m: ModeledFigure): string {
  const parts: string[] = [];
  if (m.delta_seconds !== undefined) parts.push(fmtSeconds(m.delta_seconds));
  if (m.percent !== undefined) parts.push(fmtPercent(m.percent));
  return parts.join(' · ');
}

/**
 * "modeled: <figure> (basis: <basis>)" or "not modeled: <reason>". A figure never appears
 * without its basis: the model only carries a figure when a basis exists.
 */
export function impactMd(modeled: ModeledFigure | null, notModeledReason: string | undefined): string {
  if (modeled !== null) return `modeled: ${figureText(modeled)} (basis: ${mdProse(modeled.basis)})`;
  return `not modeled: ${mdProse(notModeledReason ?? 'no reason given')}`;
}

export const ACTION_LABELS: Record<string, string> = {
  batch_input: 'batch the input',
  route_process: 'route the process',
  reschedule: 'reschedule',
  throttle_or_dedupe: 'throttle or de-duplicate',
  fix_failure: 'fix a failure',
  add_capacity: 'add capacity',
  investigate: 'investigate',
};

export const PLAIN_ACTION_LABELS: Record<string, string> = {
  batch_input: 'Group repeated calls into one',
  route_process: 'Run it on a different machine',
  reschedule: 'Run it at a different time',
  throttle_or_dedupe: 'Stop duplicate or excess calls',
  fix_failure: 'Fix a recurring failure',
  add_capacity: 'Add capacity',
  investigate: 'Look into this',
};

/** The suggested batched-call boundary with ids as code spans (same words as model.suggestedBoundary). */
export function boundaryMd(s: { target_process_ids: string[]; close_month: string; key: string; estimated_calls_reduced: number; cohort: { calls: number; distinct_key_values: number } }): string {
  const values = fmtNumber(s.cohort.distinct_key_values);
  return (
    `one call of ${mdChain(s.target_process_ids)} per close month (${mdText(s.close_month)}) with the ${values} values of ${mdCode(s.key)} passed as a list, ` +
    `instead of ${values} separate runs of the chain (${fmtNumber(s.cohort.calls)} calls in the ${mdText(s.close_month)} cohort; ` +
    `estimated ${fmtNumber(s.estimated_calls_reduced)} fewer calls)`
  );
}
