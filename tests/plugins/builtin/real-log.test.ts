/**
 * The built-in analysis plugins on a real job-queue log (CERIT-SC wagap, 17,900 PBS jobs;
 * /work/shared/data/real/README.md): no crash, an honest `na` or contract-compliant
 * recommendations, and no absurd figure — every modeled saving within what the log spent.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInsightContract } from '../../../src/insights/index.ts';
import type { PluginDefinition } from '../../../src/plugins/index.ts';
import batchInputClusters from '../../../src/plugins/builtin/batch_input_clusters.ts';
import closePeakQueueing from '../../../src/plugins/builtin/close_peak_queueing.ts';
import duplicateRuns from '../../../src/plugins/builtin/duplicate_runs.ts';
import failingProcess from '../../../src/plugins/builtin/failing_process.ts';
import slowMachine from '../../../src/plugins/builtin/slow_machine.ts';
import { ingestedDataset, runPlugin, type TestDataset } from './harness.ts';

const REAL = '/work/shared/data/real/wagap-2013.csv';
const PLUGINS: PluginDefinition[] = [batchInputClusters, duplicateRuns, failingProcess, slowMachine, closePeakQueueing];

let ds: TestDataset;
let spentWait = 0;
let spentRun = 0;

beforeAll(async () => {
  if (!existsSync(REAL)) throw new Error(`${REAL} is missing: the real-log acceptance test needs the shared data set (see /work/shared/data/real/README.md)`);
  ds = await ingestedDataset(REAL);
  const totals = ds.db.prepare(`SELECT SUM(MAX(start_dt - queue_dt, 0)) / 1000.0 AS wait, SUM(MAX(end_dt - start_dt, 0)) / 1000.0 AS run FROM jobs_${ds.datasetId}`).get() as { wait: number; run: number };
  spentWait = totals.wait;
  spentRun = totals.run;
}, 120_000);
afterAll(() => ds?.close());

describe('built-in plugins on the real wagap log', () => {
  it.each(PLUGINS.map((p) => [p.id, p] as const))('%s: ok or an honest na, contract-compliant, figures within what the log spent', async (_id, plugin) => {
    const r = await runPlugin(plugin, ds);
    expect(['ok', 'na']).toContain(r.status);
    if (r.status === 'na') {
      expect(r.reason).toBeTruthy();
      expect(r.recommendations).toEqual([]);
    }
    expect(checkInsightContract(plugin.id, r)).toEqual([]);
    for (const x of Object.values(r.metrics)) expect(Number.isFinite(x)).toBe(true);
    const modeled = r.recommendations.reduce((s, x) => s + (x.modeled_delta_seconds ?? 0), 0);
    expect(modeled).toBeLessThanOrEqual(spentWait + spentRun);
    for (const x of r.recommendations) {
      expect(x.text).not.toMatch(/NaN|Infinity|undefined/);
      if (x.batch_group) expect(x.batch_group.estimated_delta_seconds_upper).toBeLessThanOrEqual(x.batch_group.cohort.total_wait_seconds + x.batch_group.cohort.total_run_seconds);
    }
  });

  it('says why where the log cannot show a pattern: all statuses COMPLETED, no changing-key cohorts', async () => {
    const failing = await runPlugin(failingProcess, ds);
    expect(failing.status).toBe('na');
    expect(failing.reason).toMatch(/status values seen: COMPLETED/);
    const batch = await runPlugin(batchInputClusters, ds);
    expect(batch.status).toBe('na');
    expect(batch.reason).toMatch(/exactly one parameter key changing/);
  });
});
