/** End to end: `stat-harness ingest | info | export` through the built binary (no TTY). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/cli.ts';

const fx = (name: string): string => join(ROOT, 'fixtures/ingest', name);
let cwd: string;
const sh = (...args: string[]) => runCli('statHarness', args, { cwd });

beforeEach(() => {
  cwd = tempDir();
});

describe('stat-harness ingest', () => {
  it('prints one summary line (no progress bar without a TTY), warnings on stderr, exit 0', () => {
    const r = sh('ingest', fx('good.csv'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ingested dataset 1 "good": 5 rows, fingerprint [0-9a-f]{16}…, 5 quality issues\n$/);
    expect(r.stderr).toBe('warning: 1 identical duplicate row merged (same queue id and content; lines 7)\n');
    const again = sh('ingest', fx('good.csv'));
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^already ingested as dataset 1 "good" \(fingerprint [0-9a-f]{16}…\): nothing written\n$/);
    expect(sh('--quiet', 'ingest', fx('local-times.csv')).stderr).toBe('');
  });

  it('--json prints the machine-readable result', () => {
    const r = sh('ingest', fx('good.csv'), '--json', '--name', 'jan');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { dataset: { id: number; name: string; rowCount: number }; noop: boolean; quality: { malformedParams: { count: number } } };
    expect(out.dataset).toMatchObject({ id: 1, name: 'jan', rowCount: 5 });
    expect(out.noop).toBe(false);
    expect(out.quality.malformedParams.count).toBe(2);
  });

  it('--map, --tz and --append reach the ingest', () => {
    const r = sh('ingest', fx('custom-names.csv'), '--map', 'JOB_ID=process_queue_id', '--map', 'PROGRAM=process_id', '--map', 'ENQUEUED=queue_dt', '--map', 'BEGIN=start_dt', '--map', 'FINISH=end_dt', '--json');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { extraColumns: string[] }).extraColumns).toEqual(['HOST']);
    expect(sh('ingest', fx('local-times.csv'), '--tz', 'Europe/Berlin').status).toBe(0);
    expect(sh('ingest', fx('good.csv')).status).toBe(0);
    const app = sh('ingest', fx('append-more.csv'), '--append', 'good');
    expect(app.status).toBe(0);
    expect(app.stdout).toMatch(/^ingested dataset 4 "append-more": 6 rows \(dataset 3 \+ 1 new rows\)/);
  });

  const bad: [string, string[], RegExp][] = [
    ['empty file', [], /empty\.csv is empty/],
    ['header only', [fx('header-only.csv')], /header-only\.csv:1 error \[no-rows\] .*has a header but no data rows/],
    ['missing required column', [fx('missing-column.csv')], /missing-column\.csv:1 error \[missing-column\] no column for the required roles process_queue_id, queue_dt.*\n {2}hint: map a column onto each missing role, e\.g\. --map JOB=process_queue_id/],
    ['ragged row', [fx('ragged.csv')], /ragged\.csv:3 error \[ragged-row\] line 3 has 4 fields, but the header has 5/],
    ['unterminated quote', [fx('unterminated-quote.csv')], /unterminated-quote\.csv:3 error \[unterminated-quote\]/],
    ['impossible date', [fx('bad-date.csv')], /bad-date\.csv:3 error \[bad-timestamp\] line 3: queue_dt \(column QUEUE_DT\) "2025-13-01 00:00": 2025-13-01 is not a calendar date/],
    ['duplicate queue ids', [fx('dup-ids.csv')], /dup-ids\.csv:4 error \[duplicate-queue-id\]/],
    ['broken JSONL line', [fx('broken.jsonl')], /broken\.jsonl:3 error \[bad-json\] line 3 is not valid JSON/],
    ['"Arrow" that is CSV', [fx('fake.arrow')], /fake\.arrow error \[not-arrow\] .*looks like CSV text\n {2}hint: ingest it with --format csv/],
    ['directory', [join(ROOT, 'fixtures/ingest')], /is a directory/],
    ['missing path', [join(ROOT, 'fixtures/ingest/nope.csv')], /nope\.csv does not exist/],
    ['unknown role in --map', [fx('good.csv'), '--map', 'PRIORITY=priorty'], /"priorty" is not a canonical role/],
    ['unknown --format', [fx('good.csv'), '--format', 'jsn'], /--format must be one of csv, jsonl, arrow; got "jsn"/],
    ['unknown time zone', [fx('good.csv'), '--tz', 'Europe/Berln'], /--tz: unknown time zone "Europe\/Berln"/],
  ];
  for (const [what, args, message] of bad) {
    it(`refuses ${what}: exit 2, one precise message, no stack, store untouched`, () => {
      const empty = join(cwd, 'empty.csv');
      writeFileSync(empty, '');
      expect(sh('--quiet', 'ingest', fx('local-times.csv')).status).toBe(0);
      const before = sh('info', '--json').stdout;
      const r = sh('ingest', ...(args.length === 0 ? [empty] : args));
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(sh('info', '--json').stdout).toBe(before);
    });
  }

  it('refuses UTF-16 and non-UTF-8 input with the line and a conversion hint', () => {
    const u16 = join(cwd, 'u16.csv');
    writeFileSync(u16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('PROCESS_QUEUE_ID\n1\n', 'utf16le')]));
    const r = sh('ingest', u16);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/u16\.csv:1 error \[encoding\] .*UTF-16.*\n {2}hint: convert it to UTF-8/);
    const latin = join(cwd, 'latin.csv');
    writeFileSync(latin, Buffer.concat([Buffer.from('PROCESS_QUEUE_ID,PROCESS_ID,QUEUE_DT,START_DT,END_DT\n1,P,2025-01-01 00:00,,\n2,caf'), Buffer.from([0xe9]), Buffer.from(',2025-01-01 00:00,,\n')]));
    const l = sh('ingest', latin);
    expect(l.status).toBe(2);
    expect(l.stderr).toMatch(/latin\.csv:3:6 error \[encoding\] .*not valid UTF-8: invalid byte 0xe9/);
  });
});

describe('stat-harness info', () => {
  it('describes the newest dataset, or the one named; text and JSON', () => {
    expect(sh('info').stderr).toMatch(/error \[store-missing\]/);
    sh('ingest', fx('good.csv'));
    const t = sh('info');
    expect(t.status).toBe(0);
    expect(t.stdout).toContain('dataset 1 "good"');
    expect(t.stdout).toMatch(/rows\s+5\n/);
    expect(t.stdout).toMatch(/extra columns PRIORITY/);
    expect(t.stdout).toMatch(/malformed param pairs\s+2 {2}\(lines 5\)/);
    const j = JSON.parse(sh('info', '--dataset', 'good', '--format', 'json').stdout) as { rowCount: number; roles: string[]; quality: { endBeforeStart: { count: number } } };
    expect(j.rowCount).toBe(5);
    expect(j.roles).toContain('params');
    expect(j.quality.endBeforeStart.count).toBe(1);
    const unknown = sh('info', '--dataset', 'godo');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no dataset "godo" \(did you mean "good"\?\)/);
  });
});

describe('stat-harness export', () => {
  it('writes csv / jsonl to stdout or --out, arrow to --out; a round trip is a no-op ingest', () => {
    sh('ingest', fx('good.csv'));
    const csv = sh('export', '--format', 'csv');
    expect(csv.status).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('process_queue_id,process_id,status,local_machine_id,assigned_machine_id,queue_dt,start_dt,end_dt,params,user_id,master_id,parent_id,dep_id,schedule_id,PRIORITY');
    expect(csv.stdout).toContain(`"'=SUM(A1)"`);
    const jsonl = sh('export', '--dataset', '1', '--format', 'jsonl');
    expect(jsonl.stdout.trim().split('\n')).toHaveLength(5);
    const out = join(cwd, 'x.arrow');
    const arrow = sh('export', '--format', 'arrow', '--out', out);
    expect(arrow.status).toBe(0);
    expect(arrow.stderr).toMatch(/exported dataset 1: 5 rows to .*x\.arrow/);
    expect(tableFromIPC(readFileSync(out)).numRows).toBe(5);
    const csvFile = join(cwd, 'x.csv');
    writeFileSync(csvFile, csv.stdout);
    expect(sh('ingest', csvFile).stdout).toMatch(/^already ingested as dataset 1/);
    expect(sh('ingest', out).stdout).toMatch(/^already ingested as dataset 1/);
    // An explicit --out: missing parent directories are created (as synth does); a parent that is a file is exit 2.
    const nested = join(cwd, 'new', 'dir', 'x.csv');
    expect(sh('export', '--format', 'csv', '--out', nested).status).toBe(0);
    expect(readFileSync(nested, 'utf8')).toBe(csv.stdout);
    for (const format of ['csv', 'arrow']) {
      const blocked = sh('export', '--format', format, '--out', join(csvFile, 'y.out'));
      expect(blocked.status).toBe(2);
      expect(blocked.stderr).toMatch(/error \[io\] cannot write .*x\.csv\/y\.out: (ENOTDIR|EEXIST)/);
      expect(blocked.stderr).not.toMatch(/\n\s+at /);
    }
    const bad = sh('export', '--format', 'parquet');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--format must be one of csv, jsonl, arrow; got "parquet"/);
  });
});
