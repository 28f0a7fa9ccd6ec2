/**
 * Built-in: batch-input clusters. Finds processes called many times within one month-end
 * close where exactly one parameter key changes from call to call (every other parameter
 * identical), chains such processes into the sequences they run in (each call's dep_id /
 * parent_id pointing at the previous process's run, or, without those links, the same key
 * values consistently queued after the previous process finished), and recommends running
 * each sequence once per close with all key values as one list.
 *
 * Two streaming passes, flat memory: pass 1 keeps one small state per (process, close month)
 * and drops it as soon as a second key varies; pass 2 reads only the surviving processes
 * (where: process_id in …) for queue ids, links and timings.
 */
// The contract module alone, not the insights entry: that one loads the YAML/ajv landmark code,
// which every sandboxed plugin process would pay for at start-up (~40 ms here).
import { batchGroupSequenceId } from '../../insights/contract.ts';
import { parseParams } from '../../dataset/index.ts';
import { definePlugin } from '../sdk.ts';
import { PLUGIN_API_VERSION, type BatchGroupCandidate, type Finding, type PluginContext, type PluginResult, type Recommendation } from '../types.ts';
import { assertKnownSettings, integerSetting } from './lib/config.ts';
import { byString, fmtSeconds, isoUtc, pct, quantileSorted, round } from './lib/stats.ts';
import { localClock } from './lib/time.ts';

const ID = 'batch_input_clusters_v1';
/** Fewest calls in one close for a process to count as a batch-input candidate (setting min_calls). */
export const MIN_CALLS = 20;
/** Share of calls that must carry a distinct value of the changing key ("one value per call"). */
export const MIN_DISTINCT_SHARE = 0.5;
/** Share of a process's calls that must point (dep_id/parent_id) at the previous process to chain them. */
export const MIN_LINK_SHARE = 0.5;
/** Ordering fallback: shared key values, and those queued after the predecessor ended. */
export const MIN_ORDER_SHARE = 0.8;
/** Distinct values remembered per changing key (beyond it the count is a lower bound). */
const DISTINCT_CAP = 200_000;
const SAMPLE_IDS = 5;
const KEY_SEP = '\u0001';

interface Scan1Cohort {
  process: string;
  month: string;
  calls: number;
  keySig: string;
  first: Map<string, string>;
  lastParams: string;
  varyingKey: string | null;
  distinct: Set<string> | null;
  dead: boolean;
}

interface Cohort {
  index: number;
  process: string;
  month: string;
  key: string;
  calls: number;
  distinct: number;
  fixedParams: string;
  /** Filled by pass 2. */
  rows: number;
  runs: number[];
  waits: number[];
  totalRun: number;
  totalWait: number;
  firstQueue: number;
  lastQueue: number;
  sampleIds: string[];
  /** key value → first queue time and that row's end time (ordering fallback). */
  valueTimes: Map<string, { queue: number; end: number }>;
}

interface Edge {
  from: number;
  to: number;
  weight: number;
  via: 'dep_id/parent_id' | 'key order';
}

/** key → value; a key repeated in one params string keeps all its values (sorted, joined). */
export function paramMap(params: string): Map<string, string> {
  const { pairs } = parseParams(params);
  const m = new Map<string, string>();
  for (let i = 0; i < pairs.length; i += 2) {
    const k = pairs[i]!;
    const v = pairs[i + 1]!;
    const prev = m.get(k);
    m.set(k, prev === undefined ? v : [prev, v].sort(byString).join(KEY_SEP));
  }
  return m;
}

function keySignature(m: Map<string, string>): string {
  return [...m.keys()].sort(byString).join(KEY_SEP);
}

