/**
 * The built-in analysis plugins recover the patterns the synthesizer plants (truth JSON),
 * satisfy the insight contract, are deterministic, and answer `na` with a reason where the
 * pattern is absent.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../../../src/common/index.ts';
import { checkInsightContract } from '../../../src/insights/index.ts';
import type { PluginResult } from '../../../src/plugins/index.ts';
import batchInputClusters, { paramMap } from '../../../src/plugins/builtin/batch_input_clusters.ts';
import duplicateRuns from '../../../src/plugins/builtin/duplicate_runs.ts';
import closePeakQueueing from '../../../src/plugins/builtin/close_peak_queueing.ts';
import failingProcess from '../../../src/plugins/builtin/failing_process.ts';
import slowMachine from '../../../src/plugins/builtin/slow_machine.ts';
import { ROOT, tempDir } from '../../helpers/cli.ts';
import { ingestedDataset, runPlugin, synthDataset, type TestDataset } from './harness.ts';

let synth: TestDataset;
let tiny: TestDataset;
let byOrder: TestDataset;

beforeAll(async () => {
  synth = await synthDataset(30_000, 7, 3);
  tiny = await ingestedDataset(join(ROOT, 'fixtures/plugins/data/jobs-small.csv'));
  byOrder = await ingestedDataset(join(ROOT, 'fixtures/analysis/chain-by-order.csv'));
}, 120_000);
afterAll(() => [synth, tiny, byOrder].forEach((d) => d?.close()));

const isoOf = (synthTime: string): string => `${synthTime.replace(' ', 'T')}Z`;

function expectCompliant(id: string, r: PluginResult): void {
  expect(checkInsightContract(id, r)).toEqual([]);
}

describe('batch_input_clusters_v1', () => {
  let r: PluginResult;
  beforeAll(async () => {
    r = await runPlugin(batchInputClusters, synth);
  });

  it('recovers every planted cluster: exact process ids in run order, key, close month, calls and queue window', () => {
    const truth = synth.truth!.batchInputClusters;
    expect(truth.length).toBeGreaterThanOrEqual(2);
    expect(r.status).toBe('ok');
    const groups = r.recommendations.map((x) => x.batch_group!);
    expect(groups.map((g) => [g.target_process_ids, g.close_month, g.key])).toEqual(truth.map((t) => [t.processIds, t.closeMonth, t.key]));
    truth.forEach((t, i) => {
      const g = groups[i]!;
      const calls = t.callCounts.reduce((a, b) => a + b, 0);
      expect(g.cohort.calls).toBe(calls);
      expect(g.cohort.distinct_key_values).toBe(t.distinctKeyValues);
      expect(g.cohort.first_queue_dt).toBe(isoOf(t.firstQueueDt));
      expect(g.estimated_calls_reduced).toBe(calls - t.processIds.length);
      expect(r.recommendations[i]!.text).toContain(t.processIds.join(' → '));
      expect(r.recommendations[i]!.text).toContain(t.key);
      expect(r.recommendations[i]!.text).toContain(t.closeMonth);
    });
  });

  it('links the chain through dep_id and bounds the modeled saving by what the cohort spent', () => {
    for (const [i, rec] of r.recommendations.entries()) {
      const g = rec.batch_group!;
      expect(r.findings[i]!.evidence['linked_by']).toEqual(g.target_process_ids.slice(1).map(() => 'dep_id/parent_id'));
      expect(rec.modeled_delta_seconds!).toBeGreaterThan(0);
      expect(rec.modeled_delta_seconds!).toBeLessThanOrEqual(g.estimated_delta_seconds_upper);
      expect(rec.modeled_delta_seconds!).toBeLessThanOrEqual(g.cohort.total_wait_seconds);
      expect(g.estimated_delta_seconds_upper).toBeLessThanOrEqual(g.cohort.total_wait_seconds + g.cohort.total_run_seconds);
      expect(rec.modeled_basis).toMatch(/median queue wait/);
    }
  });

  it('passes the insight contract and is deterministic', async () => {
    expectCompliant(batchInputClusters.id, r);
    expect(await runPlugin(batchInputClusters, synth)).toEqual(r);
  });

  it('chains by key order when the log has no dep/parent ids, and ignores two-key and mid-month cohorts', async () => {
    const o = await runPlugin(batchInputClusters, byOrder);
    expectCompliant(batchInputClusters.id, o);
    expect(o.recommendations.map((x) => x.where)).toEqual([
      { process_ids: ['LOAD_A', 'POST_B'], close_month: '2025-03', key: 'ORDER_NO' },
      // The changing key also appears once with a fixed value in the same list.
      { process_ids: ['BU_CLOSE_F'], close_month: '2025-03', key: 'BUSINESS_UNIT' },
    ]);
    expect(o.findings[0]!.evidence['linked_by']).toEqual(['key order']);
    expect(o.findings[1]!.evidence['fixed_params']).toBe('RUN_CNTL_ID=X');
    expect(o.recommendations[0]!.batch_group!.estimated_calls_reduced).toBe(58);
  });

  it('is not applicable, with the reason, on a log without the pattern', async () => {
    const n = await runPlugin(batchInputClusters, tiny);
    expect(n.status).toBe('na');
    expect(n.reason).toMatch(/no process was called at least 20 times in one close month with exactly one parameter key changing/);
    expect(n.recommendations).toEqual([]);
  });

  it('takes min_calls from the settings, strictly', async () => {
    const strict = await runPlugin(batchInputClusters, byOrder, { min_calls: 40 });
    expect(strict.status).toBe('na');
    expect(strict.reason).toMatch(/called at least 40 times/);
    await expect(runPlugin(batchInputClusters, byOrder, { min_calls: 1 })).rejects.toThrow(/min_calls must be an integer from 2 to 1000000; got 1/);
    await expect(runPlugin(batchInputClusters, byOrder, { minCalls: 5 })).rejects.toThrow(/unknown setting "minCalls"/);
  });

  it('keeps every value of a key repeated in one params string (split on the first "=")', () => {
    expect([...paramMap('BUSINESS_UNIT=BU1;BUSINESS_UNIT=US001;R=a=b')]).toEqual([
      ['BUSINESS_UNIT', 'BU1\u0001US001'],
      ['R', 'a=b'],
    ]);
  });
});

describe('duplicate_runs_v1', () => {
  let r: PluginResult;
  beforeAll(async () => {
    r = await runPlugin(duplicateRuns, synth);
  });

  it('recovers every planted duplicate group exactly', () => {
    expect(r.status).toBe('ok');
    const found = new Set(r.findings.flatMap((f) => ((f.evidence['groups'] as { queue_ids: string[] }[] | undefined) ?? []).map((g) => `${f.evidence['process_id']}:${g.queue_ids.join(',')}`)));
    const planted = synth.truth!.duplicateRuns;
    expect(planted.length).toBeGreaterThan(5);
    for (const d of planted) expect(found, `${d.processId} ${d.queueIds.join(',')}`).toContain(`${d.processId}:${d.queueIds.join(',')}`);
    // Background noise may add a chance repeat, never many.
    expect(r.metrics['duplicate_groups']).toBeLessThanOrEqual(planted.length + 2);
    const plantedProcesses = new Set(planted.map((d) => d.processId));
    expect(r.recommendations.filter((rec) => !plantedProcesses.has(rec.where.process_ids![0]!)).length).toBeLessThanOrEqual(2);
  });

  it('models the saving as the measured run seconds of the repeats, passes the contract, is deterministic', async () => {
    expectCompliant(duplicateRuns.id, r);
    const total = r.recommendations.reduce((s, x) => s + x.modeled_delta_seconds!, 0);
    expect(total).toBeGreaterThan(0);
    expect(Math.abs(total - r.metrics['repeated_run_seconds']!)).toBeLessThan(1);
    expect(await runPlugin(duplicateRuns, synth)).toEqual(r);
  });

  it('claims no saving where identical submissions are the norm for a process', async () => {
    const h = await runPlugin(duplicateRuns, byOrder);
    expect(h.status).toBe('na');
    expect(h.reason).toMatch(/no deduplication saving is claimed/);
    expect(h.findings.map((f) => f.id)).toEqual(['identical_submissions_habitual']);
    expectCompliant(duplicateRuns.id, h);
  });

  it('is not applicable on a log without repeats', async () => {
    const n = await runPlugin(duplicateRuns, tiny);
    expect(n.status).toBe('na');
    expect(n.reason).toMatch(/no process was queued again with identical parameters within 10 minutes/);
  });

  it('reads a log sorted by process (then time) the same as one sorted by queue time', async () => {
    const [header, ...lines] = readFileSync(synth.csv, 'utf8').trimEnd().split('\n');
    const key = (l: string) => { const f = l.split(','); return `${f[1]}\u0000${f[5]}\u0000${f[0]}`; };
    const sorted = join(tempDir(), 'by-process.csv');
    writeFileSync(sorted, `${[header, ...lines.sort((a, b) => (key(a) < key(b) ? -1 : 1))].join('\n')}\n`);
    const ds = await ingestedDataset(sorted);
    try {
      const s2 = await runPlugin(duplicateRuns, ds);
      expect(s2.status).toBe('ok');
      expect(s2.metrics['duplicate_groups']).toBe(r.metrics['duplicate_groups']);
      expect(s2.recommendations.map((x) => [x.where, x.modeled_delta_seconds])).toEqual(r.recommendations.map((x) => [x.where, x.modeled_delta_seconds]));
      const f2 = await runPlugin(failingProcess, ds);
      const f1 = await runPlugin(failingProcess, synth);
      expect(f2.findings.map((f) => f.evidence)).toEqual(f1.findings.map((f) => f.evidence));
    } finally {
      ds.close();
    }
  });

  it('is degraded, saying why, when rows are not in queue order per process', async () => {
    const [header, ...lines] = readFileSync(join(ROOT, 'fixtures/analysis/chain-by-order.csv'), 'utf8').trimEnd().split('\n');
    const reversed = join(tempDir(), 'reversed.csv');
    writeFileSync(reversed, `${[header, ...lines.reverse()].join('\n')}\n`);
    const ds = await ingestedDataset(reversed);
    try {
      const d = await runPlugin(duplicateRuns, ds);
      expect(d.status).toBe('degraded');
      expect(d.reason).toMatch(/^29 rows \(16\.6%\) were queued before an earlier row of the same process and parameters/);
      expect(d.recommendations).toEqual([]);
    } finally {
      ds.close();
    }
  });

  it('refuses a bad or unknown setting with a HarnessError naming it', async () => {
    await expect(runPlugin(duplicateRuns, tiny, { window_minutes: 0 })).rejects.toThrow(HarnessError);
    await expect(runPlugin(duplicateRuns, tiny, { window_minutes: '10' })).rejects.toThrow(/window_minutes must be an integer from 1 to 1440; got "10"/);
    await expect(runPlugin(duplicateRuns, tiny, { windowMinutes: 5 })).rejects.toThrow(/unknown setting "windowMinutes"/);
    const wide = await runPlugin(duplicateRuns, synth, { window_minutes: 30 });
    expect(wide.metrics['window_minutes']).toBe(30);
  });
});

describe('failing_process_v1', () => {
  let r: PluginResult;
  beforeAll(async () => {
    r = await runPlugin(failingProcess, synth);
  });

  it('flags exactly the planted failing process with its measured failure count', () => {
    const t = synth.truth!.failingProcess;
    expect(r.status).toBe('ok');
    expect(r.recommendations.map((x) => x.where.process_ids)).toEqual([[t.processId]]);
    expect(r.findings[0]!.evidence).toMatchObject({ process_id: t.processId, runs: t.runs, failures: t.errors });
    expect(r.recommendations[0]!.modeled_delta_seconds).toBeGreaterThan(0);
    expectCompliant(failingProcess.id, r);
  });

  it('is deterministic', async () => {
    expect(await runPlugin(failingProcess, synth)).toEqual(r);
  });

  it('has no settings: any setting is refused by name (as for slow_machine_v1 and close_peak_queueing_v1)', async () => {
    for (const plugin of [failingProcess, slowMachine, closePeakQueueing]) {
      await expect(runPlugin(plugin, tiny, { min_runs: 3 })).rejects.toThrow(new RegExp(`${plugin.id}: unknown setting "min_runs"`));
    }
  });

  it('is not applicable when no status is a failure, naming the statuses seen', async () => {
    const n = await runPlugin(failingProcess, tiny);
    expect(n.status).toBe('na');
    expect(n.reason).toMatch(/status values seen: done/);
  });
});

describe('slow_machine_v1', () => {
  let r: PluginResult;
  beforeAll(async () => {
    r = await runPlugin(slowMachine, synth);
  });

  it('names exactly the planted slow machine, at about its planted factor, with the processes to route', () => {
    const t = synth.truth!.slowMachine;
    expect(r.status).toBe('ok');
    expect(r.recommendations.map((x) => x.where.machine)).toEqual([t.machineId]);
    const ratio = r.findings[0]!.evidence['median_ratio'] as number;
    expect(ratio).toBeGreaterThan(t.factor * 0.8);
    expect(ratio).toBeLessThan(t.factor * 1.2);
    expect(r.recommendations[0]!.where.process_ids!.length).toBeGreaterThan(0);
    expectCompliant(slowMachine.id, r);
  });

  it('models the saving as median difference × runs, close to the planted excess', () => {
    const t = synth.truth!.slowMachine;
    const plantedExcess = t.runs * (t.meanRunSeconds - t.meanRunSecondsOtherMachines);
    const modeled = r.recommendations[0]!.modeled_delta_seconds!;
    // Medians of skewed run times vs means of the truth: same order of magnitude, not equal.
    expect(modeled).toBeGreaterThan(plantedExcess * 0.3);
    expect(modeled).toBeLessThan(plantedExcess * 1.5);
  });

  it('is deterministic, and not applicable without comparable machines', async () => {
    expect(await runPlugin(slowMachine, synth)).toEqual(r);
    const n = await runPlugin(slowMachine, tiny);
    expect(n.status).toBe('na');
    expect(n.reason).toMatch(/no machine ran at least 5 processes that also ran elsewhere/);
  });
});

describe('close_peak_queueing_v1', () => {
  let r: PluginResult;
  beforeAll(async () => {
    r = await runPlugin(closePeakQueueing, synth);
  });

  it('finds the planted peak hours inside the close and the processes that carry them', () => {
    const t = synth.truth!.peakHourQueueing;
    expect(r.status).toBe('ok');
    expect(r.findings.map((f) => f.evidence['hours'])).toEqual([t.hoursUtc]);
    expect(r.recommendations).toHaveLength(1);
    const rec = r.recommendations[0]!;
    expect(rec.where.hour_of_day).toBe(t.hoursUtc[0]);
    expect(rec.where.process_ids!.length).toBeGreaterThan(0);
    // The synthesizer's peak is daily, not close-only: the plugin must say so.
    expect(rec.scope).toBe('general');
    expect(r.findings[0]!.evidence['close_specific']).toBe(false);
    expect(rec.modeled_basis).toMatch(/assumes the off-peak hours absorb them/);
    expectCompliant(closePeakQueueing.id, r);
  });

  it('is deterministic, and not applicable without a baseline', async () => {
    expect(await runPlugin(closePeakQueueing, synth)).toEqual(r);
    const n = await runPlugin(closePeakQueueing, tiny);
    expect(n.status).toBe('na');
    expect(n.reason).toMatch(/rows with a queue wait outside the close windows/);
  });
});
