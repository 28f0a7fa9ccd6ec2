import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { createDatasetIndexesSql, createDatasetTablesSql, createTimestampParser, datasetFingerprint, FINGERPRINT_DOMAIN, openStore, parseMapFlags, parseParams, resolveMapping } from '../../src/dataset/index.ts';
import { locateInvalidUtf8, Utf8Checker } from '../../src/dataset/ingest/utf8.ts';
import { queueIdAfter } from '../../src/dataset/ingest/normalize.ts';
import { redactValue } from '../../src/dataset/index.ts';
import { tempDir } from '../helpers/cli.ts';

const iso = (r: number | string): string => (typeof r === 'number' ? new Date(r).toISOString() : `error: ${r}`);

describe('timestamps', () => {
  const utc = createTimestampParser('UTC');
  const berlin = createTimestampParser('Europe/Berlin');

  it('reads ISO 8601 with Z, offsets, space or T, optional seconds and fractions', () => {
    expect(iso(utc('2012-12-31T23:22:27Z'))).toBe('2012-12-31T23:22:27.000Z');
    expect(iso(utc('2025-01-01 00:00'))).toBe('2025-01-01T00:00:00.000Z');
    expect(iso(utc('2025-01-01T00:00:00+05:30'))).toBe('2024-12-31T18:30:00.000Z');
    expect(iso(utc('2025-01-01T00:00:00-0200'))).toBe('2025-01-01T02:00:00.000Z');
    expect(iso(utc('2025-01-01T00:00:00+01'))).toBe('2024-12-31T23:00:00.000Z');
    expect(iso(utc('2024-02-29 10:00:00.5'))).toBe('2024-02-29T10:00:00.500Z');
    expect(iso(utc('2024-02-29 10:00:00.123456789'))).toBe('2024-02-29T10:00:00.123Z');
  });

  it('refuses impossible calendar dates and times instead of rolling them over', () => {
    expect(utc('2025-02-30 00:00')).toBe('2025-02-30 is not a calendar date');
    expect(utc('2025-13-01 00:00')).toBe('2025-13-01 is not a calendar date');
    expect(utc('2023-02-29 00:00')).toBe('2023-02-29 is not a calendar date');
    expect(utc('2025-01-01 24:00')).toMatch(/not a time of day/);
    expect(utc('2025-01-01 10:00:60')).toMatch(/out of range/);
    expect(utc('2025-01-01')).toMatch(/expected YYYY-MM-DD HH:MM/);
    expect(utc('01/02/2025 10:00')).toMatch(/expected YYYY-MM-DD HH:MM/);
    expect(utc('2025-01-01 10:00 UTC')).toMatch(/unexpected text/);
    expect(utc('2025-01-01T10:00+25:00')).toMatch(/out of range/);
  });

  it('reads wall times in the source time zone across DST changes', () => {
    // Winter (+01:00) and summer (+02:00).
    expect(iso(berlin('2025-01-15 12:00'))).toBe('2025-01-15T11:00:00.000Z');
    expect(iso(berlin('2025-07-15 12:00'))).toBe('2025-07-15T10:00:00.000Z');
    // Around the spring-forward gap (02:00 → 03:00 on 2025-03-30).
    expect(iso(berlin('2025-03-30 01:59:59'))).toBe('2025-03-30T00:59:59.000Z');
    expect(iso(berlin('2025-03-30 03:00'))).toBe('2025-03-30T01:00:00.000Z');
    expect(berlin('2025-03-30 02:30')).toMatch(/does not exist in Europe\/Berlin/);
    // The fall-back fold (02:00–03:00 twice on 2025-10-26): the earlier instant.
    expect(iso(berlin('2025-10-26 02:30'))).toBe('2025-10-26T00:30:00.000Z');
    expect(iso(berlin('2025-10-26 03:00'))).toBe('2025-10-26T02:00:00.000Z');
    // An explicit offset wins over the zone.
    expect(iso(berlin('2025-07-15T12:00:00Z'))).toBe('2025-07-15T12:00:00.000Z');
    // Southern hemisphere: DST in January.
    expect(iso(createTimestampParser('Australia/Sydney')('2025-01-15 12:00'))).toBe('2025-01-15T01:00:00.000Z');
  });
});

