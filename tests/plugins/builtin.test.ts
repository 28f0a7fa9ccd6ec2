import { describe, expect, it } from 'vitest';
import { createSqliteAccessor } from '../../src/dataset/index.ts';
import { checkInsightContract } from '../../src/insights/index.ts';
import type { PluginContext, PluginResult } from '../../src/plugins/index.ts';
import queueWait from '../../src/plugins/builtin/queue_wait_by_process.ts';
import { createTestStore, type TestJob } from '../helpers/dataset.ts';
import { tempDir } from '../helpers/cli.ts';

/** Run a plugin in-process over a test dataset (the SQLite accessor: same contract as the sandbox's Arrow one). */
async function runInProcess(jobs: TestJob[]): Promise<PluginResult> {
  const { db, datasetId } = createTestStore(tempDir(), jobs);
  const dataset = createSqliteAccessor({ db, datasetId, pluginId: queueWait.id, largeRows: 1_000_000, streamingStrict: false, allowUnboundedLoad: false });
  const ctx: PluginContext = {
    dataset,
    config: { largeRows: 1_000_000, timezone: 'UTC', closeWindow: { startDay: 20, endDay: 5 }, plugin: {} },
    seed: 0,
    results: () => undefined,
    artifacts: tempDir(),
    log: { info: () => {}, warn: () => {} },
  };
  try {
    return await queueWait.run(ctx);
  } finally {
    dataset.close();
    db.close();
  }
}

const T0 = Date.UTC(2025, 2, 3, 8);
const job = (i: number, process: string, waitS: number | null): TestJob => ({
  process_queue_id: `Q${i}`,
  process_id: process,
  queue_dt: T0 + i * 60_000,
  start_dt: waitS === null ? null : T0 + i * 60_000 + waitS * 1000,
  end_dt: T0 + i * 60_000 + 3_600_000,
  source_line: i + 2,
});

describe('built-in queue_wait_by_process_v1', () => {
  it('sums queue wait per process, ranks by share and recommends rescheduling the dominant one', async () => {
    const jobs = [job(1, 'P_BIG', 600), job(2, 'P_BIG', 300), job(3, 'P_SMALL', 60), job(4, 'P_SMALL', 40), job(5, 'P_NONE', null), job(6, 'P_NEG', -30)];
    const r = await runInProcess(jobs);
    expect(r.status).toBe('ok');
    expect(r.metrics).toEqual({ rows: 6, rows_without_wait: 2, processes: 2, total_wait_seconds: 1000 });
    expect(r.findings.map((f) => f.title)).toEqual(['Process P_BIG accounts for 90% of all queue wait', 'Process P_SMALL accounts for 10% of all queue wait']);
    expect(r.findings[0]!.evidence).toEqual({ process_id: 'P_BIG', jobs: 2, wait_seconds: 900, max_wait_seconds: 600, share: 0.9 });
    expect(r.recommendations).toHaveLength(1);
    expect(r.recommendations[0]!.where).toEqual({ process_ids: ['P_BIG'] });
    expect(checkInsightContract(queueWait.id, r)).toEqual([]);
  });

  it('is not applicable when no row has a usable wait', async () => {
    const r = await runInProcess([job(1, 'P1', null), job(2, 'P2', -5)]);
    expect(r.status).toBe('na');
    expect(r.reason).toMatch(/no row has both queue and start times/);
    expect(r.recommendations).toEqual([]);
  });
});
