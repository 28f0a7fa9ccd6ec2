/**
 * Arrow IPC file reader (the caller has already checked the ARROW1 magic and footer).
 * Timestamp and Date columns arrive as epoch ms; a Timestamp without a time zone is a wall
 * time and is read in the source time zone, like a CSV time without an offset. Strings and
 * dictionary strings arrive as text; other numbers as their decimal text (so an integer id
 * column becomes the same text a CSV export would hold). "Lines" are 1-based row numbers.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RecordBatchFileReader, Type, type DataType, type Vector } from 'apache-arrow';
import { HarnessError } from '../../common/errors.ts';
import type { Cell, ReadProgress, RowSink, SourceDigest } from './reader.ts';
import { wallTimeResolver } from './timestamps.ts';

export function readArrow(path: string, timeZone: string, sink: RowSink, progress?: ReadProgress): SourceDigest {
  const bytes = readFileSync(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let reader: RecordBatchFileReader;
  try {
    reader = RecordBatchFileReader.from(bytes) as RecordBatchFileReader;
    reader.open();
  } catch (err) {
    throw new HarnessError('not-arrow', `${path} is not a readable Arrow IPC file: ${(err as Error).message}`, { file: path });
  }
  const fields = reader.schema.fields;
  sink.header(fields.map((f) => f.name));
  const toUtc = timeZone === 'UTC' ? null : wallTimeResolver(timeZone);
  const cells: Cell[] = new Array<Cell>(fields.length).fill(null);
  let row = 0;
  try {
    for (const batch of reader) {
      const cols = fields.map((_, i) => batch.getChildAt(i)!);
      const kinds = fields.map((f) => cellKind(f.type));
      for (let r = 0; r < batch.numRows; r++) {
        row++;
        for (let c = 0; c < cols.length; c++) cells[c] = readCell(cols[c]!, kinds[c]!, r, toUtc, path, row);
        sink.row(cells, row);
      }
    }
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    throw new HarnessError('not-arrow', `${path}: cannot read record batch (row ${row + 1}): ${(err as Error).message}`, { file: path, line: row + 1 });
  }
  progress?.(bytes.length);
  if (row === 0) throw new HarnessError('no-rows', `${path} has a schema but no rows`, { file: path, hint: 'write the rows to the file' });
  return { sha256 };
}

type CellKind = 'text' | 'instant' | 'wall' | 'number' | 'bigint' | 'bool' | 'json';

function cellKind(type: DataType): CellKind {
  switch (type.typeId) {
    case Type.Timestamp: {
      const tz = (type as DataType & { timezone?: string | null }).timezone;
      return tz ? 'instant' : 'wall';
    }
    case Type.Date:
      return 'instant';
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Dictionary:
      return 'text';
    case Type.Int:
      return (type as DataType & { bitWidth: number }).bitWidth === 64 ? 'bigint' : 'number';
    case Type.Float:
    case Type.Decimal:
      return 'number';
    case Type.Bool:
      return 'bool';
    default:
      return 'json';
  }
}

function readCell(col: Vector, kind: CellKind, r: number, toUtc: ((wall: number) => number | string) | null, path: string, row: number): Cell {
  const v: unknown = col.get(r);
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'text':
      return String(v);
    case 'instant':
      return Number(v);
    case 'wall': {
      if (toUtc === null) return Number(v);
      const utc = toUtc(Number(v));
      if (typeof utc === 'string') throw new HarnessError('bad-timestamp', `row ${row}: ${new Date(Number(v)).toISOString().slice(0, 19)} ${utc}`, { file: path, line: row });
      return utc;
    }
    case 'number':
      return String(v);
    case 'bigint':
      return (v as bigint).toString();
    case 'bool':
      return v ? 'true' : 'false';
    default:
      return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  }
}
