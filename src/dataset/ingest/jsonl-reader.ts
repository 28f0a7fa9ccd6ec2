/**
 * JSON Lines reader: one JSON object per line, keys are column names. Blank lines are
 * skipped; a line that is not a JSON object is an error naming its line. Keys that first
 * appear in a later line become new columns. Values: strings as they are, numbers and
 * booleans as their JSON text, nested arrays/objects as stable JSON text, null as null.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { HarnessError } from '../../common/errors.ts';
import { stableStringify } from '../../common/hash.ts';
import type { Cell, ReadProgress, RowSink, SourceDigest } from './reader.ts';
import { Utf8Checker } from './utf8.ts';

const CHUNK = 1 << 20;

export function readJsonl(path: string, sink: RowSink, progress?: ReadProgress): SourceDigest {
  const utf8 = new Utf8Checker(path);
  const hash = createHash('sha256');
  const index = new Map<string, number>();
  let cells: Cell[] = [];
  let line = 0;
  let rows = 0;
  let headerSent = false;
  const onLine = (text: string): void => {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new HarnessError('bad-json', `line ${line} is not valid JSON: ${(err as Error).message}`, {
        file: path,
        line,
        hint: 'each line must be one complete JSON object; fix or remove that line',
      });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new HarnessError('bad-json', `line ${line} is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, expected a JSON object`, {
        file: path,
        line,
        hint: 'each line must be one JSON object whose keys are column names',
      });
    }
    const obj = value as Record<string, unknown>;
    if (!headerSent) {
      const keys = Object.keys(obj);
      keys.forEach((k, i) => index.set(k, i));
      sink.header(keys);
      headerSent = true;
    }
    cells.fill(null);
    for (const key in obj) {
      let i = index.get(key);
      if (i === undefined) {
        i = index.size;
        index.set(key, i);
        sink.addColumn(key, line);
      }
      if (i >= cells.length) cells = cells.concat(new Array<Cell>(i + 1 - cells.length).fill(null));
      cells[i] = toCell(obj[key]);
    }
    rows++;
    sink.row(cells, line);
  };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    let rest: Buffer | null = null;
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, pos);
      if (got === 0) break;
      pos += got;
      const chunk = buf.subarray(0, got);
      utf8.push(chunk);
      hash.update(chunk);
      const data: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        onLine(data.toString('utf8', start, nl > start && data[nl - 1] === 13 ? nl - 1 : nl));
        start = nl + 1;
      }
      rest = start < data.length ? Buffer.from(data.subarray(start)) : null;
      progress?.(pos);
    }
    utf8.end();
    if (rest) onLine(rest.toString('utf8'));
  } finally {
    closeSync(fd);
  }
  if (rows === 0) throw new HarnessError('no-rows', `${path} has no JSON objects (only blank lines)`, { file: path, hint: 'one JSON object per line' });
  return { sha256: hash.digest('hex') };
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return stableStringify(v);
}