/** Pass 1: per (process, close month), does exactly one key change while the rest stay fixed? */
function scanCohorts(ctx: PluginContext, closeMonth: (ms: number) => string | null): { cohorts: Map<string, Scan1Cohort>; rows: number; closeRows: number } {
  const cohorts = new Map<string, Scan1Cohort>();
  let rows = 0;
  let closeRows = 0;
  for (const batch of ctx.dataset.iterBatches({ columns: ['process_id', 'queue_dt', 'params'] })) {
    const pid = batch.columns['process_id'] as (string | null)[];
    const queued = batch.columns['queue_dt'] as Float64Array;
    const params = batch.columns['params'] as (string | null)[];
    for (let i = 0; i < batch.length; i++) {
      rows++;
      const month = closeMonth(queued[i]!);
      const p = pid[i];
      if (month === null || p == null) continue;
      closeRows++;
      const id = `${p}${KEY_SEP}${month}`;
      const text = params[i] ?? '';
      let c = cohorts.get(id);
      if (!c) {
        const m = paramMap(text);
        c = { process: p, month, calls: 1, keySig: keySignature(m), first: m, lastParams: text, varyingKey: null, distinct: null, dead: m.size === 0 };
        cohorts.set(id, c);
        continue;
      }
      c.calls++;
      if (c.dead || text === c.lastParams) continue;
      c.lastParams = text;
      const m = paramMap(text);
      if (keySignature(m) !== c.keySig) {
        kill(c);
        continue;
      }
      for (const [k, v] of m) {
        if (v === c.first.get(k)) {
          if (k === c.varyingKey && c.distinct!.size < DISTINCT_CAP) c.distinct!.add(v);
          continue;
        }
        if (c.varyingKey === null) {
          c.varyingKey = k;
          c.distinct = new Set([c.first.get(k)!, v]);
        } else if (c.varyingKey !== k) {
          kill(c);
          break;
        } else if (c.distinct!.size < DISTINCT_CAP) c.distinct!.add(v);
      }
    }
  }
  return { cohorts, rows, closeRows };
}

function kill(c: Scan1Cohort): void {
  // Memory goes back as soon as a cohort cannot qualify.
  c.dead = true;
  c.distinct = null;
  c.first = new Map();
}

/** Pass 2: queue ids, dependency links, timings and per-value times of the candidate cohorts. */
function collectCohorts(ctx: PluginContext, candidates: Cohort[], closeMonth: (ms: number) => string | null): { links: Map<string, number>; linkedRows: number } {
  const byId = new Map(candidates.map((c) => [`${c.process}${KEY_SEP}${c.month}`, c]));
  const cohortOfQueueId = new Map<string, number>();
  const refCohort: number[] = [];
  const refId: string[] = [];
  const processes = [...new Set(candidates.map((c) => c.process))].sort(byString);
  const columns = ['process_queue_id', 'process_id', 'queue_dt', 'start_dt', 'end_dt', 'params', 'dep_id', 'parent_id'];
  for (const batch of ctx.dataset.iterBatches({ columns, where: { process_id: { in: processes } } })) {
    const qid = batch.columns['process_queue_id'] as (string | null)[];
    const pid = batch.columns['process_id'] as (string | null)[];
    const queued = batch.columns['queue_dt'] as Float64Array;
    const started = batch.columns['start_dt'] as Float64Array;
    const ended = batch.columns['end_dt'] as Float64Array;
    const params = batch.columns['params'] as (string | null)[];
    const dep = batch.columns['dep_id'] as (string | null)[];
    const parent = batch.columns['parent_id'] as (string | null)[];
    for (let i = 0; i < batch.length; i++) {
      const q = queued[i]!;
      const month = closeMonth(q);
      if (month === null) continue;
      const c = byId.get(`${pid[i]}${KEY_SEP}${month}`);
      if (!c) continue;
      const id = qid[i]!;
      c.rows++;
      cohortOfQueueId.set(id, c.index);
      const ref = dep[i] || parent[i];
      if (ref) {
        refCohort.push(c.index);
        refId.push(ref);
      }
      if (q < c.firstQueue) c.firstQueue = q;
      if (q > c.lastQueue) c.lastQueue = q;
      if (c.sampleIds.length < SAMPLE_IDS) c.sampleIds.push(id);
      const wait = (started[i]! - q) / 1000;
      const run = (ended[i]! - started[i]!) / 1000;
      // NaN (not started) and negative figures (clock skew, end before start) are left out.
      if (wait >= 0) {
        c.waits.push(wait);
        c.totalWait += wait;
      }
      if (run >= 0) {
        c.runs.push(run);
        c.totalRun += run;
      }
      const value = paramMap(params[i] ?? '').get(c.key);
      if (value !== undefined) {
        const t = c.valueTimes.get(value);
        if (!t || q < t.queue) c.valueTimes.set(value, { queue: q, end: Number.isFinite(ended[i]!) ? ended[i]! : q });
      }
    }
  }
  const links = new Map<string, number>();
  let linkedRows = 0;
  for (let r = 0; r < refCohort.length; r++) {
    const from = cohortOfQueueId.get(refId[r]!);
    const to = refCohort[r]!;
    if (from === undefined || from === to) continue;
    linkedRows++;
    const k = `${from}>${to}`;
    links.set(k, (links.get(k) ?? 0) + 1);
  }
  return { links, linkedRows };
}

