import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { readDatasetInfo, resolveDataset } from '../../src/dataset/info.ts';
import { openStore, type Db } from '../../src/dataset/store.ts';
import { tempDir } from '../helpers/cli.ts';
import { insertTestDataset, type TestJob } from '../helpers/dataset.ts';

const CFG = { largeRows: 1_000_000, closeWindow: { startDay: 20, endDay: 5 } };
const t = (iso: string): number => Date.parse(iso);
let db: Db;

const JOBS: TestJob[] = [
  { process_id: 'A', queue_dt: t('2025-01-19T23:30:00Z'), params: 'K=1;V=a' }, // Berlin: Jan 20 → 2025-01
  { process_id: 'A', queue_dt: t('2025-01-25T10:00:00Z'), params: 'K=2' }, // 2025-01
  { process_id: 'B', queue_dt: t('2025-02-05T23:30:00Z') }, // Berlin (UTC+1): Feb 6 00:30 → none
  { process_id: 'B', queue_dt: t('2025-02-03T08:00:00Z'), params: 'W=x' }, // 2025-01
  { process_id: 'C', queue_dt: t('2025-02-10T08:00:00Z') }, // none
  { process_id: 'C', queue_dt: t('2025-02-21T08:00:00Z') }, // 2025-02
  { process_id: 'C', queue_dt: null },
];

beforeAll(() => {
  db = openStore(`${tempDir('info-')}/harness.db`);
  insertTestDataset(db, JOBS, {
    name: 'berlin',
    timezone: 'Europe/Berlin',
    extraColumns: ['REGION'],
    quality: { endBeforeStart: { count: 2, lines: [3, 9] }, malformedParams: { count: 1, lines: [4] } },
    mapping: { PROCESS_QUEUE_ID: 'process_queue_id', PROCESS_ID: 'process_id', QUEUE_DT: 'queue_dt', START_DT: 'start_dt', END_DT: 'end_dt', PARAM_DESCR_LIST: 'params' },
  });
  insertTestDataset(db, JOBS.slice(0, 2), { name: 'small' });
  insertTestDataset(db, JOBS.slice(0, 3), { name: 'small' });
});
afterAll(() => db.close());

describe('readDatasetInfo', () => {
  it('describes the dataset: roles, extras, close months in the source zone, range, processes, keys, quality', () => {
    const info = readDatasetInfo(db, 1, CFG);
    expect(info).toMatchObject({
      id: 1,
      name: 'berlin',
      rowCount: 7,
      roles: ['process_queue_id', 'process_id', 'queue_dt', 'start_dt', 'end_dt', 'params'],
      extraColumns: ['REGION'],
      columns: ['process_queue_id', 'process_id', 'queue_dt', 'start_dt', 'end_dt', 'params', 'REGION'],
      timezone: 'Europe/Berlin',
      closeMonths: [
        { month: '2025-01', rows: 3 },
        { month: '2025-02', rows: 1 },
      ],
      timeRange: { minQueueDt: t('2025-01-19T23:30:00Z'), maxQueueDt: t('2025-02-21T08:00:00Z') },
      distinctProcesses: 3,
      paramKeys: 3,
      largeDataset: false,
      quality: {
        endBeforeStart: { count: 2, lines: [3, 9] },
        malformedParams: { count: 1, lines: [4] },
        cancelledBeforeStart: { count: 0, lines: [] },
        missingTimestamps: { count: 0, lines: [] },
      },
    });
    expect(info.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('flags a large dataset against the configured largeRows and honours the close window config', () => {
    const info = readDatasetInfo(db, 1, { largeRows: 6, closeWindow: { startDay: 25, endDay: 2 } });
    expect(info.largeDataset).toBe(true);
    expect(info.closeMonths).toEqual([{ month: '2025-01', rows: 1 }]);
  });

  it('the accessor refuses a corrupt extra-columns record', async () => {
    const { createSqliteAccessor } = await import('../../src/dataset/accessor.ts');
    db.prepare("UPDATE datasets SET extra_columns_json = '{oops' WHERE id = 2").run();
    expect(() => createSqliteAccessor({ db, datasetId: 2, pluginId: 'p', largeRows: 10, streamingStrict: false, allowUnboundedLoad: false })).toThrow(
      /dataset 2: datasets.extra_columns_json must be an array of column names/,
    );
    expect(() => createSqliteAccessor({ db, datasetId: 42, pluginId: 'p', largeRows: 10, streamingStrict: false, allowUnboundedLoad: false })).toThrow(/no dataset with id 42/);
  });

  it('refuses a corrupt quality record', () => {
    db.prepare("UPDATE datasets SET quality_json = '{\"malformedParams\": {\"count\": \"x\"}}' WHERE id = 3").run();
    expect(() => readDatasetInfo(db, 3, CFG)).toThrow(/dataset 3: datasets.quality_json.malformedParams must be \{ count, lines \}/);
  });
});

describe('resolveDataset', () => {
  it('resolves an id, or a name to its newest version', () => {
    expect(resolveDataset(db, 1)).toBe(1);
    expect(resolveDataset(db, '1')).toBe(1);
    expect(resolveDataset(db, 'small')).toBe(3);
  });

  it('names the known datasets for an unknown one, with did-you-mean', () => {
    let err: HarnessError | undefined;
    try {
      resolveDataset(db, 'smal');
    } catch (e) {
      err = e as HarnessError;
    }
    expect(err?.code).toBe('unknown-dataset');
    expect(err?.message).toBe('no dataset "smal" (did you mean "small"?)');
    expect(err?.hint).toBe('known datasets: 1 (berlin, 7 rows), 2 (small, 2 rows), 3 (small, 3 rows)');
    expect(() => resolveDataset(db, 99)).toThrow(/no dataset "99"/);
  });

  it('says how to get a dataset when the store is empty', () => {
    const empty = openStore(`${tempDir('info-empty-')}/harness.db`);
    expect(() => resolveDataset(empty, 'x')).toThrow(/the store holds no datasets yet/);
    empty.close();
  });
});
