/**
 * Built-in: duplicate runs. The same process with identical parameters queued again within
 * `window_minutes` of an identical submission (whether that one was still queued, running or
 * already done) is work done twice. Reruns after a failed run and scheduled recurrences
 * (schedule_id set) are not duplicates. Where identical submissions are a process's normal
 * mode (more than MAX_REPEAT_SHARE of its runs, e.g. HPC job arrays whose real input is not
 * in the parameters) the plugin reports that instead of claiming a saving.
 * One pass, flat memory: one entry per (process, params) seen within the window, swept as
 * each process's queue clock moves on (per process, so a log sorted by process reads right).
 */
import { definePlugin } from '../sdk.ts';
import { PLUGIN_API_VERSION, type Finding, type PluginResult, type Recommendation } from '../types.ts';
import { assertKnownSettings, integerSetting } from './lib/config.ts';
import { byString, fmtSeconds, isoUtc, round } from './lib/stats.ts';
import { isCancelledStatus, isFailureStatus } from './lib/status.ts';

const ID = 'duplicate_runs_v1';
export const DEFAULT_WINDOW_MINUTES = 10;
/** Rows may arrive slightly out of queue-time order; entries are kept this much longer. */
const ORDER_SLACK_MS = 3_600_000;
const SWEEP_MIN = 4_096;
/** Share of rows out of queue order per (process, params) above which the result is degraded. */
const ORDER_TOLERANCE = 0.01;
/** Processes given their own finding (the recommendations cover all). */
const TOP = 50;
const EVIDENCE_GROUPS = 20;
/** Above this share of a process's runs, repeats are its way of working, not an accident. */
export const MAX_REPEAT_SHARE = 0.2;

interface Last {
  queue: number;
  /** When the run ended (queue time when it never ran): a failure counts as rerun up to here + window. */
  until: number;
  failed: boolean;
  group: number;
  qid: string;
  user: string | null;
}

interface ProcessState {
  maxQueue: number;
  runs: number;
  byParams: Map<string, Last>;
}

export interface DuplicateGroup {
  process: string;
  params: string;
  queueIds: string[];
  users: string[];
  firstQueue: number;
  /** Run seconds of the repeated runs (every run after the first). */
  repeatedRunSeconds: number;
}

