import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Int32, Table, tableFromIPC, tableToIPC, TimestampMillisecond, Type, Utf8, vectorFromArray } from 'apache-arrow';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type HarnessConfig } from '../../src/config/index.ts';
import { CANONICAL_ROLES } from '../../src/config/roles.ts';
import { datasetArrowPath, ensureDatasetArrowFile, exportDataset, ingestFile, JOB_COLUMNS, openStore, type ExportFormat } from '../../src/dataset/index.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

const GOOD = join(ROOT, 'fixtures/ingest/good.csv');
let dir: string;
let config: HarnessConfig;
let fingerprint: string;

beforeEach(async () => {
  dir = tempDir();
  config = loadConfig({ cwd: dir, env: {} });
  fingerprint = (await ingestFile(config, { file: GOOD })).dataset.fingerprint;
});

function exportTo(format: ExportFormat, ext = format): string {
  const out = join(dir, `out.${ext}`);
  const db = openStore(config.store, { readonly: true });
  try {
    const r = exportDataset(db, 1, { format, out });
    expect(r.rows).toBe(5);
    expect(r.columns).toEqual([...CANONICAL_ROLES, 'PRIORITY']);
  } finally {
    db.close();
  }
  return out;
}

describe('export', () => {
  for (const format of ['csv', 'jsonl', 'arrow'] as const) {
    it(`${format}: re-ingesting the export gives the same dataset (fingerprint)`, async () => {
      const out = exportTo(format);
      const fresh = loadConfig({ cwd: tempDir(), env: {} });
      const again = await ingestFile(fresh, { file: out });
      expect(again.dataset.fingerprint).toBe(fingerprint);
      expect(again.dataset.rowCount).toBe(5);
      // Same quality counts (the lines are the export's own lines).
      const counts = (q: typeof again.quality): number[] => Object.values(q).map((i) => i.count);
      expect(counts(again.quality)).toEqual(counts((await ingestFile(config, { file: out })).quality));
      expect(counts(again.quality)).toEqual([1, 2, 1, 1]);
    });
  }

  it('csv: canonical header, ISO UTC times, and no cell a spreadsheet would run as a formula', () => {
    const text = readFileSync(exportTo('csv'), 'utf8');
    const rows = parse(text) as string[][];
    expect(rows[0]).toEqual([...CANONICAL_ROLES, 'PRIORITY']);
    expect(rows[1]![CANONICAL_ROLES.indexOf('queue_dt')]).toBe('2025-01-20T08:00:00.000Z');
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(rows[5]![14]).toBe("'=SUM(A1)");
    expect(rows[5]![CANONICAL_ROLES.indexOf('params')]).toBe('RESOURCES=1:ppn=64:x86_64;NOTE="quoted", with comma');
  });

  it("csv: a leading ' is removed only in a CSV carrying our export header; other CSVs are kept as they are, and the round trip holds", async () => {
    const src = join(ROOT, 'fixtures/ingest/leading-quote.csv');
    const cfg = loadConfig({ cwd: tempDir(), env: {} });
    const first = await ingestFile(cfg, { file: src });
    const stored = (storePath: string, id: number): unknown[][] => {
      const db = new Database(storePath, { readonly: true });
      try {
        return db.prepare(`SELECT process_id, user_id, params, extra_json FROM jobs_${id} ORDER BY row_id`).raw(true).all() as unknown[][];
      } finally {
        db.close();
      }
    };
    // A source file (ERP header, not our export's): every cell kept byte for byte.
    const expected = [
      ["'=P1", "'@alice", "K='=x", JSON.stringify({ NOTE: "'=SUM(A1)" })],
      ['P2', "''+bob", 'K=1', JSON.stringify({ NOTE: '=SUM(B2)' })],
      ['P3', '-carol', 'K=2', JSON.stringify({ NOTE: "'plain" })],
    ];
    expect(stored(cfg.store, 1)).toEqual(expected);
    // Export (guards every formula-looking cell, including ones that already start with ') → ingest: same values, same fingerprint.
    const db = openStore(cfg.store, { readonly: true });
    const out = join(dir, 'quotes.csv');
    try {
      exportDataset(db, 1, { format: 'csv', out });
    } finally {
      db.close();
    }
    const cells = parse(readFileSync(out, 'utf8')) as string[][];
    for (const row of cells) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(cells[1]![CANONICAL_ROLES.indexOf('process_id')]).toBe("''=P1");
    expect(cells[3]![CANONICAL_ROLES.indexOf('user_id')]).toBe("'-carol");
    const fresh = loadConfig({ cwd: tempDir(), env: {} });
    const again = await ingestFile(fresh, { file: out });
    expect(stored(fresh.store, 1)).toEqual(expected);
    expect(again.dataset.fingerprint).toBe(first.dataset.fingerprint);
  });

  it('jsonl: one object per row with every column, null for empty', () => {
    const lines = readFileSync(exportTo('jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(5);
    expect(Object.keys(lines[0]!)).toEqual([...CANONICAL_ROLES, 'PRIORITY']);
    expect(lines[2]).toMatchObject({ process_queue_id: '1003', start_dt: null, end_dt: null, parent_id: '1001', PRIORITY: 'LOW' });
    expect(lines[4]).toMatchObject({ queue_dt: '2025-02-03T23:59:59.250Z', PRIORITY: '=SUM(A1)' });
  });

  it('arrow: Timestamp(ms, UTC) times and Utf8 strings that pandas/polars/DuckDB read as such', () => {
    const table = tableFromIPC(readFileSync(exportTo('arrow')));
    expect(table.numRows).toBe(5);
    expect(table.schema.fields.map((f) => f.name)).toEqual([...CANONICAL_ROLES, 'PRIORITY']);
    const qdt = table.schema.fields.find((f) => f.name === 'queue_dt')!;
    expect(qdt.type.typeId).toBe(Type.Timestamp);
    expect((qdt.type as unknown as { unit: number; timezone: string }).timezone).toBe('UTC');
    expect(table.schema.fields.find((f) => f.name === 'process_id')!.type.typeId).toBe(Type.Utf8);
    expect(table.getChild('queue_dt')!.get(4)).toBe(Date.UTC(2025, 1, 3, 23, 59, 59, 250));
    expect(table.getChild('end_dt')!.get(2)).toBeNull();
    expect(table.getChild('PRIORITY')!.get(0)).toBe('HIGH');
  });

  it('never leaves a temp file behind', () => {
    exportTo('csv');
    exportTo('arrow');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('dataset Arrow file (layout "2")', () => {
  it('is written on first use at datasetArrowPath with the layout the Arrow accessor reads', () => {
    const db = openStore(config.store);
    try {
      const path = ensureDatasetArrowFile(db, config.store, 1);
      expect(path).toBe(datasetArrowPath(config.store, 1, fingerprint));
      expect(path).toBe(join(dir, '.stat-harness', 'datasets', `1-${fingerprint.slice(0, 16)}.v2.arrow`));
      const table = tableFromIPC(readFileSync(path));
      expect(table.schema.fields.map((f) => f.name)).toEqual([...JOB_COLUMNS]);
      const kinds = Object.fromEntries(table.schema.fields.map((f) => [f.name, f.type.typeId]));
      expect(kinds).toMatchObject({ row_id: Type.Float, queue_dt: Type.Float, source_line: Type.Float, params: Type.Utf8, extra_json: Type.Utf8, process_queue_id: Type.Utf8, dep_id: Type.Utf8, process_id: Type.Dictionary, status: Type.Dictionary });
      expect(Object.fromEntries(table.schema.metadata)).toEqual({
        'stat-harness.fingerprint': fingerprint,
        'stat-harness.dataset_id': '1',
        'stat-harness.row_count': '5',
        'stat-harness.layout': '2',
      });
      const rows = new Database(config.store, { readonly: true }).prepare('SELECT * FROM jobs_1 ORDER BY row_id').all() as Record<string, unknown>[];
      for (let i = 0; i < rows.length; i++) {
        for (const c of JOB_COLUMNS) {
          const v = table.getChild(c)!.get(i) as unknown;
          const want = rows[i]![c];
          if (want === null && (c === 'queue_dt' || c === 'start_dt' || c === 'end_dt')) expect(v).toBeNaN();
          else expect(v).toBe(want);
        }
      }
      // Reused, not rewritten; a truncated file is rebuilt.
      const mtime = statSync(path).mtimeMs;
      expect(ensureDatasetArrowFile(db, config.store, 1)).toBe(path);
      expect(statSync(path).mtimeMs).toBe(mtime);
      truncateSync(path, 100);
      ensureDatasetArrowFile(db, config.store, 1);
      expect(tableFromIPC(readFileSync(path)).numRows).toBe(5);
      writeFileSync(path, 'not arrow at all');
      expect(tableFromIPC(readFileSync(ensureDatasetArrowFile(db, config.store, 1))).numRows).toBe(5);
      expect(() => ensureDatasetArrowFile(db, config.store, 9)).toThrow(/no dataset 9/);
    } finally {
      db.close();
    }
  });
});

describe('Arrow input', () => {
  it('reads zoned timestamps as instants, naive ones as wall times in --tz, ints as text', async () => {
    const wall = Date.UTC(2025, 0, 15, 12, 0);
    const table = new Table({
      process_queue_id: vectorFromArray([7, 8], new Int32()),
      process_id: vectorFromArray(['P', 'Q'], new Utf8()),
      queue_dt: vectorFromArray([wall, wall], new TimestampMillisecond()),
      start_dt: vectorFromArray([wall, null], new TimestampMillisecond('UTC')),
      end_dt: vectorFromArray([wall + 60_000, null], new TimestampMillisecond('UTC')),
    });
    const file = join(dir, 'in.arrow');
    writeFileSync(file, tableToIPC(table, 'file'));
    const r = await ingestFile(config, { file, timezone: 'Europe/Berlin' });
    expect(r.format).toBe('arrow');
    const rows = new Database(config.store, { readonly: true }).prepare(`SELECT process_queue_id, queue_dt, start_dt, end_dt FROM jobs_${r.dataset.id} ORDER BY row_id`).all();
    expect(rows).toEqual([
      { process_queue_id: '7', queue_dt: wall - 3_600_000, start_dt: wall, end_dt: wall + 60_000 },
      { process_queue_id: '8', queue_dt: wall - 3_600_000, start_dt: null, end_dt: null },
    ]);
    expect(r.quality.missingTimestamps).toEqual({ count: 1, lines: [2] });
    // An Arrow *stream* (no footer) is refused with a clear message.
    const stream = join(dir, 'stream.arrow');
    writeFileSync(stream, tableToIPC(table, 'stream'));
    await expect(ingestFile(config, { file: stream })).rejects.toThrow(/not an Arrow IPC file|footer is missing/);
  });
});

