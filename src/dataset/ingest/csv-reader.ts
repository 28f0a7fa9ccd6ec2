/**
 * Streaming CSV reader: csv-parse (bom: true) over chunks that were first checked to be valid
 * UTF-8. The file is read synchronously in 1 MiB chunks and each chunk is pushed through the
 * parser's public stream interface; records are drained right after each write, so memory
 * stays at one chunk's worth of records.
 *
 * Line numbers are tracked here rather than by csv-parse: a record starts on the line after
 * the previous record plus any newlines embedded in its quoted fields; blank lines advance
 * the count and are skipped. Field-count mismatches ("ragged rows") are detected here too,
 * so the message can say what the header expects.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { CsvError, Parser } from 'csv-parse';
import { HarnessError } from '../../common/errors.ts';
import type { ReadProgress, RowSink, SourceDigest } from './reader.ts';
import { Utf8Checker } from './utf8.ts';

const CHUNK = 1 << 20;

export async function readCsv(path: string, sink: RowSink, progress?: ReadProgress): Promise<SourceDigest> {
  const parser = new Parser({ bom: true, relax_column_count: true, skip_empty_lines: false, readableHighWaterMark: 1 << 30 } as ConstructorParameters<typeof Parser>[0]);
  // Errors are read synchronously from `parser.errored`; the listener only keeps Node from
  // treating the stream's 'error' event as unhandled.
  parser.on('error', () => {});
  const utf8 = new Utf8Checker(path);
  const hash = createHash('sha256');
  let width = -1;
  let line = 0;
  let rows = 0;
  const drain = (): void => {
    let rec: string[] | null;
    while ((rec = parser.read() as string[] | null) !== null) {
      line++;
      let embedded = 0;
      for (let i = 0; i < rec.length; i++) if (rec[i]!.includes('\n')) embedded += countNewlines(rec[i]!);
      if (width < 0) {
        if (rec.length === 1 && rec[0] === '') {
          line += embedded;
          continue;
        }
        width = rec.length;
        sink.header(rec);
      } else if (rec.length !== width) {
        if (rec.length === 1 && rec[0] === '') {
          line += embedded;
          continue; // blank line
        }
        throw new HarnessError('ragged-row', `line ${line} has ${rec.length} field${rec.length === 1 ? '' : 's'}, but the header has ${width}`, {
          file: path,
          line,
          hint: 'every row needs one value per header column; quote values that contain commas',
        });
      } else {
        rows++;
        sink.row(rec, line);
      }
      line += embedded;
    }
    const err = parser.errored;
    if (err) throw csvError(path, err);
  };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, pos);
      if (got === 0) break;
      pos += got;
      // The parser keeps references into a chunk it has not finished, so it gets its own copy.
      const chunk = Buffer.from(buf.subarray(0, got));
      utf8.push(chunk);
      hash.update(chunk);
      parser.write(chunk);
      drain();
      progress?.(pos);
    }
  } finally {
    closeSync(fd);
  }
  utf8.end();
  await new Promise<void>((resolve, reject) => {
    const finish = (): void => {
      try {
        drain();
        resolve();
      } catch (err) {
        reject(err);
      }
    };
    parser.on('readable', () => {
      try {
        drain();
      } catch (err) {
        reject(err);
      }
    });
    parser.once('end', finish);
    parser.once('error', (err: Error) => reject(csvError(path, err)));
    parser.end();
  });
  if (width < 0) throw new HarnessError('empty-input', `${path} has no header line`, { file: path, hint: 'the first line must name the columns' });
  if (rows === 0) {
    throw new HarnessError('no-rows', `${path} has a header but no data rows`, { file: path, line: 1, hint: 'export the log again with its rows' });
  }
  return { sha256: hash.digest('hex') };
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function csvError(path: string, err: Error): HarnessError {
  if (err instanceof HarnessError) return err;
  const lines = (err as CsvError & { lines?: number }).lines;
  const code = (err as CsvError).code;
  const at = lines === undefined ? {} : { line: lines };
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return new HarnessError('unterminated-quote', `a quoted field is never closed (the file ends inside quotes)${lines === undefined ? '' : ` at line ${lines}`}`, {
      file: path,
      ...at,
      hint: 'close the quote, or double any quote character inside a quoted value ("")',
    });
  }
  if (code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE' || code === 'INVALID_OPENING_QUOTE') {
    return new HarnessError('bad-quote', `malformed quoting: ${err.message}`, { file: path, ...at, hint: 'inside a quoted value, write a quote character as ""' });
  }
  return new HarnessError('csv', `cannot parse CSV: ${err.message}`, { file: path, ...at });
}