describe('params', () => {
  it('splits each pair on the first "=", counts malformed pairs, keeps n intact', () => {
    const p = parseParams('A=1;;B;=3;C==4;n=5');
    expect(p.pairs).toEqual(['A', '1', 'C', '=4', 'n', '5']);
    expect(p.malformed).toBe(2);
  });

  it('keeps values with "=" and letters, ignores empty segments, keeps repeated keys', () => {
    expect(parseParams('RESOURCES=1:ppn=64:x86_64:cl_zewura#excl;NODES=node1241;').pairs).toEqual(['RESOURCES', '1:ppn=64:x86_64:cl_zewura#excl', 'NODES', 'node1241']);
    expect(parseParams('name=nnn;note=n=n').pairs).toEqual(['name', 'nnn', 'note', 'n=n']);
    expect(parseParams('K=1;K=2; ;V=').pairs).toEqual(['K', '1', 'K', '2', 'V', '']);
    expect(parseParams('').malformed).toBe(0);
    expect(parseParams(' A = 1 ').pairs).toEqual(['A', ' 1 ']);
  });
});

describe('column mapping', () => {
  const header = ['PROCESS_QUEUE_ID', 'process_id', 'Status_Cd', 'queue_dt', 'START_DT', 'END_DT', 'PARAM_DESCR_LIST', 'PRIORITY', 'ZONE'];

  it('recognizes ERP names in any case and canonical role names; keeps the rest as sorted extras', () => {
    const m = resolveMapping(header, {}, 'x.csv');
    expect(m.roles).toEqual({
      process_queue_id: 'PROCESS_QUEUE_ID',
      process_id: 'process_id',
      status: 'Status_Cd',
      queue_dt: 'queue_dt',
      start_dt: 'START_DT',
      end_dt: 'END_DT',
      params: 'PARAM_DESCR_LIST',
    });
    expect(m.extras).toEqual(['PRIORITY', 'ZONE']);
    expect(m.detectedBy.status).toBe('erp-name');
    expect(m.detectedBy.queue_dt).toBe('erp-name');
  });

  it('--map overrides win; an auto-detected column that loses its role is kept as an extra', () => {
    const m = resolveMapping(header, { ZONE: 'status' }, 'x.csv');
    expect(m.roles.status).toBe('ZONE');
    expect(m.extras).toEqual(['PRIORITY', 'Status_Cd']);
  });

  it('explains unknown roles, unknown columns and missing required roles', () => {
    expect(() => resolveMapping(header, { ZONE: 'stauts' }, 'x.csv')).toThrow(/"stauts" is not a canonical role \(did you mean "status"\?\)/);
    expect(() => resolveMapping(header, { PRIORTY: 'status' }, 'x.csv')).toThrow(/no column "PRIORTY" \(did you mean "PRIORITY"\?\)/);
    try {
      resolveMapping(['JOB', 'PROCESS_ID', 'QUEUE_DT', 'START_DT', 'END_DT'], {}, 'x.csv');
      expect.unreachable();
    } catch (err) {
      const e = err as HarnessError;
      expect(e.code).toBe('missing-column');
      expect(e.message).toContain('process_queue_id');
      expect(e.message).toContain('the header is: JOB, PROCESS_ID, QUEUE_DT, START_DT, END_DT');
      expect(e.hint).toContain('--map JOB=process_queue_id');
      expect(e.line).toBe(1);
    }
  });

  it('refuses two columns for one role, duplicate and empty header names, and bad --map flags', () => {
    expect(() => resolveMapping(['STATUS_CD', 'status', ...header.filter((h) => h !== 'Status_Cd')], {}, 'x.csv')).toThrow(/would both be role status/);
    expect(() => resolveMapping(['A', 'A'], {}, 'x.csv')).toThrow(/both named "A"/);
    expect(() => resolveMapping(['A', ''], {}, 'x.csv')).toThrow(/column 2 of the header has no name/);
    expect(() => parseMapFlags(['JOB'])).toThrow(/must look like COLUMN=role/);
    expect(parseMapFlags(['A=B=process_id'])).toEqual({ 'A=B': 'process_id' });
  });
});

