/**
 * Built-in: slow machines. For every process, compares its run time on each assigned machine
 * with the same process on all other machines (medians, minimum sample sizes); a machine is
 * slow when that holds across many processes, not just one odd job. The saving of routing
 * those processes elsewhere is modeled from the measured median difference × runs there.
 *
 * One pass, flat memory: a fixed-size log-scale run-time histogram per (process, machine),
 * so "this machine" and "every other machine" are a subtraction, with no second pass and no
 * per-row storage. Medians are therefore accurate to one histogram bin (about ±4.5%).
 */
import { definePlugin } from '../sdk.ts';
import { assertKnownSettings } from './lib/config.ts';
import { PLUGIN_API_VERSION, type Finding, type PluginResult, type Recommendation } from '../types.ts';
import { byString, fmtSeconds, HIST_BINS, histBin, histCount, histQuantile, round } from './lib/stats.ts';
import { isCancelledStatus, isFailureStatus } from './lib/status.ts';

const ID = 'slow_machine_v1';
/** Runs of a process on one machine, and on the others, before they are compared. */
export const MIN_CELL_RUNS = 10;
/** Processes a machine must be compared on before it can be called slow. */
export const MIN_PROCESSES = 5;
/** Median (over processes) of this machine's median run time / the others'. */
export const SLOW_RATIO = 1.5;
/** Share of compared processes that must run > 1.2× slower there (consistency). */
export const CONSISTENT_SHARE = 0.75;
const TARGETS = 10;

interface Cell {
  hist: Uint32Array;
  runs: number;
  seconds: number;
}

interface Comparison {
  process: string;
  runs: number;
  medianHere: number;
  medianElsewhere: number;
  ratio: number;
}

