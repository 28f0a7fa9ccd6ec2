/**
 * Built-in: close-window queueing peaks. Hours of the day (dataset time zone) whose median
 * queue wait inside the month-end close windows is far above the non-close median (medians:
 * queue waits are heavy-tailed, and a few stuck jobs must not make an hour a peak), which
 * processes carry that wait, and which of them can move: those submitted on their own (no
 * dep_id / parent_id), since moving a chained step means moving its chain. The saving of
 * moving them is modeled as their peak wait minus the same runs at the close window's
 * off-peak mean wait, assuming the quieter hours absorb them without new queueing (stated in
 * the basis). Whether the peak is close-specific is checked against the same hour outside
 * the close.
 *
 * One pass, memory 24 × processes plus 48 fixed-size wait histograms.
 */
import { definePlugin } from '../sdk.ts';
import { assertKnownSettings } from './lib/config.ts';
import { PLUGIN_API_VERSION, type Finding, type PluginResult, type Recommendation } from '../types.ts';
import { byString, fmtSeconds, HIST_BINS, histBin, histQuantile, pct, round } from './lib/stats.ts';
import { localClock } from './lib/time.ts';

const ID = 'close_peak_queueing_v1';
/** A close hour is a peak when its median wait is ≥ this × the non-close median … */
export const PEAK_RATIO = 3;
/** … and at least this many seconds above it (tiny baselines make ratios meaningless). */
export const PEAK_MIN_EXCESS_SECONDS = 60;
export const MIN_HOUR_ROWS = 30;
export const MIN_BASELINE_ROWS = 100;
/** A process is movable when at least this share of its peak runs had no dep/parent link. */
const INDEPENDENT_SHARE = 0.9;
/** Processes named per peak: the largest carriers of its wait, up to this many … */
const TOP = 5;
/** … or until they cover this share of the peak's wait. */
const COVER = 0.6;
/** A carrier's wait is hour-bound when its mean wait at the close's other hours is below this share of its peak mean … */
const HOUR_BOUND_SHARE = 0.5;
/** … judged only with this many off-peak runs (fewer: it runs only at the peak, so it is hour-bound). */
const MIN_OFF_PEAK_RUNS = 5;
/** A carrier with more than this share of the peak's runs is its own burst. */
const OWN_BURST_SHARE = 0.5;
/** The close peak is close-specific when ≥ this × the same hour outside the close. */
const CLOSE_SPECIFIC_RATIO = 2;

interface Acc {
  n: number;
  wait: number;
  hist: Uint32Array;
}

const newAcc = (): Acc => ({ n: 0, wait: 0, hist: new Uint32Array(HIST_BINS) });

function add(a: Acc, wait: number): void {
  a.n++;
  a.wait += wait;
  a.hist[histBin(wait)]!++;
}

/** Several accumulators as one (hours of a block, all hours). */
function merged(xs: readonly Acc[]): Acc {
  const out = newAcc();
  for (const x of xs) {
    out.n += x.n;
    out.wait += x.wait;
    for (let k = 0; k < HIST_BINS; k++) out.hist[k]! += x.hist[k]!;
  }
  return out;
}

/** Median wait; waits under a second count as none (the histogram's lowest bins). */
function median(a: Acc): number {
  if (a.n === 0) return 0;
  const m = histQuantile(a.hist, 0.5);
  return m < 1 ? 0 : m;
}

interface ProcessPeak {
  n: number;
  wait: number;
  independent: number;
}

const hh = (h: number): string => `${String(h).padStart(2, '0')}:00`;