describe('fingerprint', () => {
  /** A store with one dataset table holding `rows` (queue id, process id, queue_dt) inserted in the given order. */
  function fingerprintOf(rows: [string, string, number][], extra: (string | null)[] = []): string {
    const db = openStore(join(tempDir(), 'fp.db'));
    try {
      db.exec(createDatasetTablesSql(1));
      const insert = db.prepare('INSERT INTO jobs_1 (row_id, process_queue_id, process_id, queue_dt, extra_json, source_line) VALUES (?, ?, ?, ?, ?, ?)');
      rows.forEach((r, i) => insert.run(i + 1, r[0], r[1], r[2], extra[i] ?? null, 100 + i));
      db.exec(createDatasetIndexesSql(1));
      return datasetFingerprint(db, 1);
    } finally {
      db.close();
    }
  }
  const rows: [string, string, number][] = [
    ['Q1', 'P', 1000],
    ['Q2', 'P', 2000],
    ['Q3', 'R', 3000],
    ['Q4', 'R', 4000],
  ];

  it('is independent of row order, row ids and source lines, and changes with any content', () => {
    const base = fingerprintOf(rows);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf([rows[3]!, rows[1]!, rows[0]!, rows[2]!])).toBe(base);
    expect(fingerprintOf(rows.slice(0, 3))).not.toBe(base);
    expect(fingerprintOf([rows[0]!, rows[1]!, rows[2]!, ['Q4', 'R', 4001]])).not.toBe(base);
    expect(fingerprintOf(rows, [null, null, null, '{"X":"1"}'])).not.toBe(base);
    // Field boundaries are unambiguous: moving a character between two fields changes it.
    expect(fingerprintOf([['Q1', 'PR', 1]])).not.toBe(fingerprintOf([['Q1P', 'R', 1]]));
  });

  it('is sha256 over JSON.stringify of each row in queue-id order (independent of how SQLite renders JSON)', () => {
    const tricky = ['q"uote', 'back\\slash', 'tab\tnl\ncr\r', '\u0001\u001f\u007f', 'é€😀', '\u2028', '<&>'];
    const rowsIn: [string, string, number][] = tricky.map((p, i) => [`Q${i}`, p, 1_735_689_600_000 + i]);
    const extra = tricky.map((p) => JSON.stringify({ X: p }));
    const expected = createHash('sha256')
      .update(FINGERPRINT_DOMAIN)
      .update(
        rowsIn
          .map((r, i) => [r, i] as const)
          .sort((a, b) => (a[0][0] < b[0][0] ? -1 : 1))
          .map(([r, i]) => JSON.stringify([r[0], r[1], null, null, null, r[2], null, null, null, null, null, null, null, null, extra[i]]))
          .join(','),
      )
      .digest('hex');
    expect(fingerprintOf(rowsIn, extra)).toBe(expected);
  });
});

describe('queue-id order of the sorted fast path', () => {
  it('is a strict total order: integers numerically, before other ids in code-unit order', () => {
    expect(queueIdAfter('10', '9')).toBe(true);
    expect(queueIdAfter('9', '10')).toBe(false);
    expect(queueIdAfter('10', '10')).toBe(false);
    expect(queueIdAfter('A1', '99999999999999999999')).toBe(true);
    expect(queueIdAfter('5', 'A1')).toBe(false);
    expect(queueIdAfter('007', '7')).toBe(true);
    expect(queueIdAfter('7', '007')).toBe(false);
    expect(queueIdAfter('B', 'A')).toBe(true);
    const ids = ['0', '2', '10', '123456789012345678901', '007', 'A', 'a'];
    for (let i = 1; i < ids.length; i++) for (let j = 0; j < i; j++) expect([ids[i], ids[j], queueIdAfter(ids[i]!, ids[j]!)]).toEqual([ids[i], ids[j], true]);
  });
});

describe('redaction', () => {
  it('is a salted, stable 16-hex hash', () => {
    expect(redactValue('s', 'U1')).toMatch(/^h:[0-9a-f]{16}$/);
    expect(redactValue('s', 'U1')).toBe(redactValue('s', 'U1'));
    expect(redactValue('s', 'U1')).not.toBe(redactValue('t', 'U1'));
  });
});

describe('UTF-8 checking', () => {
  it('finds the line and column of the first invalid byte, across chunk boundaries', () => {
    const dir = tempDir();
    const file = join(dir, 'x.csv');
    const good = Buffer.from('a,b\nü,€\n', 'utf8');
    writeFileSync(file, Buffer.concat([good, Buffer.from('ok,caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    expect(locateInvalidUtf8(file)).toMatchObject({ line: 3, column: 7, byte: 0xe9 });
    const checker = new Utf8Checker(file);
    // A multi-byte character split between chunks is fine.
    const euro = Buffer.from('€', 'utf8');
    checker.push(euro.subarray(0, 1));
    checker.push(euro.subarray(1));
    expect(() => checker.push(Buffer.from([0x41, 0xe9, 0x0a]))).toThrow(/x\.csv is not valid UTF-8: invalid byte 0xe9/);
  });
});