export default definePlugin({
  id: ID,
  version: '1.0.0',
  apiVersion: PLUGIN_API_VERSION,
  class: 'direct_action_generators',
  access: 'iter_batches',
  description: 'Machines on which most processes run consistently slower than on the other machines, with the modeled saving of routing them elsewhere.',
  run(ctx): PluginResult {
    // No settings: a misspelt one must not pass silently.
    assertKnownSettings(ID, ctx.config.plugin, []);
    // process → machine → cell; the process total is kept alongside for the subtraction.
    const cells = new Map<string, Map<string, Cell>>();
    const totals = new Map<string, Cell>();
    let rows = 0;
    let used = 0;
    for (const batch of ctx.dataset.iterBatches({ columns: ['process_id', 'assigned_machine_id', 'status', 'start_dt', 'end_dt'] })) {
      const pid = batch.columns['process_id'] as (string | null)[];
      const machine = batch.columns['assigned_machine_id'] as (string | null)[];
      const status = batch.columns['status'] as (string | null)[];
      const started = batch.columns['start_dt'] as Float64Array;
      const ended = batch.columns['end_dt'] as Float64Array;
      for (let i = 0; i < batch.length; i++) {
        rows++;
        const p = pid[i];
        const m = machine[i];
        const run = (ended[i]! - started[i]!) / 1000;
        // Failed runs stop early and cancelled ones never ran: they would flatter a machine.
        if (p == null || !m || !(run >= 0) || isFailureStatus(status[i]) || isCancelledStatus(status[i])) continue;
        used++;
        let byMachine = cells.get(p);
        if (!byMachine) cells.set(p, (byMachine = new Map()));
        let c = byMachine.get(m);
        if (!c) byMachine.set(m, (c = { hist: new Uint32Array(HIST_BINS), runs: 0, seconds: 0 }));
        let t = totals.get(p);
        if (!t) totals.set(p, (t = { hist: new Uint32Array(HIST_BINS), runs: 0, seconds: 0 }));
        const b = histBin(run);
        c.hist[b]!++;
        c.runs++;
        c.seconds += run;
        t.hist[b]!++;
        t.runs++;
        t.seconds += run;
      }
    }
    const byMachine = new Map<string, Comparison[]>();
    const others = new Uint32Array(HIST_BINS);
    for (const [p, machines] of [...cells].sort((a, b) => byString(a[0], b[0]))) {
      if (machines.size < 2) continue;
      const total = totals.get(p)!;
      for (const [m, c] of machines) {
        if (c.runs < MIN_CELL_RUNS || total.runs - c.runs < MIN_CELL_RUNS) continue;
        for (let k = 0; k < HIST_BINS; k++) others[k] = total.hist[k]! - c.hist[k]!;
        const here = histQuantile(c.hist, 0.5);
        const elsewhere = histQuantile(others, 0.5);
        if (!(elsewhere > 0) || histCount(others) === 0) continue;
        const list = byMachine.get(m) ?? [];
        list.push({ process: p, runs: c.runs, medianHere: here, medianElsewhere: elsewhere, ratio: here / elsewhere });
        byMachine.set(m, list);
      }
    }
    const machineRatios = [...byMachine].map(([machine, comps]) => {
      const ratios = comps.map((c) => c.ratio).sort((a, b) => a - b);
      const mid = ratios.length % 2 ? ratios[(ratios.length - 1) / 2]! : Math.sqrt(ratios[ratios.length / 2 - 1]! * ratios[ratios.length / 2]!);
      return { machine, comps, medianRatio: mid, slowerShare: comps.filter((c) => c.ratio > 1.2).length / comps.length };
    });
    const metrics: Record<string, number> = { rows, runs_compared: used, machines: byMachine.size, processes: cells.size, slow_machines: 0 };
    const compared = machineRatios.filter((m) => m.comps.length >= MIN_PROCESSES);
    metrics['machines_compared'] = compared.length;
    if (compared.length === 0) {
      return {
        status: 'na',
        summary: 'too few comparable runs per machine',
        reason: `no machine ran at least ${MIN_PROCESSES} processes that also ran elsewhere (each with at least ${MIN_CELL_RUNS} completed runs on the machine and ${MIN_CELL_RUNS} on the others)`,
        metrics,
        findings: [],
        recommendations: [],
      };
    }
    const slow = compared
      .filter((m) => m.medianRatio >= SLOW_RATIO && m.slowerShare >= CONSISTENT_SHARE)
      .sort((a, b) => b.medianRatio - a.medianRatio || byString(a.machine, b.machine));
    metrics['slow_machines'] = slow.length;
    if (slow.length === 0) {
      const worst = [...compared].sort((a, b) => b.medianRatio - a.medianRatio || byString(a.machine, b.machine))[0]!;
      return {
        status: 'na',
        summary: `no consistently slow machine among ${compared.length} compared`,
        reason: `no machine runs its processes a median ${SLOW_RATIO}× slower than the other machines in at least ${round(CONSISTENT_SHARE * 100)}% of ${MIN_PROCESSES}+ processes (slowest: ${worst.machine}, median ${round(worst.medianRatio, 2)}× over ${worst.comps.length} processes)`,
        metrics,
        findings: [],
        recommendations: [],
      };
    }
    const findings: Finding[] = [];
    const recommendations: Recommendation[] = [];
    slow.forEach((m, n) => {
      const savings = m.comps
        .filter((c) => c.ratio > 1)
        .map((c) => ({ ...c, saving: (c.medianHere - c.medianElsewhere) * c.runs }))
        .sort((a, b) => b.saving - a.saving || byString(a.process, b.process));
      const saved = savings.reduce((s, c) => s + c.saving, 0);
      const runs = savings.reduce((s, c) => s + c.runs, 0);
      const targets = savings.slice(0, TARGETS).map((c) => c.process);
      const more = savings.length > TARGETS ? ` and ${savings.length - TARGETS} more` : '';
      recommendations.push({
        plugin_id: ID,
        kind: 'slow_machine',
        action_type: 'route_process',
        where: { machine: m.machine, process_ids: targets },
        text: `Route ${targets.join(', ')}${more} away from ${m.machine} (or find out why it is slow): their median run time there is ${round(m.medianRatio, 1)}× the same processes' median on the other machines, in ${round(m.slowerShare * 100)}% of ${m.comps.length} compared processes.`,
        modeled_delta_seconds: round(saved),
        modeled_basis: `measured median run-time difference between ${m.machine} and the other machines × the ${runs} completed runs on ${m.machine}, per process (${savings.length} processes; medians from log-binned histograms, ±5%)`,
        scope: 'general',
        relevance: round(Math.min(1, 0.4 + 0.2 * (m.medianRatio - 1)), 2),
      });
      findings.push({
        id: `slow_machine_${n + 1}`,
        severity: m.medianRatio >= 2 ? 'critical' : 'warn',
        confidence: round(Math.min(1, 0.5 + 0.5 * m.slowerShare * Math.min(1, m.comps.length / 20)), 2),
        title: `${m.machine} runs processes a median ${round(m.medianRatio, 1)}× slower than the other machines`,
        what: `${m.comps.length} processes compared on ${m.machine} vs elsewhere; ${round(m.slowerShare * 100)}% ran more than 1.2× slower there. Modeled excess run time: ${fmtSeconds(saved)}.`,
        why: 'When nearly every process is slower on one machine, the cause is the machine (capacity, configuration, contention), not the processes.',
        measurement: 'measured',
        evidence: {
          machine: m.machine,
          median_ratio: round(m.medianRatio, 3),
          slower_share: round(m.slowerShare, 3),
          processes: m.comps
            .slice()
            .sort((a, b) => b.ratio - a.ratio || byString(a.process, b.process))
            .slice(0, 20)
            .map((c) => ({ process_id: c.process, runs_here: c.runs, median_seconds_here: round(c.medianHere), median_seconds_elsewhere: round(c.medianElsewhere), ratio: round(c.ratio, 2) })),
        },
      });
    });
    return {
      status: 'ok',
      summary: `${slow.length} consistently slow machine${slow.length > 1 ? 's' : ''}: ${slow.map((m) => `${m.machine} (${round(m.medianRatio, 1)}×)`).join(', ')}.`,
      metrics,
      findings,
      recommendations,
    };
  },
});
