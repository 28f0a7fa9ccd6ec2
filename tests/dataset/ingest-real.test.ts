/**
 * Acceptance: the real public log (../shared/data/real/wagap-2013.csv beside the clone; see
 * its README) ingests with auto-detected mapping alone, and `info` describes it correctly.
 * Expected figures are computed here from the raw text with a plain split (the file has no
 * quoted fields), independently of the ingest code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type HarnessConfig } from '../../src/config/index.ts';
import { ingestFile, readDatasetInfo, type IngestResult } from '../../src/dataset/index.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

const REAL = resolve(ROOT, '../shared/data/real/wagap-2013.csv');

describe('real log: wagap-2013.csv', () => {
  let config: HarnessConfig;
  let result: IngestResult;
  let lines: string[][];

  beforeAll(async () => {
    if (!existsSync(REAL)) {
      throw new Error(`the real log is missing: expected ${REAL} (the shared/ folder beside the clone; see shared/data/real/README.md)`);
    }
    const text = readFileSync(REAL, 'utf8');
    lines = text.split('\n').filter((l) => l !== '').map((l) => l.split(','));
    config = loadConfig({ cwd: tempDir(), env: {} });
    result = await ingestFile(config, { file: REAL });
  });

  it('ingests all 17,900 jobs with the mapping detected from the ERP column names', () => {
    expect(lines.length - 1).toBe(17_900);
    expect(result.dataset.rowCount).toBe(17_900);
    expect(result.mapping).toEqual({
      PROCESS_QUEUE_ID: 'process_queue_id',
      PROCESS_ID: 'process_id',
      STATUS_CD: 'status',
      ASSIGNED_MACHINE_ID: 'assigned_machine_id',
      QUEUE_DT: 'queue_dt',
      START_DT: 'start_dt',
      END_DT: 'end_dt',
      USER_ID: 'user_id',
      PARAM_DESCR_LIST: 'params',
      PARENT_PROCESS_QUEUE_ID: 'parent_id',
    });
    expect(result.extraColumns).toEqual([]);
    expect(result.quality.malformedParams.count).toBe(0);
  });

  it('info reports the roles, the time range, the processes and the data quality', () => {
    const db = new Database(config.store, { readonly: true });
    try {
      const info = readDatasetInfo(db, result.dataset.id, { largeRows: config.largeRows, closeWindow: config.closeWindow });
      const header = lines[0]!;
      const col = (name: string): string[] => lines.slice(1).map((l) => l[header.indexOf(name)]!);
      const queued = col('QUEUE_DT').sort();
      expect(info.rowCount).toBe(17_900);
      expect(info.roles).toEqual(['process_queue_id', 'process_id', 'status', 'assigned_machine_id', 'queue_dt', 'start_dt', 'end_dt', 'params', 'user_id', 'parent_id']);
      expect(info.timeRange.minQueueDt).toBe(Date.parse(queued[0]!));
      expect(info.timeRange.maxQueueDt).toBe(Date.parse(queued[queued.length - 1]!));
      expect(new Date(info.timeRange.minQueueDt!).toISOString()).toBe('2012-12-31T23:22:27.000Z');
      expect(info.distinctProcesses).toBe(new Set(col('PROCESS_ID')).size);
      const keys = new Set(col('PARAM_DESCR_LIST').flatMap((p) => p.split(';').map((kv) => kv.slice(0, kv.indexOf('=')))));
      expect(info.paramKeys).toBe(keys.size);
      // Rows without an end time are flagged (kept), with their source lines.
      const noEnd = lines.map((l, i) => [l, i + 1] as const).filter(([l, i]) => i > 1 && l[header.indexOf('END_DT')] === '').map(([, i]) => i);
      expect(info.quality.missingTimestamps).toEqual({ count: noEnd.length, lines: noEnd.slice(0, 20) });
      expect(info.quality.endBeforeStart.count).toBe(0);
    } finally {
      db.close();
    }
  });

  it('keeps "=" inside param values (split on the first "=" only)', () => {
    const db = new Database(config.store, { readonly: true });
    try {
      const first = db.prepare("SELECT value FROM job_params_1 WHERE row_id = 1 AND key = 'RESOURCES'").pluck().get();
      expect(first).toBe('1:ppn=64:x86_64:cl_zewura#excl');
      const withEq = db.prepare("SELECT count(*) FROM job_params_1 WHERE key = 'RESOURCES' AND value LIKE '%ppn=%'").pluck().get() as number;
      const expected = lines.slice(1).filter((l) => /(^|;)RESOURCES=[^;]*ppn=/.test(l[8]!)).length;
      expect(withEq).toBe(expected);
      expect(withEq).toBeGreaterThan(17_000);
      const pairs = db.prepare('SELECT count(*) FROM job_params_1').pluck().get() as number;
      expect(pairs).toBe(lines.slice(1).reduce((n, l) => n + l[8]!.split(';').filter((s) => s !== '').length, 0));
    } finally {
      db.close();
    }
  });

  it('is stable: the same file ingested into another store has the same fingerprint', async () => {
    const other = loadConfig({ cwd: tempDir(), env: {} });
    const again = await ingestFile(other, { file: REAL });
    expect(again.dataset.fingerprint).toBe(result.dataset.fingerprint);
    expect(join(other.store)).not.toBe(config.store);
  });
});
