/**
 * Built-in: where does queue wait concentrate? Streams process_id / queue_dt / start_dt in
 * batches (flat memory at any size), sums the wait (start − queue, rows with a missing or
 * negative wait left out and counted) per process, and reports the processes that carry the
 * largest share. A process holding a large share of all waiting is a rescheduling
 * candidate; the saving is not modeled here because it depends on competing load.
 */
import { definePlugin } from '../sdk.ts';
import { PLUGIN_API_VERSION, type Finding, type PluginResult, type Recommendation } from '../types.ts';

const ID = 'queue_wait_by_process_v1';
/** Processes listed in findings. */
const TOP = 5;
/** Share of all queue wait from which one process is worth rescheduling. */
const RESCHEDULE_SHARE = 0.2;

interface ProcessWait {
  process: string;
  jobs: number;
  waitSeconds: number;
  maxWaitSeconds: number;
}

export default definePlugin({
  id: ID,
  version: '1.0.0',
  apiVersion: PLUGIN_API_VERSION,
  class: 'supporting_signal_detectors',
  access: 'iter_batches',
  description: 'Queue wait (start − queue time) per process: total, mean, max, and each process’s share of all waiting.',
  run(ctx): PluginResult {
    const byProcess = new Map<string, ProcessWait>();
    let rows = 0;
    let skipped = 0;
    for (const batch of ctx.dataset.iterBatches({ columns: ['process_id', 'queue_dt', 'start_dt'] })) {
      const pid = batch.columns['process_id'] as (string | null)[];
      const queued = batch.columns['queue_dt'] as Float64Array;
      const started = batch.columns['start_dt'] as Float64Array;
      for (let i = 0; i < batch.length; i++) {
        rows++;
        const wait = (started[i]! - queued[i]!) / 1000;
        const p = pid[i];
        // NaN (missing time) fails this comparison too.
        if (p === null || p === undefined || !(wait >= 0)) {
          skipped++;
          continue;
        }
        const w = byProcess.get(p) ?? { process: p, jobs: 0, waitSeconds: 0, maxWaitSeconds: 0 };
        w.jobs++;
        w.waitSeconds += wait;
        w.maxWaitSeconds = Math.max(w.maxWaitSeconds, wait);
        byProcess.set(p, w);
      }
    }
    const total = [...byProcess.values()].reduce((s, w) => s + w.waitSeconds, 0);
    const metrics = { rows, rows_without_wait: skipped, processes: byProcess.size, total_wait_seconds: round(total) };
    if (byProcess.size === 0 || total === 0) {
      return { status: 'na', summary: 'no queue wait to analyse', reason: rows === 0 ? 'the dataset is empty' : 'no row has both queue and start times with start after queue', metrics, findings: [], recommendations: [] };
    }
    // Ties broken by process id so the output is deterministic.
    const ranked = [...byProcess.values()].sort((a, b) => b.waitSeconds - a.waitSeconds || (a.process < b.process ? -1 : 1));
    const findings: Finding[] = ranked.slice(0, TOP).map((w, i) => {
      const share = w.waitSeconds / total;
      return {
        id: `queue_wait_rank_${i + 1}`,
        severity: share >= RESCHEDULE_SHARE ? 'warn' : 'info',
        confidence: 1,
        title: `Process ${w.process} accounts for ${pct(share)} of all queue wait`,
        what: `${w.jobs} runs of ${w.process} waited ${round(w.waitSeconds)} s in total in the queue (mean ${round(w.waitSeconds / w.jobs)} s, longest ${round(w.maxWaitSeconds)} s).`,
        why: 'Queue wait is time the job was ready but not running; concentrated wait points at contention around that process.',
        measurement: 'measured',
        evidence: { process_id: w.process, jobs: w.jobs, wait_seconds: round(w.waitSeconds), max_wait_seconds: round(w.maxWaitSeconds), share: round(share, 4) },
      };
    });
    const recommendations: Recommendation[] = ranked
      .filter((w) => w.waitSeconds / total >= RESCHEDULE_SHARE)
      .map((w) => ({
        plugin_id: ID,
        kind: 'queue_wait_hotspot',
        action_type: 'reschedule',
        where: { process_ids: [w.process] },
        text: `Move runs of process ${w.process} out of its busiest queue periods or give it dedicated capacity: it carries ${pct(w.waitSeconds / total)} of all queue wait.`,
        not_modeled_reason: 'the wait a reschedule removes depends on the competing load at the new time, which this plugin does not model',
        scope: 'general',
        relevance: round(Math.min(1, w.waitSeconds / total), 4),
      }));
    return {
      status: 'ok',
      summary: `${byProcess.size} processes waited ${round(total)} s in the queue; the top one carries ${pct(ranked[0]!.waitSeconds / total)}.`,
      metrics,
      findings,
      recommendations,
    };
  },
});

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(share: number): string {
  return `${round(share * 100)}%`;
}
