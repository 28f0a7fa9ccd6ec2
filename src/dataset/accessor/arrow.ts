/**
 * Arrow backend: streams the record batches of a dataset's Arrow IPC file (layout "1", see
 * arrow-layout.ts) without native addons and without holding the file in memory.
 * apache-arrow's synchronous file reader wants the whole file as one buffer, so instead: the
 * file is validated (magic at both ends, footer length), its footer decoded for the schema
 * and the message blocks, and the messages (dictionaries and record batches, in file order)
 * are fed one by one to the synchronous *stream* reader behind a schema message we encode
 * ourselves (apache-arrow's file writer keeps the schema only in the footer). Memory is one
 * record batch plus the column dictionaries.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import { RecordBatchReader, RecordBatchStreamWriter, type Data, type RecordBatch, type Schema, type Vector } from 'apache-arrow';
// Deep import (package export "./*"): the footer decoder is not re-exported from the package root.
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { HarnessError } from '../../common/errors.ts';
import type { ColumnBatch } from '../types.ts';
import type { ColumnSpec } from './columns.ts';
import { selectRows, type ColumnValues, type CompiledWhere } from './where.ts';
import { ARROW_LAYOUT_VERSION, ARROW_META, expectedArrowFields } from './arrow-layout.ts';

const MAGIC = 'ARROW1';

export interface ArrowDataset {
  path: string;
  rowCount: number;
  datasetId: number;
  fingerprint: string;
  /** Extra source columns are not listed in the file; they come from DatasetInfo. */
  extraColumns: string[];
  scan(columns: readonly ColumnSpec[], batchSize: number, where: CompiledWhere | undefined): Generator<ColumnBatch, void, undefined>;
}

function layoutError(path: string, what: string): never {
  throw new HarnessError('arrow-file', `${path} is not a stat-harness dataset Arrow file: ${what}`, {
    file: path,
    hint: 'delete it: the runner rebuilds the dataset\'s Arrow file from the store on the next run (this is not the `export --format arrow` interchange file)',
  });
}

interface FileLayout {
  schema: Schema;
  /** Dictionary and record batch messages in file order: [offset, byte length]. */
  blocks: [number, number][];
}

/** Check magic and footer, decode the footer: the schema and where the messages are. */
function readLayout(fd: number, path: string): FileLayout {
  const size = fstatSync(fd).size;
  if (size < 8 + 10) layoutError(path, `it is only ${size} bytes (truncated or empty)`);
  const head = Buffer.alloc(8);
  readSync(fd, head, 0, 8, 0);
  if (head.toString('latin1', 0, 6) !== MAGIC) layoutError(path, 'the ARROW1 magic is missing at the start (is it a CSV, or an Arrow *stream* instead of a file?)');
  const tail = Buffer.alloc(10);
  readSync(fd, tail, 0, 10, size - 10);
  if (tail.toString('latin1', 4, 10) !== MAGIC) layoutError(path, 'the ARROW1 magic is missing at the end (the file is truncated)');
  const footerLength = tail.readInt32LE(0);
  const footerStart = size - 10 - footerLength;
  if (footerLength <= 0 || footerStart < 8) layoutError(path, `its footer length (${footerLength}) does not fit in ${size} bytes`);
  const footerBytes = Buffer.alloc(footerLength);
  readSync(fd, footerBytes, 0, footerLength, footerStart);
  let footer: Footer;
  try {
    footer = Footer.decode(footerBytes);
  } catch (err) {
    return layoutError(path, `its footer cannot be decoded (${(err as Error).message})`);
  }
  const blocks: [number, number][] = [...footer.dictionaryBatches(), ...footer.recordBatches()]
    .map((b): [number, number] => [Number(b.offset), b.metaDataLength + Number(b.bodyLength)])
    .sort((x, y) => x[0] - y[0]);
  for (const [offset, length] of blocks) {
    if (offset < 8 || length <= 0 || offset + length > footerStart) layoutError(path, 'its footer points outside the file');
  }
  return { schema: footer.schema, blocks };
}

/** The IPC stream encoding of a schema message (what the stream reader expects first). */
function schemaMessage(schema: Schema): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  writer.finish();
  const bytes = writer.toUint8Array(true);
  return bytes.subarray(0, bytes.length - 8); // drop the end-of-stream marker
}

/**
 * The schema message, then each message read into a buffer of its own: a dictionary the
 * reader keeps (all delta chunks of a column stay alive) then pins only its own bytes, not
 * a larger read chunk around it.
 */