/** Candidate edges: dependency links first; the key-order fallback only between unlinked cohorts. */
export function chainEdges(cohorts: readonly Cohort[], links: ReadonlyMap<string, number>, minCalls = MIN_CALLS): Edge[] {
  const edges: Edge[] = [];
  const linked = new Set<number>();
  for (const [k, weight] of links) {
    const [from, to] = k.split('>').map(Number) as [number, number];
    const a = cohorts[from]!;
    const b = cohorts[to]!;
    if (a.month !== b.month || a.key !== b.key || weight < MIN_LINK_SHARE * b.calls) continue;
    edges.push({ from, to, weight, via: 'dep_id/parent_id' });
    linked.add(from).add(to);
  }
  const free = cohorts.filter((c) => !linked.has(c.index));
  for (const a of free) {
    for (const b of free) {
      if (a === b || a.month !== b.month || a.key !== b.key) continue;
      let shared = 0;
      let after = 0;
      for (const [v, ta] of a.valueTimes) {
        const tb = b.valueTimes.get(v);
        if (!tb) continue;
        shared++;
        if (tb.queue >= ta.end) after++;
      }
      const smaller = Math.min(a.valueTimes.size, b.valueTimes.size);
      if (smaller >= minCalls * MIN_DISTINCT_SHARE && shared >= MIN_ORDER_SHARE * smaller && after >= MIN_ORDER_SHARE * shared) {
        edges.push({ from: a.index, to: b.index, weight: after, via: 'key order' });
      }
    }
  }
  return edges;
}

/** Keep an edge only when each end is the other's strongest (ties by process id): chains, not trees. */
export function chains(cohorts: readonly Cohort[], edges: readonly Edge[]): { order: number[]; via: Edge['via'][] }[] {
  const better = (x: Edge, y: Edge | undefined, end: 'from' | 'to'): boolean =>
    y === undefined || x.weight > y.weight || (x.weight === y.weight && byString(cohorts[x[end]]!.process, cohorts[y[end]]!.process) < 0);
  const bestOut = new Map<number, Edge>();
  const bestIn = new Map<number, Edge>();
  for (const e of edges) {
    if (better(e, bestOut.get(e.from), 'to')) bestOut.set(e.from, e);
    if (better(e, bestIn.get(e.to), 'from')) bestIn.set(e.to, e);
  }
  const next = new Map<number, Edge>();
  const hasPrev = new Set<number>();
  for (const [from, e] of bestOut) {
    if (bestIn.get(e.to) === e) {
      next.set(from, e);
      hasPrev.add(e.to);
    }
  }
  const out: { order: number[]; via: Edge['via'][] }[] = [];
  const seen = new Set<number>();
  const walk = (start: number): void => {
    const order = [start];
    const via: Edge['via'][] = [];
    seen.add(start);
    for (let e = next.get(start); e && !seen.has(e.to); e = next.get(e.to)) {
      order.push(e.to);
      via.push(e.via);
      seen.add(e.to);
    }
    out.push({ order, via });
  };
  const byStart = (a: Cohort, b: Cohort) => byString(a.month, b.month) || a.firstQueue - b.firstQueue || byString(a.process, b.process);
  for (const c of [...cohorts].sort(byStart)) if (!hasPrev.has(c.index)) walk(c.index);
  // Whatever is left sits on a cycle (links pointing backwards): start at its earliest member.
  for (const c of [...cohorts].sort(byStart)) if (!seen.has(c.index)) walk(c.index);
  return out;
}

interface Model {
  upper: number;
  modeled: number;
  perProcess: { process_id: string; calls: number; median_wait_seconds: number; startup_seconds: number }[];
}

/**
 * Per eliminated call: its queue wait (measured median) is modeled as saved; the upper bound
 * adds the fixed start-up, measured as the median of the shortest quarter of its runs (the
 * smallest calls are the closest to pure overhead). Both capped by what the cohort spent.
 */