export default definePlugin({
  id: ID,
  version: '1.0.0',
  apiVersion: PLUGIN_API_VERSION,
  class: 'direct_action_generators',
  access: 'iter_batches',
  description: 'Hours of the month-end close with queue wait far above the non-close baseline, the processes that carry it, and which of them can move.',
  run(ctx): PluginResult {
    // No settings: a misspelt one must not pass silently.
    assertKnownSettings(ID, ctx.config.plugin, []);
    const info = ctx.dataset.info();
    const clock = localClock(info.timezone, ctx.config.closeWindow);
    const close: Acc[] = Array.from({ length: 24 }, newAcc);
    const nonClose: Acc[] = Array.from({ length: 24 }, newAcc);
    const perHour: Map<string, ProcessPeak>[] = Array.from({ length: 24 }, () => new Map());
    const months = new Set<string>();
    let rows = 0;
    let withWait = 0;
    for (const batch of ctx.dataset.iterBatches({ columns: ['process_id', 'queue_dt', 'start_dt', 'dep_id', 'parent_id'] })) {
      const pid = batch.columns['process_id'] as (string | null)[];
      const queued = batch.columns['queue_dt'] as Float64Array;
      const started = batch.columns['start_dt'] as Float64Array;
      const dep = batch.columns['dep_id'] as (string | null)[];
      const parent = batch.columns['parent_id'] as (string | null)[];
      for (let i = 0; i < batch.length; i++) {
        rows++;
        const q = queued[i]!;
        const wait = (started[i]! - q) / 1000;
        if (!(wait >= 0) || pid[i] == null) continue;
        withWait++;
        const h = clock.hourOf(q);
        const month = clock.closeMonth(q);
        if (month === null) {
          add(nonClose[h]!, wait);
          continue;
        }
        months.add(month);
        add(close[h]!, wait);
        let p = perHour[h]!.get(pid[i]!);
        if (!p) perHour[h]!.set(pid[i]!, (p = { n: 0, wait: 0, independent: 0 }));
        p.n++;
        p.wait += wait;
        if (!dep[i] && !parent[i]) p.independent++;
      }
    }
    const sum = merged;
    const base = sum(nonClose);
    const closeAll = sum(close);
    const baseline = median(base);
    const metrics: Record<string, number> = { rows, rows_with_wait: withWait, close_rows: closeAll.n, non_close_rows: base.n, baseline_median_wait_seconds: round(baseline), close_median_wait_seconds: round(median(closeAll)), peak_hours: 0 };
    const na = (summary: string, reason: string): PluginResult => ({ status: 'na', summary, reason, metrics, findings: [], recommendations: [] });
    if (closeAll.n === 0) return na('no close-window rows', 'no row with a queue wait was queued inside a close window');
    if (base.n < MIN_BASELINE_ROWS) return na('no non-close baseline', `only ${base.n} rows with a queue wait outside the close windows (at least ${MIN_BASELINE_ROWS} needed for a baseline)`);

    const mean = (a: Acc) => (a.n ? a.wait / a.n : 0);
    const isPeak = (h: number) => close[h]!.n >= MIN_HOUR_ROWS && median(close[h]!) >= PEAK_RATIO * baseline && median(close[h]!) >= baseline + PEAK_MIN_EXCESS_SECONDS;
    const blocks: number[][] = [];
    for (let h = 0; h < 24; h++) {
      if (!isPeak(h)) continue;
      const last = blocks[blocks.length - 1];
      if (last && last[last.length - 1] === h - 1) last.push(h);
      else blocks.push([h]);
    }
    metrics['peak_hours'] = blocks.reduce((n, b) => n + b.length, 0);
    if (blocks.length === 0) {
      const worst = [...close.keys()].filter((h) => close[h]!.n >= MIN_HOUR_ROWS).sort((a, b) => median(close[b]!) - median(close[a]!) || a - b)[0];
      const worstText = worst === undefined ? '' : ` (busiest close hour ${hh(worst)}: median ${round(median(close[worst]!))} s)`;
      return na('no close-window queueing peak', `no close-window hour has a median queue wait ≥ ${PEAK_RATIO}× the non-close median of ${round(baseline)} s and ≥ ${PEAK_MIN_EXCESS_SECONDS} s above it${worstText}`);
    }
    const inBlock = new Set(blocks.flat());
    const calm = sum(close.filter((_, h) => !inBlock.has(h)));
    const calmMean = mean(calm);
    const findings: Finding[] = [];
    const recommendations: Recommendation[] = [];
    blocks.forEach((block, n) => {
      const label = `${hh(block[0]!)}–${hh((block[block.length - 1]! + 1) % 24)}`;
      const peak = sum(block.map((h) => close[h]!));
      const same = sum(block.map((h) => nonClose[h]!));
      const peakMean = mean(peak);
      const peakMedian = median(peak);
      const closeSpecific = same.n === 0 || peakMedian >= CLOSE_SPECIFIC_RATIO * median(same);
      const procs = new Map<string, ProcessPeak>();
      for (const h of block) {
        for (const [p, v] of perHour[h]!) {
          const a = procs.get(p) ?? { n: 0, wait: 0, independent: 0 };
          procs.set(p, { n: a.n + v.n, wait: a.wait + v.wait, independent: a.independent + v.independent });
        }
      }
      const ranked = [...procs].sort((a, b) => b[1].wait - a[1].wait || byString(a[0], b[0]));
      const carriers: [string, ProcessPeak][] = [];
      let covered = 0;
      for (const entry of ranked) {
        if (carriers.length >= TOP || covered >= COVER * peak.wait) break;
        carriers.push(entry);
        covered += entry[1].wait;
      }
      // A carrier that waits about as long at the close's other hours is queueing for its own
      // reasons (limits, backlog): moving it in time would not shorten its wait.
      const offPeak = (p: string): { n: number; wait: number } => {
        const out = { n: 0, wait: 0 };
        for (let h = 0; h < 24; h++) {
          if (inBlock.has(h)) continue;
          const v = perHour[h]!.get(p);
          if (v) (out.n += v.n), (out.wait += v.wait);
        }
        return out;
      };
      const chained = carriers.filter(([, v]) => v.independent < INDEPENDENT_SHARE * v.n).map(([p]) => p);
      const waitsAnyway: string[] = [];
      const ownBurst: string[] = [];
      const movable = carriers.filter(([p, v]) => {
        if (v.independent < INDEPENDENT_SHARE * v.n) return false;
        // Most of the peak's runs are this process: it queues behind itself (a burst), and a
        // burst moved to another hour queues just the same.
        if (v.n > OWN_BURST_SHARE * peak.n) {
          ownBurst.push(p);
          return false;
        }
        const off = offPeak(p);
        const hourBound = off.n < MIN_OFF_PEAK_RUNS || off.wait / off.n < HOUR_BOUND_SHARE * (v.wait / v.n);
        if (!hourBound) waitsAnyway.push(p);
        return hourBound && v.wait > v.n * calmMean;
      });
      const vsSame = same.n ? `median ${round(median(same))} s in the same hours outside the close` : 'no runs in the same hours outside the close';
      findings.push({
        id: `close_peak_${n + 1}`,
        severity: peakMedian >= 2 * PEAK_RATIO * baseline ? 'critical' : 'warn',
        confidence: round(Math.min(1, 0.5 + peak.n / 2000), 2),
        title: `Close-window queue wait peaks at ${label}: median ${round(peakMedian)} s vs ${round(baseline)} s outside the close`,
        what: `${peak.n} runs queued in ${label} during the close windows (${[...months].sort(byString).join(', ')}) waited ${fmtSeconds(peak.wait)} (mean ${round(peakMean)} s); ${vsSame}. The top carriers (${carriers.map(([p, v]) => `${p} ${pct(v.wait / peak.wait)}`).join(', ')}) hold ${pct(covered / peak.wait)} of it.`,
        why: closeSpecific
          ? 'The close concentrates load in these hours; runs that do not have to happen then compete with the ones that do.'
          : 'These hours queue outside the close as well, so the peak is a daily pattern the close makes worse, not a close-only one.',
        measurement: 'measured',
        evidence: {
          hours: block,
          peak_median_wait_seconds: round(peakMedian),
          peak_mean_wait_seconds: round(peakMean),
          baseline_median_wait_seconds: round(baseline),
          same_hours_non_close_median_wait_seconds: round(median(same)),
          close_off_peak_mean_wait_seconds: round(calmMean),
          close_specific: closeSpecific,
          carriers: carriers.map(([p, v]) => ({ process_id: p, runs: v.n, wait_seconds: round(v.wait), independent_share: round(v.independent / v.n, 3) })),
          chained_carriers: chained,
          carriers_waiting_at_every_hour: waitsAnyway,
          carriers_own_burst: ownBurst,
        },
      });
      if (movable.length === 0) return;
      const ids = movable.map(([p]) => p);
      const saved = movable.reduce((s, [, v]) => s + Math.max(0, v.wait - v.n * calmMean), 0);
      const runs = movable.reduce((s, [, v]) => s + v.n, 0);
      recommendations.push({
        plugin_id: ID,
        kind: 'close_peak_queueing',
        action_type: 'reschedule',
        where: { process_ids: ids, hour_of_day: block[0]! },
        text:
          `Move ${ids.join(', ')} out of ${label} (${info.timezone}) during the month-end close, to hours where the close queue is short: runs queued then waited a median ${round(peakMedian)} s (mean ${round(peakMean)} s) against a mean ${round(calmMean)} s in the rest of the close.` +
          (chained.length ? ` ${chained.join(', ')} also carry the peak but run in dependency chains; move them only with their chain.` : '') +
          (waitsAnyway.length ? ` ${waitsAnyway.join(', ')} ${waitsAnyway.length > 1 ? 'wait' : 'waits'} about as long at other hours, so moving ${waitsAnyway.length > 1 ? 'them' : 'it'} would not help.` : ''),
        modeled_delta_seconds: round(saved),
        modeled_basis: `measured queue wait of the ${runs} close-window runs of ${ids.join(', ')} queued in ${label}, minus the same runs at the close window's off-peak mean wait (${round(calmMean)} s); assumes the off-peak hours absorb them without new queueing`,
        scope: closeSpecific ? 'close_specific' : 'general',
        relevance: round(Math.min(1, 0.4 + 0.05 * (peakMedian / Math.max(1, baseline))), 2),
      });
    });
    return {
      status: 'ok',
      summary: `${blocks.length} close-window queueing peak${blocks.length > 1 ? 's' : ''} (${blocks.map((b) => `${hh(b[0]!)}–${hh((b[b.length - 1]! + 1) % 24)}`).join(', ')}) against a non-close median wait of ${round(baseline)} s.`,
      metrics,
      findings,
      recommendations,
    };
  },
});
