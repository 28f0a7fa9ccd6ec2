import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { closeMonthOf } from '../../src/dataset/close-window.ts';
import { SYNTH_COLUMNS, synthesizeLog, type SynthResult } from '../../src/dataset/synth.ts';
import { createRng } from '../../src/dataset/synth/prng.ts';
import { tempDir } from '../helpers/cli.ts';

type Row = Record<(typeof SYNTH_COLUMNS)[number], string>;
let dir: string;
let result: SynthResult;
let rows: Row[];
const ms = (s: string): number => Date.parse(`${s.replace(' ', 'T')}Z`);

beforeAll(() => {
  dir = tempDir('synth-');
  result = synthesizeLog({ rows: 6000, seed: 42, out: join(dir, 'log.csv'), start: '2025-01', months: 4 });
  rows = parse(readFileSync(join(dir, 'log.csv')), { columns: true }) as Row[];
});

describe('synthesizeLog', () => {
  it('writes exactly the requested rows with the ERP columns and UTC timestamps', () => {
    expect(result.rows).toBe(6000);
    expect(rows.length).toBe(6000);
    expect(Object.keys(rows[0]!)).toEqual([...SYNTH_COLUMNS]);
    for (const r of rows) {
      expect(r.QUEUE_DT).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      if (r.START_DT !== '') expect(ms(r.START_DT)).toBeGreaterThanOrEqual(ms(r.QUEUE_DT));
      if (r.END_DT !== '') expect(ms(r.END_DT)).toBeGreaterThanOrEqual(ms(r.START_DT));
    }
    expect(new Set(rows.map((r) => r.PROCESS_QUEUE_ID)).size).toBe(6000);
    expect(rows[0]!.QUEUE_DT >= '2025-01-01').toBe(true);
    expect(rows.at(-1)!.QUEUE_DT < '2025-05-02').toBe(true);
  });

  it('is deterministic: same seed, same bytes; another seed, other bytes', () => {
    const a = synthesizeLog({ rows: 2000, seed: 9, out: join(dir, 'a.csv') });
    const b = synthesizeLog({ rows: 2000, seed: 9, out: join(dir, 'b.csv') });
    const c = synthesizeLog({ rows: 2000, seed: 10, out: join(dir, 'c.csv') });
    expect(readFileSync(join(dir, 'a.csv')).equals(readFileSync(join(dir, 'b.csv')))).toBe(true);
    expect(readFileSync(a.truthPath, 'utf8')).toBe(readFileSync(b.truthPath, 'utf8'));
    expect(readFileSync(join(dir, 'a.csv')).equals(readFileSync(join(dir, 'c.csv')))).toBe(false);
    expect(c.truth.seed).toBe(10);
  });

  it('puts more load in the close windows, and the truth counts them exactly', () => {
    const counts = new Map<string, number>();
    let inClose = 0;
    for (const r of rows) {
      const m = closeMonthOf(ms(r.QUEUE_DT), 'UTC');
      if (m) (counts.set(m, (counts.get(m) ?? 0) + 1), inClose++);
    }
    expect(result.truth.closeMonths).toEqual([...counts.entries()].sort().map(([month, n]) => ({ month, rows: n })));
    // close days are ~15 of ~30 days a month but carry clearly more than half the rows
    expect(inClose / rows.length).toBeGreaterThan(0.6);
  });

  it('plants batch-input clusters: a dependent chain called once per key value in its close month', () => {
    const byId = new Map(rows.map((r) => [r.PROCESS_QUEUE_ID, r]));
    expect(result.truth.batchInputClusters.length).toBeGreaterThanOrEqual(2);
    for (const c of result.truth.batchInputClusters) {
      expect(c.processIds.length).toBeGreaterThanOrEqual(2);
      expect(c.processIds.length).toBeLessThanOrEqual(4);
      c.processIds.forEach((pid, step) => {
        const calls = rows.filter((r) => r.PROCESS_ID === pid);
        expect(calls.length).toBe(c.callCounts[step]);
        const values = new Set(calls.map((r) => new Map(r.PARAM_DESCR_LIST.split(';').map((kv) => kv.split('=') as [string, string])).get(c.key)));
        expect(values.size).toBe(c.distinctKeyValues);
        for (const r of calls) {
          expect(closeMonthOf(ms(r.QUEUE_DT), 'UTC')).toBe(c.closeMonth);
          if (step > 0) {
            const dep = byId.get(r.DEP_PROCESS_QUEUE_ID)!;
            expect(dep.PROCESS_ID).toBe(c.processIds[step - 1]);
            expect(dep.PARAM_DESCR_LIST).toBe(r.PARAM_DESCR_LIST);
            expect(ms(r.QUEUE_DT)).toBeGreaterThanOrEqual(ms(dep.END_DT));
          } else expect(r.DEP_PROCESS_QUEUE_ID).toBe('');
        }
      });
      expect(c.firstQueueDt).toBe(rows.find((r) => r.PROCESS_ID === c.processIds[0])!.QUEUE_DT);
    }
  });

  it('plants a slow machine, a failing process and peak-hour queueing that the data shows', () => {
    const t = result.truth;
    const run = (r: Row) => (ms(r.END_DT) - ms(r.START_DT)) / 1000;
    const started = rows.filter((r) => r.START_DT !== '');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const slow = mean(started.filter((r) => r.ASSIGNED_MACHINE_ID === t.slowMachine.machineId).map(run));
    const other = mean(started.filter((r) => r.ASSIGNED_MACHINE_ID !== t.slowMachine.machineId).map(run));
    expect(slow / other).toBeGreaterThan(2);
    expect(t.slowMachine.meanRunSeconds).toBeCloseTo(slow, 1);
    const failing = rows.filter((r) => r.PROCESS_ID === t.failingProcess.processId && r.STATUS_CD !== 'CANCELLED');
    expect(failing.length).toBe(t.failingProcess.runs);
    expect(failing.filter((r) => r.STATUS_CD === 'ERROR').length).toBe(t.failingProcess.errors);
    expect(t.failingProcess.errors / t.failingProcess.runs).toBeGreaterThan(5 * t.failingProcess.errorRateOtherProcesses);
    expect(t.peakHourQueueing.meanWaitSecondsPeak).toBeGreaterThan(5 * t.peakHourQueueing.meanWaitSecondsOffPeak);
  });

  it('plants duplicate runs (same process, params and user within minutes) and dependency chains', () => {
    const byId = new Map(rows.map((r) => [r.PROCESS_QUEUE_ID, r]));
    expect(result.truth.duplicateRuns.length).toBeGreaterThanOrEqual(3);
    for (const d of result.truth.duplicateRuns) {
      expect(d.queueIds.length).toBeGreaterThanOrEqual(2);
      const group = d.queueIds.map((id) => byId.get(id)!);
      for (const r of group) expect([r.PROCESS_ID, r.PARAM_DESCR_LIST, r.USER_ID]).toEqual([d.processId, d.params, d.userId]);
      const span = (ms(group.at(-1)!.QUEUE_DT) - ms(group[0]!.QUEUE_DT)) / 1000;
      expect(span).toBe(d.spanSeconds);
      expect(span).toBeLessThanOrEqual(20 * 60);
    }
    for (const chain of result.truth.dependencyChains) {
      const heads = rows.filter((r) => r.PROCESS_ID === chain.processIds[0]);
      expect(heads.length).toBe(chain.runs);
      for (const head of heads) {
        let prev = head;
        for (const pid of chain.processIds.slice(1)) {
          const next = rows.find((r) => r.DEP_PROCESS_QUEUE_ID === prev.PROCESS_QUEUE_ID)!;
          expect(next.PROCESS_ID).toBe(pid);
          expect(next.MASTER_PROCESS_QUEUE_ID).toBe(head.PROCESS_QUEUE_ID);
          expect(next.SCHEDULE_ID).toBe(chain.scheduleId);
          prev = next;
        }
      }
    }
  });

  it('writes the truth beside the data with sorted keys', () => {
    const text = readFileSync(result.truthPath, 'utf8');
    expect(result.truthPath).toBe(join(dir, 'log.csv.truth.json'));
    const top = Object.keys(JSON.parse(text) as object);
    expect(top).toEqual([...top].sort());
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(result.truth)));
  });

  it.each([
    [{ rows: 10 }, /--rows must be an integer from 1000/],
    [{ rows: 1.5e3 + 0.5 }, /--rows must be an integer/],
    [{ seed: -1 }, /--seed must be a non-negative integer/],
    [{ start: '2025-13' }, /--start must be a month YYYY-MM; got "2025-13"/],
    [{ months: 1 }, /--months must be an integer from 2 to 36/],
  ])('rejects bad options %j', (bad, msg) => {
    const out = join(dir, 'bad.csv');
    expect(() => synthesizeLog({ rows: 2000, seed: 1, out, ...bad })).toThrow(msg);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a directory as --out and an unwritable path, leaving nothing behind; creates missing parent directories (like export)', () => {
    expect(() => synthesizeLog({ rows: 2000, seed: 1, out: dir })).toThrow(/is a directory/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(() => synthesizeLog({ rows: 2000, seed: 1, out: join(file, 'x.csv') })).toThrow(HarnessError);
    expect(() => synthesizeLog({ rows: 2000, seed: 1, out: join(file, 'x.csv') })).toThrow(/cannot write .*a-file\/x\.csv: (ENOTDIR|EEXIST)/);
    const nested = join(dir, 'missing', 'deeper', 'x.csv');
    synthesizeLog({ rows: 2000, seed: 1, out: nested });
    expect(existsSync(nested)).toBe(true);
  });
});

describe('prng', () => {
  it('is deterministic per seed and forks independent streams', () => {
    const a = createRng(1);
    const b = createRng(1);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(createRng(2).next()).not.toBe(xs[0]);
    expect(createRng(1).fork('x').next()).not.toBe(createRng(1).fork('y').next());
    const r = createRng(7);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(10);
      expect(v >= 0 && v < 10 && Number.isInteger(v)).toBe(true);
    }
  });
});