function* messageChunks(fd: number, prefix: Uint8Array, blocks: readonly [number, number][]): Generator<Uint8Array, void, undefined> {
  yield prefix;
  for (const [offset, length] of blocks) {
    const buf = new Uint8Array(length);
    const got = readSync(fd, buf, 0, length, offset);
    if (got !== length) throw new Error(`short read at byte ${offset}`);
    yield buf;
  }
}

function openReader(path: string): { reader: RecordBatchReader; schema: Schema; close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new HarnessError('arrow-file', `cannot open ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: path, hint: 'check the path' });
  }
  try {
    const layout = readLayout(fd, path);
    const reader = RecordBatchReader.from(messageChunks(fd, schemaMessage(layout.schema), layout.blocks));
    if (!reader.isSync()) layoutError(path, 'unexpected asynchronous reader');
    reader.open();
    return { reader, schema: layout.schema, close: () => closeSync(fd) };
  } catch (err) {
    closeSync(fd);
    if (err instanceof HarnessError) throw err;
    return layoutError(path, (err as Error).message);
  }
}

/** Open and validate a dataset Arrow file; scans reopen it, so several scans may run at once. */
export function openArrowDataset(path: string): ArrowDataset {
  const { reader, schema, close } = openReader(path);
  let meta: Map<string, string>;
  try {
    meta = schema.metadata;
    if (meta.get(ARROW_META.layout) !== ARROW_LAYOUT_VERSION) {
      layoutError(path, `schema metadata ${ARROW_META.layout} is ${JSON.stringify(meta.get(ARROW_META.layout) ?? null)}, expected "${ARROW_LAYOUT_VERSION}"`);
    }
    const expected = expectedArrowFields();
    const got = schema.fields.map((f) => `${f.name}:${kindOfType(f.type)}`);
    // A dictionary column may also be plain Utf8: the better encoding for a high-cardinality
    // column such as a queue id (a shared dictionary of unique values grows with the file).
    const want = expected.map((f, i) => `${f.name}:${f.kind === 'dict' && got[i] === `${f.name}:utf8` ? 'utf8' : f.kind}`);
    if (got.join(',') !== want.join(',')) layoutError(path, `its fields are [${got.join(', ')}], expected [${expected.map((f) => `${f.name}:${f.kind}`).join(', ')}]`);
  } finally {
    reader.cancel();
    close();
  }
  const rowCount = Number(meta.get(ARROW_META.rowCount));
  const datasetId = Number(meta.get(ARROW_META.datasetId));
  if (!Number.isSafeInteger(rowCount) || rowCount < 0) layoutError(path, `schema metadata ${ARROW_META.rowCount} is not a row count`);
  return {
    path,
    rowCount,
    datasetId,
    fingerprint: meta.get(ARROW_META.fingerprint) ?? '',
    extraColumns: [],
    scan: (columns, batchSize, where) => scanArrow(path, schema, columns, batchSize, where),
  };
}

function kindOfType(type: { typeId: number; toString(): string }): string {
  const s = type.toString();
  if (s === 'Float64') return 'f64';
  if (s === 'Utf8') return 'utf8';
  if (s.startsWith('Dictionary<Int32, Utf8>')) return 'dict';
  return s;
}

// ---- decoding one record batch column into plain values ----

const utf8 = new TextDecoder('utf-8');

/** Up to this many entries a dictionary is decoded once into shared strings; beyond, lazily. */
const EAGER_DICTIONARY_LIMIT = 65_536;

/**
 * Decoded dictionary of one column during one scan. The ingest appends new values as delta
 * dictionary batches, and the reader then hands out a new vector whose leading chunks are
 * the ones already seen: only the new chunks are decoded. A low-cardinality dictionary is
 * decoded into one shared string per entry; a high-cardinality one (a queue id, unique per
 * row) is not — that array would grow with the dataset — each chunk is kept as one decoded
 * text and entries are sliced out of it when a row needs them.
 */
interface DecodedDictionary {
  chunks: Data[];
  /** Entry index where each chunk starts. */
  starts: number[];
  size: number;
  /** Eager mode: every entry, shared by all rows. */
  strings: (string | null)[] | undefined;
  /** Lazy mode: each chunk's text when its bytes are ASCII (offsets then index the text). */
  texts: (string | undefined)[];
  lastChunk: number;
}

function newDictionaryState(): DecodedDictionary {
  return { chunks: [], starts: [], size: 0, strings: [], texts: [], lastChunk: 0 };
}

function isValid(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap as Uint8Array | undefined;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return true;
  const bit = data.offset + i;
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

/** All strings of a Utf8 Data chunk; an ASCII value buffer is decoded once and sliced. */
function decodeUtf8(data: Data): (string | null)[] {
  const n = data.length;
  const out = new Array<string | null>(n);
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const base = offsets[data.offset]!;
  const endByte = offsets[data.offset + n]!;
  const region = bytes.subarray(base, endByte);
  if (isAscii(region)) {
    const text = utf8.decode(region);
    for (let i = 0; i < n; i++) out[i] = isValid(data, i) ? text.slice(offsets[data.offset + i]! - base, offsets[data.offset + i + 1]! - base) : null;
  } else {
    for (let i = 0; i < n; i++) out[i] = isValid(data, i) ? utf8.decode(bytes.subarray(offsets[data.offset + i]!, offsets[data.offset + i + 1]!)) : null;
  }
  return out;
}

function asciiText(data: Data): string | undefined {
  const offsets = data.valueOffsets as Int32Array;
  const region = (data.values as Uint8Array).subarray(offsets[data.offset]!, offsets[data.offset + data.length]!);
  return isAscii(region) ? utf8.decode(region) : undefined;
}

/** Bring the decoded state up to date with the dictionary vector (deltas appended). */
function syncDictionary(dictionary: Vector, state: DecodedDictionary): void {
  const chunks = dictionary.data;
  let same = 0;
  while (same < state.chunks.length && same < chunks.length && state.chunks[same] === chunks[same]) same++;
  if (same < state.chunks.length) Object.assign(state, newDictionaryState()); // a replacement, not a delta
  for (let k = state.chunks.length; k < chunks.length; k++) {
    const chunk = chunks[k]!;
    state.chunks.push(chunk);
    state.starts.push(state.size);
    state.size += chunk.length;
    if (state.strings && state.size > EAGER_DICTIONARY_LIMIT) state.strings = undefined;
    if (state.strings) {
      const decoded = decodeUtf8(chunk);
      for (let i = 0; i < decoded.length; i++) state.strings.push(decoded[i]!);
    }
  }
  if (!state.strings) for (let k = state.texts.length; k < state.chunks.length; k++) state.texts.push(asciiText(state.chunks[k]!));
}

/** Lazy lookup of one entry of a high-cardinality dictionary. */
function dictionaryEntry(state: DecodedDictionary, index: number): string | null {
  let k = state.lastChunk;
  if (k >= state.chunks.length || index < state.starts[k]! || index >= state.starts[k]! + state.chunks[k]!.length) {
    let lo = 0;
    let hi = state.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (state.starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    k = state.lastChunk = lo;
  }
  const data = state.chunks[k]!;
  const i = index - state.starts[k]!;
  if (i < 0 || i >= data.length || !isValid(data, i)) return null;
  const offsets = data.valueOffsets as Int32Array;
  const from = offsets[data.offset + i]!;
  const to = offsets[data.offset + i + 1]!;
  const text = state.texts[k];
  if (text !== undefined) {
    const base = offsets[data.offset]!;
    return text.slice(from - base, to - base);
  }
  return utf8.decode((data.values as Uint8Array).subarray(from, to));
}

/** One cell of a record batch column by row index (NaN / null for null). */
type CellReader = (i: number) => number | string | null;

/**
 * Cells are read on demand, one output batch at a time, instead of decoding whole 65,536-row
 * record batches into arrays: fewer strings alive at once keeps the young generation small
 * (the same effect that sets the SQLite backend's batch size).
 */
function cellReader(data: Data, kind: string, dictionary: DecodedDictionary): CellReader {
  const off = data.offset;
  const nulls = data.nullCount > 0;
  if (kind === 'f64') {
    const v = data.values as Float64Array;
    return nulls ? (i) => (isValid(data, i) ? v[off + i]! : NaN) : (i) => v[off + i]!;
  }
  if (kind === 'utf8') {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const base = offsets[off]!;
    let text: string | undefined | null = null; // null: not decoded yet; undefined: not ASCII
    return (i) => {
      if (nulls && !isValid(data, i)) return null;
      if (text === null) text = asciiText(data);
      const from = offsets[off + i]!;
      const to = offsets[off + i + 1]!;
      return text !== undefined ? text.slice(from - base, to - base) : utf8.decode(bytes.subarray(from, to));
    };
  }
  syncDictionary(data.dictionary!, dictionary);
  const idx = data.values as Int32Array;
  const strings = dictionary.strings;
  if (strings) return (i) => (nulls && !isValid(data, i) ? null : (strings[idx[off + i]!] ?? null));
  return (i) => (nulls && !isValid(data, i) ? null : dictionaryEntry(dictionary, idx[off + i]!));
}

/** An extra source column out of extra_json (`{"COLUMN": "value", …}`), as strings. */
function extraReader(extraJson: CellReader, name: string): CellReader {
  return (i) => {
    const s = extraJson(i);
    if (typeof s !== 'string') return null;
    const v = (JSON.parse(s) as Record<string, unknown>)[name];
    return v === null || v === undefined ? null : String(v);
  };
}

function materialize(read: CellReader, n: number, kind: 'number' | 'string'): ColumnValues {
  if (kind === 'number') {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = read(i) as number;
    return out;
  }
  const out = new Array<string | null>(n);
  for (let i = 0; i < n; i++) out[i] = read(i) as string | null;
  return out;
}

function* scanArrow(path: string, schema: Schema, columns: readonly ColumnSpec[], batchSize: number, where: CompiledWhere | undefined): Generator<ColumnBatch, void, undefined> {
  const { reader, close } = openReader(path);
  const kinds = new Map(schema.fields.map((f) => [f.name, kindOfType(f.type)]));
  const dictionaries = new Map<string, DecodedDictionary>();
  const dictionaryState = (name: string): DecodedDictionary => {
    let d = dictionaries.get(name);
    if (!d) dictionaries.set(name, (d = newDictionaryState()));
    return d;
  };
  let acc: { rowIds: Float64Array; cols: (Float64Array | (string | null)[])[]; n: number } | undefined;
  const fresh = () => ({
    rowIds: new Float64Array(batchSize),
    cols: columns.map((c) => (c.kind === 'number' ? new Float64Array(batchSize) : new Array<string | null>(batchSize))),
    n: 0,
  });
  const emit = (a: NonNullable<typeof acc>): ColumnBatch => {
    const batch: ColumnBatch = { length: a.n, firstRowId: a.rowIds[0]!, columns: {} };
    columns.forEach((c, j) => {
      const col = a.cols[j]!;
      if (a.n < batchSize) {
        if (col instanceof Float64Array) batch.columns[c.name] = col.slice(0, a.n);
        else (col.length = a.n), (batch.columns[c.name] = col);
      } else batch.columns[c.name] = col;
    });
    return batch;
  };
  try {
    for (const rb of reader as Iterable<RecordBatch>) {
      const readers = new Map<string, CellReader>();
      const readerOf = (name: string): CellReader => {
        let r = readers.get(name);
        if (!r) {
          const kind = kinds.get(name);
          r = kind === undefined ? extraReader(readerOf('extra_json'), name) : cellReader(rb.getChild(name)!.data[0]!, kind, dictionaryState(name));
          readers.set(name, r);
        }
        return r;
      };
      const rowIds = readerOf('row_id');
      let selected: Uint32Array | undefined;
      if (where) {
        const decoded = new Map(where.columns.map((c) => [c.name, materialize(readerOf(c.name), rb.numRows, c.kind)]));
        selected = selectRows(where, rb.numRows, (name) => decoded.get(name)!);
      }
      const count = selected ? selected.length : rb.numRows;
      if (count === 0) continue;
      const sources = columns.map((c) => readerOf(c.name));
      for (let k = 0; k < count; ) {
        acc ??= fresh();
        const take = Math.min(count - k, batchSize - acc.n);
        const base = acc.n;
        for (let t = 0; t < take; t++) acc.rowIds[base + t] = rowIds(selected ? selected[k + t]! : k + t) as number;
        for (let j = 0; j < sources.length; j++) {
          const read = sources[j]!;
          const dst = acc.cols[j]!;
          if (dst instanceof Float64Array) {
            for (let t = 0; t < take; t++) dst[base + t] = read(selected ? selected[k + t]! : k + t) as number;
          } else {
            for (let t = 0; t < take; t++) dst[base + t] = read(selected ? selected[k + t]! : k + t) as string | null;
          }
        }
        acc.n += take;
        k += take;
        if (acc.n === batchSize) {
          yield emit(acc);
          acc = undefined;
        }
      }
    }
    if (acc && acc.n > 0) yield emit(acc);
  } finally {
    reader.cancel();
    close();
  }
}