export default definePlugin({
  id: ID,
  version: '1.0.0',
  apiVersion: PLUGIN_API_VERSION,
  class: 'direct_action_generators',
  access: 'iter_batches',
  description: 'Same process with identical parameters queued again while an identical run was pending or within minutes after it: runs that could be deduplicated.',
  run(ctx): PluginResult {
    assertKnownSettings(ID, ctx.config.plugin, ['window_minutes']);
    const windowMs = integerSetting(ID, ctx.config.plugin, 'window_minutes', DEFAULT_WINDOW_MINUTES, 1, 1440) * 60_000;
    // Per process: its latest queue time and its recent submissions by params. The sweep
    // horizon is per process, so a log sorted by process (then time) is read correctly too.
    const last = new Map<string, ProcessState>();
    let entries = 0;
    const groups: DuplicateGroup[] = [];
    let rows = 0;
    let outOfOrder = 0;
    let rerunsAfterFailure = 0;
    let sweepAt = SWEEP_MIN;
    const columns = ['process_queue_id', 'process_id', 'status', 'queue_dt', 'start_dt', 'end_dt', 'params', 'user_id', 'schedule_id'];
    for (const batch of ctx.dataset.iterBatches({ columns })) {
      const qid = batch.columns['process_queue_id'] as (string | null)[];
      const pid = batch.columns['process_id'] as (string | null)[];
      const status = batch.columns['status'] as (string | null)[];
      const queued = batch.columns['queue_dt'] as Float64Array;
      const started = batch.columns['start_dt'] as Float64Array;
      const ended = batch.columns['end_dt'] as Float64Array;
      const params = batch.columns['params'] as (string | null)[];
      const user = batch.columns['user_id'] as (string | null)[];
      const schedule = batch.columns['schedule_id'] as (string | null)[];
      for (let i = 0; i < batch.length; i++) {
        rows++;
        const q = queued[i]!;
        if (!Number.isFinite(q) || isCancelledStatus(status[i]) || schedule[i]) continue;
        // Two levels, process then params: process ids come dictionary-decoded (one string
        // object per value, its hash cached), so no per-row key string is built and hashed.
        let proc = last.get(pid[i]!);
        if (!proc) last.set(pid[i]!, (proc = { maxQueue: q, runs: 0, byParams: new Map() }));
        proc.runs++;
        if (q > proc.maxQueue) proc.maxQueue = q;
        const byParams = proc.byParams;
        const paramsKey = params[i] ?? '';
        const end = ended[i]!;
        const run = (end - started[i]!) / 1000;
        const prev = byParams.get(paramsKey);
        let group = -1;
        if (prev) {
          if (q < prev.queue) {
            // Out of order: leave the later entry in place rather than guess.
            outOfOrder++;
            continue;
          }
          if (prev.failed) {
            if (q <= prev.until + windowMs) rerunsAfterFailure++;
          } else if (q - prev.queue <= windowMs) {
            group = prev.group;
            if (group < 0) {
              group = groups.length;
              groups.push({ process: pid[i]!, params: params[i] ?? '', queueIds: [prev.qid], users: prev.user ? [prev.user] : [], firstQueue: prev.queue, repeatedRunSeconds: 0 });
              prev.group = group;
            }
            const g = groups[group]!;
            g.queueIds.push(qid[i]!);
            if (run >= 0) g.repeatedRunSeconds += run;
          }
        }
        if (group >= 0 && user[i] && !groups[group]!.users.includes(user[i]!)) groups[group]!.users.push(user[i]!);
        const until = Number.isFinite(end) && end > q ? end : q;
        if (prev) {
          // Reuse the entry: one allocation per distinct (process, params), not per row.
          prev.queue = q;
          prev.until = until;
          prev.failed = isFailureStatus(status[i]);
          prev.group = group;
          prev.qid = qid[i]!;
          prev.user = user[i] ?? null;
        } else {
          byParams.set(paramsKey, { queue: q, until, failed: isFailureStatus(status[i]), group, qid: qid[i]!, user: user[i] ?? null });
          entries++;
        }
      }
      // Sweep once the map has doubled since the last sweep: amortized O(1) per row, and the
      // map stays near the entries still inside the window (a small map hashes faster).
      if (entries > sweepAt) {
        entries = 0;
        for (const proc of last.values()) {
          const horizon = proc.maxQueue - windowMs - ORDER_SLACK_MS;
          for (const [k, v] of proc.byParams) {
            if (v.until < horizon) proc.byParams.delete(k);
            else entries++;
          }
        }
        sweepAt = Math.max(SWEEP_MIN, 2 * entries);
      }
    }
    const repeated = groups.reduce((n, g) => n + g.queueIds.length - 1, 0);
    const metrics: Record<string, number> = { rows, duplicate_groups: groups.length, repeated_runs: repeated, repeated_run_seconds: round(groups.reduce((s, g) => s + g.repeatedRunSeconds, 0)), reruns_after_failure: rerunsAfterFailure, out_of_order_rows: outOfOrder, window_minutes: windowMs / 60_000 };
    // Repeats are checked against the latest identical submission: a log whose rows are not in
    // queue-time order per process cannot be read that way, and says so instead of passing.
    const unordered = outOfOrder > ORDER_TOLERANCE * rows;
    const orderReason = `${outOfOrder} rows (${round((100 * outOfOrder) / Math.max(1, rows))}%) were queued before an earlier row of the same process and parameters; they were not checked (export the log sorted by queue time)`;
    if (groups.length === 0) {
      if (unordered) return { status: 'degraded', summary: 'log not in queue-time order', reason: orderReason, metrics, findings: [], recommendations: [] };
      return {
        status: 'na',
        summary: 'no duplicate runs',
        reason: `no process was queued again with identical parameters within ${windowMs / 60_000} minutes of an identical run that had not failed (${rows} rows checked)`,
        metrics,
        findings: [],
        recommendations: [],
      };
    }
    const byProcess = new Map<string, DuplicateGroup[]>();
    for (const g of groups) byProcess.set(g.process, [...(byProcess.get(g.process) ?? []), g]);
    const ranked = [...byProcess.entries()]
      .map(([process, gs]) => {
        const repeatedRuns = gs.reduce((n, g) => n + g.queueIds.length - 1, 0);
        return { process, groups: gs, repeated: repeatedRuns, runs: last.get(process)?.runs ?? 0, share: repeatedRuns / (last.get(process)?.runs ?? 1), seconds: gs.reduce((s, g) => s + g.repeatedRunSeconds, 0) };
      })
      .sort((a, b) => b.seconds - a.seconds || b.repeated - a.repeated || byString(a.process, b.process));
    const accidental = ranked.filter((p) => p.share <= MAX_REPEAT_SHARE);
    const habitual = ranked.filter((p) => p.share > MAX_REPEAT_SHARE);
    const window = `${windowMs / 60_000} minutes`;
    const recommendations: Recommendation[] = accidental.map((p) => {
      const users = [...new Set(p.groups.flatMap((g) => g.users))].sort(byString);
      const example = p.groups[0]!.queueIds.join(', ');
      return {
        plugin_id: ID,
        kind: 'duplicate_runs',
        action_type: 'throttle_or_dedupe',
        where: users.length === 1 ? { process_ids: [p.process], user_id: users[0]! } : { process_ids: [p.process] },
        text:
          `Reject or coalesce a submission of ${p.process} that repeats an identical one (same parameters) queued less than ${window} earlier: ` +
          `${p.repeated} repeated run${p.repeated > 1 ? 's' : ''} in ${p.groups.length} group${p.groups.length > 1 ? 's' : ''} (e.g. queue ids ${example}).`,
        modeled_delta_seconds: round(p.seconds),
        modeled_basis: `measured run seconds of the ${p.repeated} repeated runs of ${p.process} (identical parameters, queued within ${window} of an identical run that had not failed)`,
        scope: 'general',
        relevance: round(Math.min(1, 0.4 + 0.1 * p.repeated), 2),
      };
    });
    const findings: Finding[] = accidental.slice(0, TOP).map((p, n) => ({
      id: `duplicate_runs_${n + 1}`,
      severity: p.repeated >= 5 ? 'warn' : 'info',
      confidence: 0.9,
      title: `${p.process} ran ${p.repeated} time${p.repeated > 1 ? 's' : ''} more than needed with identical parameters`,
      what: `${p.groups.length} group${p.groups.length > 1 ? 's' : ''} of identical submissions within ${window}; the repeats (${round(p.share * 100)}% of its ${p.runs} runs) ran ${fmtSeconds(p.seconds)}.`,
      why: 'An identical run queued while the first is pending or just finished repeats its work and competes for the same capacity.',
      measurement: 'measured',
      evidence: {
        process_id: p.process,
        groups: p.groups.slice(0, EVIDENCE_GROUPS).map((g) => ({ queue_ids: g.queueIds, params: g.params, users: g.users, first_queue_dt: isoUtc(g.firstQueue), repeated_run_seconds: round(g.repeatedRunSeconds) })),
        groups_total: p.groups.length,
      },
    }));
    if (habitual.length > 0) {
      findings.push({
        id: 'identical_submissions_habitual',
        severity: 'info',
        confidence: 0.6,
        title: `${habitual.length} process${habitual.length > 1 ? 'es submit' : ' submits'} identical parameters as a matter of course`,
        what: `More than ${round(MAX_REPEAT_SHARE * 100)}% of the runs of ${habitual.slice(0, 10).map((p) => `${p.process} (${round(p.share * 100)}%)`).join(', ')}${habitual.length > 10 ? ', …' : ''} repeat an identical submission within ${window}.`,
        why: 'When repeats are the normal way a process is used (job arrays, fan-out), the logged parameters do not identify the work, so no saving is claimed for them.',
        measurement: 'not_applicable',
        evidence: { processes: habitual.slice(0, 50).map((p) => ({ process_id: p.process, runs: p.runs, repeated_runs: p.repeated, share: round(p.share, 3) })), processes_total: habitual.length },
      });
    }
    metrics['habitual_processes'] = habitual.length;
    if (accidental.length === 0) {
      return {
        status: 'na',
        summary: 'identical submissions are habitual, not accidental',
        reason: `every process with identical submissions within ${window} repeats them in more than ${round(MAX_REPEAT_SHARE * 100)}% of its runs, so the parameters do not identify the work and no deduplication saving is claimed`,
        metrics,
        findings,
        recommendations: [],
      };
    }
    return {
      status: unordered ? 'degraded' : 'ok',
      ...(unordered ? { reason: orderReason } : {}),
      summary: `${accidental.reduce((n, p) => n + p.groups.length, 0)} groups of identical submissions (${accidental.reduce((n, p) => n + p.repeated, 0)} repeated runs, ${fmtSeconds(accidental.reduce((n, p) => n + p.seconds, 0))} of run time) across ${accidental.length} processes${habitual.length ? `; ${habitual.length} more repeat identical submissions habitually (no saving claimed)` : ''}.`,
      metrics,
      findings,
      recommendations,
    };
  },
});
