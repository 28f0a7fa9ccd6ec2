/**
 * Built-in: failing processes. Counts runs and failures (ERROR, FAILED, ABEND, … in any
 * case; cancellations are neither) per process, flags processes whose failure rate is
 * confidently above the rest of the log (Wilson lower bound vs the pooled rate of every other
 * process), and measures what the failures cost: run seconds of the failed attempts and the
 * reruns of the same process with the same parameters after a failure. One pass; memory per
 * process plus one entry per recently failed (process, params).
 */
import { definePlugin } from '../sdk.ts';
import { assertKnownSettings } from './lib/config.ts';
import { PLUGIN_API_VERSION, type Finding, type PluginResult, type Recommendation } from '../types.ts';
import { byString, fmtSeconds, pct, round, wilsonLower } from './lib/stats.ts';
import { FAILURE_STATUS_NAMES, isCancelledStatus, isFailureStatus } from './lib/status.ts';

const ID = 'failing_process_v1';
export const MIN_RUNS = 20;
export const MIN_FAILURES = 5;
/** A rerun is the same process and parameters queued within this long after a failed run ended. */
const RERUN_WINDOW_MS = 24 * 3_600_000;
const SWEEP_EVERY = 50_000;
const TOP_STATUSES = 5;

interface ProcessStats {
  process: string;
  runs: number;
  failures: number;
  failedRunSeconds: number;
  reruns: number;
  rerunSeconds: number;
  statuses: Map<string, number>;
  /** Latest queue time of the process: the rerun-window sweep is per process, so a log sorted by process reads correctly. */
  maxQueue: number;
}

