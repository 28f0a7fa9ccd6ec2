import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { loadConfig, type HarnessConfig } from '../../src/config/index.ts';
import { ingestFile, type IngestOptions } from '../../src/dataset/index.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

const FIX = join(ROOT, 'fixtures/ingest');
const fx = (name: string): string => join(FIX, name);

let dir: string;
let config: HarnessConfig;

beforeEach(() => {
  dir = tempDir();
  config = loadConfig({ cwd: dir, env: {} });
});

function db(): Database.Database {
  return new Database(config.store, { readonly: true });
}

/** Everything an ingest could leave behind: schema objects, dataset rows, integrity. */
function snapshot(): string {
  const d = db();
  try {
    const objects = d.prepare("SELECT type, name FROM sqlite_master ORDER BY type, name").all();
    const datasets = d.prepare('SELECT id, fingerprint, row_count FROM datasets ORDER BY id').all();
    const integrity = d.pragma('integrity_check', { simple: true });
    return JSON.stringify({ objects, datasets, integrity });
  } finally {
    d.close();
  }
}

async function refused(options: IngestOptions): Promise<HarnessError> {
  const before = snapshot();
  let caught: unknown;
  try {
    await ingestFile(config, options);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(HarnessError);
  expect(snapshot()).toBe(before);
  return caught as HarnessError;
}

describe('ingestFile', () => {
  it('normalizes an ERP export: roles, times, params, extras, quality, merged duplicates', async () => {
    const r = await ingestFile(config, { file: fx('good.csv') });
    expect(r.noop).toBe(false);
    expect(r.dataset).toMatchObject({ id: 1, name: 'good', rowCount: 5 });
    expect(r.dataset.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(r.extraColumns).toEqual(['PRIORITY']);
    expect(r.mapping).toMatchObject({ PROCESS_QUEUE_ID: 'process_queue_id', STATUS_CD: 'status', PARAM_DESCR_LIST: 'params' });
    expect(r.duplicateRows).toBe(1);
    expect(r.warnings.join('\n')).toMatch(/1 identical duplicate row merged .*lines 7/);
    expect(r.quality).toEqual({
      endBeforeStart: { count: 1, lines: [3] },
      malformedParams: { count: 2, lines: [5] },
      cancelledBeforeStart: { count: 1, lines: [4] },
      missingTimestamps: { count: 1, lines: [6] },
    });
    const d = db();
    const jobs = d.prepare('SELECT * FROM jobs_1 ORDER BY row_id').all() as Record<string, unknown>[];
    expect(jobs.map((j) => j.process_queue_id)).toEqual(['1001', '1002', '1003', '1004', '1005']);
    expect(jobs[0]).toMatchObject({ row_id: 1, queue_dt: Date.UTC(2025, 0, 20, 8), source_line: 2, extra_json: '{"PRIORITY":"HIGH"}', parent_id: null });
    expect(jobs[2]).toMatchObject({ status: 'CANCELLED', start_dt: null, end_dt: null, parent_id: '1001' });
    expect(jobs[3]!.params).toBe('A=1;;B;=3;C==4;n=5');
    expect(jobs[4]).toMatchObject({ queue_dt: Date.UTC(2025, 1, 3, 23, 59, 59, 250), extra_json: '{"PRIORITY":"=SUM(A1)"}' });
    const params = d.prepare('SELECT row_id, key, value FROM job_params_1 ORDER BY row_id, key, value').all();
    expect(params).toContainEqual({ row_id: 3, key: 'FILTER', value: 'a=b' });
    expect(params.filter((p) => (p as { row_id: number }).row_id === 4)).toEqual([
      { row_id: 4, key: 'A', value: '1' },
      { row_id: 4, key: 'C', value: '=4' },
      { row_id: 4, key: 'n', value: '5' },
    ]);
    expect(params).toContainEqual({ row_id: 5, key: 'NOTE', value: '"quoted", with comma' });
    const indexes = d.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('jobs_1','job_params_1') ORDER BY name").pluck().all();
    expect(indexes).toEqual(['jobs_1_process', 'jobs_1_queue_dt', 'jobs_1_queue_id']);
    expect(d.pragma('page_size', { simple: true })).toBe(16_384);
    expect(d.pragma('journal_mode', { simple: true })).toBe('wal');
    const ds = d.prepare('SELECT * FROM datasets').get() as Record<string, string>;
    expect(JSON.parse(ds.quality_json)).toEqual(r.quality);
    expect(JSON.parse(ds.extra_columns_json)).toEqual(['PRIORITY']);
    expect(ds.source_format).toBe('csv');
    expect(ds.source_sha256).toMatch(/^[0-9a-f]{64}$/);
    d.close();
  });

  it('gives the same fingerprint for the same content in another format, column order and row order', async () => {
    const a = await ingestFile(config, { file: fx('good.csv') });
    const b = await ingestFile(config, { file: fx('good-reordered.jsonl') });
    expect(b.noop).toBe(true);
    expect(b.dataset.id).toBe(a.dataset.id);
    expect(b.dataset.fingerprint).toBe(a.dataset.fingerprint);
    expect(b.warnings[0]).toMatch(/^already ingested as dataset 1 "good" \(fingerprint [0-9a-f]{16}…\): nothing written$/);
  });

  it('re-ingesting the same file is a no-op that writes nothing', async () => {
    await ingestFile(config, { file: fx('good.csv') });
    const before = snapshot();
    const again = await ingestFile(config, { file: fx('good.csv'), name: 'other-name' });
    expect(again.noop).toBe(true);
    expect(again.addedRows).toBe(0);
    expect(snapshot()).toBe(before);
  });

  it('reads local times in --tz (or config timezone) and refuses wall times in a DST gap', async () => {
    const r = await ingestFile(config, { file: fx('local-times.csv'), timezone: 'Europe/Berlin' });
    const row = db().prepare('SELECT queue_dt, start_dt, end_dt FROM jobs_1').get();
    expect(row).toEqual({ queue_dt: Date.UTC(2025, 2, 30, 0, 30), start_dt: Date.UTC(2025, 2, 30, 1, 30), end_dt: Date.UTC(2025, 9, 26, 0, 30) });
    expect(r.dataset.rowCount).toBe(1);
    const utc = await ingestFile(config, { file: fx('local-times.csv') });
    expect(utc.dataset.fingerprint).not.toBe(r.dataset.fingerprint);
    const e = await refused({ file: fx('dst-gap.csv'), timezone: 'Europe/Berlin' });
    expect(e.message).toMatch(/line 2: start_dt "2025-03-30 02:30:00": this local time does not exist in Europe\/Berlin/);
    await expect(ingestFile(config, { file: fx('good.csv'), timezone: 'Mars/Olympus' })).rejects.toThrow(/unknown time zone "Mars\/Olympus"/);
  });

  it('maps custom column names with --map / config ingest.map and keeps the rest as extras', async () => {
    config.ingest.map = { JOB_ID: 'process_queue_id', PROGRAM: 'process_id' };
    const r = await ingestFile(config, { file: fx('custom-names.csv'), map: { ENQUEUED: 'queue_dt', BEGIN: 'start_dt', FINISH: 'end_dt' } });
    expect(r.mapping).toEqual({ JOB_ID: 'process_queue_id', PROGRAM: 'process_id', ENQUEUED: 'queue_dt', BEGIN: 'start_dt', FINISH: 'end_dt' });
    expect(r.extraColumns).toEqual(['HOST']);
    const e = await refused({ file: fx('custom-names.csv'), map: { ENQUEUED: 'queue_dt', BEGIN: 'start_dt', FINISH: 'end_dt', HOST: 'machine' } });
    expect(e.code).toBe('unknown-role');
  });

  it('appends a later export as a new version, de-duplicated by queue id', async () => {
    const base = await ingestFile(config, { file: fx('good.csv') });
    const r = await ingestFile(config, { file: fx('append-more.csv'), append: 'good', name: 'good' });
    expect(r.noop).toBe(false);
    expect(r.parentId).toBe(base.dataset.id);
    expect(r.dataset).toMatchObject({ id: 2, rowCount: 6 });
    expect(r.addedRows).toBe(1);
    expect(r.duplicateRows).toBe(1);
    expect(r.quality.malformedParams.count).toBe(2);
    const rows = db().prepare('SELECT row_id, process_queue_id FROM jobs_2 ORDER BY row_id').all();
    expect(rows.map((x) => (x as { process_queue_id: string }).process_queue_id)).toEqual(['1001', '1002', '1003', '1004', '1005', '2001']);
    expect(db().prepare('SELECT parent_id FROM datasets WHERE id = 2').pluck().get()).toBe(1);
    expect(db().prepare('SELECT count(*) FROM job_params_2').pluck().get()).toBe((db().prepare('SELECT count(*) FROM job_params_1').pluck().get() as number) + 2);
    // Appending nothing new is a no-op; a conflicting queue id is refused.
    expect((await ingestFile(config, { file: fx('good.csv'), append: '2' })).noop).toBe(true);
    const e = await refused({ file: fx('append-conflict.csv'), append: '2' });
    expect(e.code).toBe('duplicate-queue-id');
    expect((await refused({ file: fx('good.csv'), append: 'goood' })).message).toMatch(/no dataset "goood" \(did you mean "good"\?\)/);
  });

  it('redacts configured columns and param keys before storing, and records it', async () => {
    config.ingest.redact = { columns: ['user_id', 'PRIORITY'], paramKeys: ['COMPANY'], salt: 'pepper' };
    const r = await ingestFile(config, { file: fx('good.csv') });
    const d = db();
    const users = d.prepare('SELECT DISTINCT user_id FROM jobs_1 ORDER BY user_id').pluck().all() as string[];
    expect(users).toHaveLength(3);
    for (const u of users) expect(u).toMatch(/^h:[0-9a-f]{16}$/);
    expect(d.prepare("SELECT params FROM jobs_1 WHERE process_queue_id = '1001'").pluck().get()).toMatch(/^COMPANY=h:[0-9a-f]{16};PERIOD=2025-01$/);
    expect(d.prepare("SELECT value FROM job_params_1 WHERE key = 'COMPANY'").pluck().all()).toEqual([expect.stringMatching(/^h:/), expect.stringMatching(/^h:/)]);
    expect(d.prepare("SELECT extra_json FROM jobs_1 WHERE process_queue_id = '1001'").pluck().get()).toMatch(/^\{"PRIORITY":"h:[0-9a-f]{16}"\}$/);
    const text = JSON.stringify(d.prepare('SELECT * FROM jobs_1').all()) + JSON.stringify(d.prepare('SELECT * FROM job_params_1').all());
    expect(text).not.toContain('"U1"');
    expect(text).not.toContain('HIGH');
    expect(JSON.parse(d.prepare('SELECT redaction_json FROM datasets').pluck().get() as string)).toEqual({ method: 'sha256-16', columns: ['PRIORITY', 'user_id'], paramKeys: ['COMPANY'], salted: true });
    expect(JSON.stringify(d.prepare('SELECT * FROM datasets').all())).not.toContain('pepper');
    d.close();
    expect(r.warnings.join()).not.toMatch(/salt/);
    config.ingest.redact = { columns: ['queue_dt'], paramKeys: [], salt: '' };
    expect((await refused({ file: fx('good.csv') })).message).toMatch(/cannot be redacted/);
    config.ingest.redact = { columns: ['usr_id'], paramKeys: [], salt: '' };
    expect((await refused({ file: fx('good.csv') })).message).toMatch(/did you mean "user_id"/);
  });
});

describe('ingestFile refuses bad input with file, line and an untouched store', () => {
  beforeEach(async () => {
    await ingestFile(config, { file: fx('good.csv') });
  });

  const cases: [string, () => string, RegExp, number | undefined][] = [
    ['an empty file', () => write('empty.csv', ''), /empty\.csv is empty/, undefined],
    ['a header without rows', () => fx('header-only.csv'), /has a header but no data rows/, 1],
    ['a missing required column', () => fx('missing-column.csv'), /no column for the required roles? process_queue_id, queue_dt.*the header is: JOB, PROCESS_ID/, 1],
    ['a ragged row', () => fx('ragged.csv'), /line 3 has 4 fields, but the header has 5/, 3],
    ['an unterminated quote on the last line', () => fx('unterminated-quote.csv'), /quoted field is never closed/, 3],
    ['non-UTF-8 bytes', () => write('latin1.csv', Buffer.concat([Buffer.from('PROCESS_QUEUE_ID,PROCESS_ID,QUEUE_DT,START_DT,END_DT\n1,caf'), Buffer.from([0xe9]), Buffer.from(',2025-01-01 00:00,,\n')])), /not valid UTF-8: invalid byte 0xe9/, 2],
    ['UTF-16 with a BOM', () => write('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('PROCESS_QUEUE_ID,PROCESS_ID\n', 'utf16le')])), /UTF-16.*only UTF-8 is read/, 1],
    ['an impossible month', () => fx('bad-date.csv'), /line 3: queue_dt \(column QUEUE_DT\) "2025-13-01 00:00": 2025-13-01 is not a calendar date/, 3],
    ['February 30', () => fx('feb-30.csv'), /line 3: start_dt \(column START_DT\) "2025-02-30 00:01": 2025-02-30 is not a calendar date/, 3],
    ['duplicate queue ids with different content', () => fx('dup-ids.csv'), /process_queue_id "1" at line 4 was already used at line 2 with different content/, 4],
    ['a JSONL file with a broken line in the middle', () => fx('broken.jsonl'), /line 3 is not valid JSON/, 3],
    ['an "Arrow" file that is really CSV', () => fx('fake.arrow'), /not an Arrow IPC file .*looks like CSV text/, undefined],
    ['a directory', () => FIX, /is a directory/, undefined],
    ['a missing path', () => join(FIX, 'nope.csv'), /nope\.csv does not exist/, undefined],
    ['an empty queue_dt', () => write('no-queue.csv', 'process_queue_id,process_id,queue_dt,start_dt,end_dt\n1,P,,,\n'), /line 2: queue_dt is empty/, 2],
  ];

  for (const [what, file, message, line] of cases) {
    it(what, async () => {
      const path = file();
      const e = await refused({ file: path });
      expect(e.message).toMatch(message);
      expect(e.exitCode).toBe(2);
      expect(e.file).toBe(path);
      if (line !== undefined) expect(e.line).toBe(line);
      expect(e.hint).toBeTruthy();
    });
  }

  it('reads a UTF-8 BOM, CRLF line ends and quoted multi-line fields, and reports start lines after them', async () => {
    const text =
      '\uFEFFprocess_queue_id,process_id,queue_dt,start_dt,end_dt,NOTE\r\n' +
      '1,P,2025-01-01 00:00,2025-01-01 00:01,2025-01-01 00:02,"two\r\nlines"\r\n' +
      '\r\n' +
      '2,P,2025-01-01 00:00,2025-01-01 00:03,2025-01-01 00:02,x\r\n';
    const r = await ingestFile(config, { file: write('crlf.csv', text) });
    expect(r.mapping).toMatchObject({ process_queue_id: 'process_queue_id' });
    expect(r.extraColumns).toEqual(['NOTE']);
    // Row 2 starts on line 5: header, a two-line record, a blank line.
    expect(r.quality.endBeforeStart).toEqual({ count: 1, lines: [5] });
    const d = db();
    expect(d.prepare('SELECT extra_json FROM jobs_2 WHERE row_id = 1').pluck().get()).toBe('{"NOTE":"two\\r\\nlines"}');
    expect(d.prepare('SELECT source_line FROM jobs_2 ORDER BY row_id').pluck().all()).toEqual([2, 5]);
    d.close();
    const bad = await refused({ file: write('crlf-bad.csv', text.replace('2025-01-01 00:03', '2025-04-31 00:03')) });
    expect(bad.line).toBe(5);
  });

  it('end before start is kept, flagged and counted, not refused', async () => {
    const r = await ingestFile(config, { file: write('late.csv', 'process_queue_id,process_id,queue_dt,start_dt,end_dt\n9,P,2025-01-01 00:00,2025-01-01 00:10,2025-01-01 00:05\n') });
    expect(r.quality.endBeforeStart).toEqual({ count: 1, lines: [2] });
    expect(r.dataset.rowCount).toBe(1);
  });

  it('a Timestamp column without an offset in JSONL numbers is refused with a hint', async () => {
    const e = await refused({ file: write('num.jsonl', '{"process_queue_id":"1","process_id":"P","queue_dt":1735689600000,"start_dt":null,"end_dt":null}\n') });
    expect(e.message).toMatch(/line 1: queue_dt "1735689600000": expected YYYY-MM-DD HH:MM/);
  });
});

function write(name: string, content: string | Buffer): string {
  const sub = join(dir, 'in');
  mkdirSync(sub, { recursive: true });
  const path = join(sub, name);
  writeFileSync(path, content);
  return path;
}