export function modelSequence(members: readonly Cohort[]): Model {
  let upper = 0;
  let modeled = 0;
  let spentWait = 0;
  let spent = 0;
  const perProcess = members.map((c) => {
    const waits = Float64Array.from(c.waits).sort();
    const runs = Float64Array.from(c.runs).sort();
    const medWait = waits.length ? quantileSorted(waits, 0.5) : 0;
    const startup = runs.length ? quantileSorted(runs.subarray(0, Math.max(1, Math.ceil(runs.length / 4))), 0.5) : 0;
    const saved = Math.max(0, c.calls - 1);
    modeled += saved * medWait;
    upper += saved * (medWait + startup);
    spentWait += c.totalWait;
    spent += c.totalWait + c.totalRun;
    return { process_id: c.process, calls: c.calls, median_wait_seconds: round(medWait), startup_seconds: round(startup) };
  });
  return { upper: round(Math.min(upper, spent)), modeled: round(Math.min(modeled, spentWait)), perProcess };
}

function naResult(summary: string, reason: string, metrics: Record<string, number>): PluginResult {
  return { status: 'na', summary, reason, metrics, findings: [], recommendations: [] };
}

export default definePlugin({
  id: ID,
  version: '1.0.0',
  apiVersion: PLUGIN_API_VERSION,
  class: 'direct_action_generators',
  access: 'iter_batches',
  description: 'Processes called many times in one close with exactly one changing parameter key, chained into the sequences they run in: run each sequence once per close with the key values as a list.',
  run(ctx): PluginResult {
    assertKnownSettings(ID, ctx.config.plugin, ['min_calls']);
    const minCalls = integerSetting(ID, ctx.config.plugin, 'min_calls', MIN_CALLS, 2, 1_000_000);
    const info = ctx.dataset.info();
    const clock = localClock(info.timezone, ctx.config.closeWindow);
    const closeMonth = (ms: number) => clock.closeMonth(ms);
    const scan = scanCohorts(ctx, closeMonth);
    const metrics: Record<string, number> = { rows: scan.rows, close_rows: scan.closeRows, cohorts: scan.cohorts.size, candidate_cohorts: 0, sequences: 0, linked_rows: 0 };
    if (scan.closeRows === 0) return naResult('no rows in any close window', `no row was queued inside a close window (days ≥ ${ctx.config.closeWindow.startDay} or ≤ ${ctx.config.closeWindow.endDay})`, metrics);

    const sorted = [...scan.cohorts.values()].sort((a, b) => byString(a.process, b.process) || byString(a.month, b.month));
    const candidates: Cohort[] = [];
    for (const c of sorted) {
      if (c.dead || c.varyingKey === null || c.calls < minCalls) continue;
      const distinct = c.distinct!.size;
      if (distinct < MIN_DISTINCT_SHARE * c.calls) continue;
      const fixed = [...c.first].filter(([k]) => k !== c.varyingKey).map(([k, v]) => `${k}=${v.split(KEY_SEP).join('|')}`).sort(byString).join(';');
      candidates.push({
        index: candidates.length, process: c.process, month: c.month, key: c.varyingKey, calls: c.calls, distinct, fixedParams: fixed,
        rows: 0, runs: [], waits: [], totalRun: 0, totalWait: 0, firstQueue: Infinity, lastQueue: -Infinity, sampleIds: [], valueTimes: new Map(),
      });
    }
    scan.cohorts.clear();
    metrics['candidate_cohorts'] = candidates.length;
    if (candidates.length === 0) {
      return naResult(
        'no batch-input cluster',
        `no process was called at least ${minCalls} times in one close month with exactly one parameter key changing between calls (${metrics['cohorts']} process × close-month cohorts checked)`,
        metrics,
      );
    }
    const { links, linkedRows } = collectCohorts(ctx, candidates, closeMonth);
    metrics['linked_rows'] = linkedRows;
    metrics['min_calls'] = minCalls;
    const sequences = chains(candidates, chainEdges(candidates, links, minCalls));
    metrics['sequences'] = sequences.length;

    const findings: Finding[] = [];
    const recommendations: Recommendation[] = [];
    sequences.forEach((s, n) => {
      const members = s.order.map((i) => candidates[i]!);
      const head = members[0]!;
      const ids = members.map((c) => c.process);
      const calls = members.reduce((t, c) => t + c.calls, 0);
      const model = modelSequence(members);
      const group: BatchGroupCandidate = {
        sequence_id: batchGroupSequenceId({ target_process_ids: ids, close_month: head.month, key: head.key }),
        target_process_ids: ids,
        close_month: head.month,
        key: head.key,
        estimated_calls_reduced: calls - ids.length,
        estimated_delta_seconds_upper: model.upper,
        cohort: {
          calls,
          distinct_key_values: Math.max(...members.map((c) => c.distinct)),
          first_queue_dt: isoUtc(Math.min(...members.map((c) => c.firstQueue))),
          last_queue_dt: isoUtc(Math.max(...members.map((c) => c.lastQueue))),
          sample_queue_ids: head.sampleIds,
          total_run_seconds: round(members.reduce((t, c) => t + c.totalRun, 0)),
          total_wait_seconds: round(members.reduce((t, c) => t + c.totalWait, 0)),
        },
      };
      const chainText = ids.join(' → ');
      const linkedBy = s.via.length === 0 ? 'a single process' : [...new Set(s.via)].join(' and ');
      const fixed = head.fixedParams === '' ? '' : ` (the other parameters, ${head.fixedParams}, were the same in every call)`;
      recommendations.push({
        plugin_id: ID,
        kind: 'batch_group_candidate',
        action_type: 'batch_input',
        where: { process_ids: ids, close_month: head.month, key: head.key },
        text:
          `Run ${chainText} once in the ${head.month} close with all ${group.cohort.distinct_key_values} values of ${head.key} passed as one list, ` +
          `instead of once per ${head.key} value: ${calls} calls of ${ids.length} process${ids.length > 1 ? 'es' : ''} in that close differed only in ${head.key}${fixed}.`,
        modeled_delta_seconds: model.modeled,
        modeled_basis: `measured queue wait of the ${head.month} close cohort of ${chainText}: (calls − 1) × median queue wait per call, for each process`,
        scope: 'close_specific',
        relevance: round(Math.min(1, 0.55 + 0.1 * Math.min(3, ids.length - 1) + 0.15 * Math.min(1, calls / 1000)), 2),
        batch_group: group,
      });
      findings.push({
        id: `batch_sequence_${n + 1}`,
        severity: calls >= 100 ? 'warn' : 'info',
        confidence: s.via.includes('key order') ? 0.7 : 0.9,
        title: `${chainText} ran ${calls} times in the ${head.month} close, once per ${head.key} value`,
        what: `${group.cohort.distinct_key_values} distinct ${head.key} values between ${group.cohort.first_queue_dt} and ${group.cohort.last_queue_dt}; ${fmtSeconds(group.cohort.total_wait_seconds)} queue wait, ${fmtSeconds(group.cohort.total_run_seconds)} run time.`,
        why: `Each call pays its own queue wait and start-up; one call with the ${head.key} values as a list pays them once per process. Chained by ${linkedBy}.`,
        measurement: 'modeled',
        evidence: {
          sequence_id: group.sequence_id,
          linked_by: s.via,
          fixed_params: head.fixedParams,
          per_process: model.perProcess,
          distinct_share: members.map((c) => round(c.distinct / c.calls, 3)),
          upper_bound_basis: '(calls − 1) × (median queue wait + median run time of the shortest quarter of calls) per process, capped by the cohort’s total wait + run',
        },
      });
    });
    const best = [...recommendations].sort((a, b) => b.batch_group!.estimated_calls_reduced - a.batch_group!.estimated_calls_reduced)[0]!;
    return {
      status: 'ok',
      summary: `${sequences.length} batch-input sequence${sequences.length > 1 ? 's' : ''} in ${new Set(candidates.map((c) => c.month)).size} close month(s); the largest (${best.batch_group!.target_process_ids.join(' → ')}, ${best.batch_group!.close_month}) would drop ${best.batch_group!.estimated_calls_reduced} calls (${pct(best.batch_group!.estimated_calls_reduced / Math.max(1, scan.closeRows))} of close-window rows).`,
      metrics,
      findings,
      recommendations,
    };
  },
});