export default definePlugin({
  id: ID,
  version: '1.0.0',
  apiVersion: PLUGIN_API_VERSION,
  class: 'direct_action_generators',
  access: 'iter_batches',
  description: 'Processes whose failure rate is confidently above the rest of the log, with the run seconds their failed attempts and reruns cost.',
  run(ctx): PluginResult {
    // No settings: a misspelt one must not pass silently.
    assertKnownSettings(ID, ctx.config.plugin, []);
    const stats = new Map<string, ProcessStats>();
    const failedAt = new Map<string, number>();
    const statusesSeen = new Map<string, number>();
    let rows = 0;
    const columns = ['process_id', 'status', 'queue_dt', 'start_dt', 'end_dt', 'params'];
    for (const batch of ctx.dataset.iterBatches({ columns })) {
      const pid = batch.columns['process_id'] as (string | null)[];
      const status = batch.columns['status'] as (string | null)[];
      const queued = batch.columns['queue_dt'] as Float64Array;
      const started = batch.columns['start_dt'] as Float64Array;
      const ended = batch.columns['end_dt'] as Float64Array;
      const params = batch.columns['params'] as (string | null)[];
      for (let i = 0; i < batch.length; i++) {
        rows++;
        const st = status[i];
        const p = pid[i];
        if (st == null || st.trim() === '' || p == null || isCancelledStatus(st)) continue;
        statusesSeen.set(st, (statusesSeen.get(st) ?? 0) + 1);
        let s = stats.get(p);
        if (!s) stats.set(p, (s = { process: p, runs: 0, failures: 0, failedRunSeconds: 0, reruns: 0, rerunSeconds: 0, statuses: new Map(), maxQueue: -Infinity }));
        s.runs++;
        const run = (ended[i]! - started[i]!) / 1000;
        const q = queued[i]!;
        if (q > s.maxQueue) s.maxQueue = q;
        const key = `${p}\u0001${params[i] ?? ''}`;
        const prevFail = failedAt.get(key);
        if (prevFail !== undefined && q >= prevFail && q - prevFail <= RERUN_WINDOW_MS) {
          s.reruns++;
          if (run >= 0) s.rerunSeconds += run;
          failedAt.delete(key);
        }
        if (isFailureStatus(st)) {
          s.failures++;
          s.statuses.set(st, (s.statuses.get(st) ?? 0) + 1);
          if (run >= 0) s.failedRunSeconds += run;
          const end = ended[i]!;
          failedAt.set(key, Number.isFinite(end) ? end : q);
        }
      }
      if (failedAt.size > SWEEP_EVERY) {
        for (const [k, t] of failedAt) if (t < stats.get(k.slice(0, k.indexOf('\u0001')))!.maxQueue - RERUN_WINDOW_MS) failedAt.delete(k);
      }
    }
    let totalRuns = 0;
    let totalFailures = 0;
    for (const s of stats.values()) {
      totalRuns += s.runs;
      totalFailures += s.failures;
    }
    const metrics: Record<string, number> = { rows, runs: totalRuns, failures: totalFailures, processes: stats.size, failing_processes: 0 };
    if (totalFailures === 0) {
      const seen = [...statusesSeen.keys()].sort(byString).slice(0, 10).join(', ') || '(none)';
      return {
        status: 'na',
        summary: 'no failed runs in the log',
        reason: `no run has a failure status (${FAILURE_STATUS_NAMES.slice(0, 6).join(', ')}, … in any case); status values seen: ${seen}`,
        metrics,
        findings: [],
        recommendations: [],
      };
    }
    const flagged = [...stats.values()]
      .map((s) => {
        const otherRate = (totalFailures - s.failures) / Math.max(1, totalRuns - s.runs);
        return { s, rate: s.failures / s.runs, otherRate, lower: wilsonLower(s.failures, s.runs) };
      })
      .filter((x) => x.s.runs >= MIN_RUNS && x.s.failures >= MIN_FAILURES && x.lower > Math.max(2 * x.otherRate, x.otherRate + 0.02))
      .sort((a, b) => b.s.failedRunSeconds + b.s.rerunSeconds - (a.s.failedRunSeconds + a.s.rerunSeconds) || b.rate - a.rate || byString(a.s.process, b.s.process));
    metrics['failing_processes'] = flagged.length;
    if (flagged.length === 0) {
      return {
        status: 'na',
        summary: `${totalFailures} failed runs (${pct(totalFailures / totalRuns)}), none concentrated in one process`,
        reason: `no process with at least ${MIN_RUNS} runs and ${MIN_FAILURES} failures fails confidently (95% Wilson lower bound) more than twice as often as the rest of the log`,
        metrics,
        findings: [],
        recommendations: [],
      };
    }
    const findings: Finding[] = [];
    const recommendations: Recommendation[] = [];
    flagged.forEach(({ s, rate, otherRate, lower }, n) => {
      const statuses = [...s.statuses].sort((a, b) => b[1] - a[1] || byString(a[0], b[0])).slice(0, TOP_STATUSES);
      findings.push({
        id: `failing_process_${n + 1}`,
        severity: rate >= 0.2 ? 'critical' : 'warn',
        confidence: round(Math.min(1, 0.5 + lower), 2),
        title: `${s.process} fails in ${pct(rate)} of its runs (rest of the log: ${pct(otherRate, 2)})`,
        what: `${s.failures} of ${s.runs} runs failed (${statuses.map(([k, v]) => `${k} ×${v}`).join(', ')}); the failed attempts ran ${fmtSeconds(s.failedRunSeconds)} and ${s.reruns} rerun${s.reruns === 1 ? '' : 's'} with the same parameters within 24 h ran ${fmtSeconds(s.rerunSeconds)}.`,
        why: 'A failed run uses its machine and queue slot for nothing, and its rerun queues again; a failure rate far above the rest of the scheduler points at a cause in this process, its input or its configuration.',
        measurement: 'measured',
        evidence: { process_id: s.process, runs: s.runs, failures: s.failures, failure_rate: round(rate, 4), failure_rate_lower_95: round(lower, 4), failure_rate_other_processes: round(otherRate, 4), statuses: Object.fromEntries(statuses), failed_run_seconds: round(s.failedRunSeconds), reruns: s.reruns, rerun_seconds: round(s.rerunSeconds) },
      });
      recommendations.push({
        plugin_id: ID,
        kind: 'failing_process',
        action_type: 'fix_failure',
        where: { process_ids: [s.process] },
        text: `Find and fix why ${s.process} fails: ${s.failures} of its ${s.runs} runs ended ${statuses.map(([k]) => k).join('/')} (${pct(rate)}, against ${pct(otherRate, 2)} for the other processes), and ${s.reruns} were rerun.`,
        modeled_delta_seconds: round(s.failedRunSeconds),
        modeled_basis: `measured run seconds of the ${s.failures} failed runs of ${s.process} in the log (the attempts a fix removes; reruns and their queue wait not counted)`,
        scope: 'general',
        relevance: round(Math.min(1, 0.5 + rate), 2),
      });
    });
    return {
      status: 'ok',
      summary: `${flagged.length} process${flagged.length > 1 ? 'es fail' : ' fails'} far more often than the rest; the worst, ${flagged[0]!.s.process}, in ${pct(flagged[0]!.rate)} of its runs.`,
      metrics,
      findings,
      recommendations,
    };
  },
});
