/**
 * Arrow IPC files built straight from buffers (DESIGN.md trap: vectorFromArray /
 * tableFromArrays are 6–8× slower and bloat memory, makeData over typed arrays is not).
 *
 * 1. The dataset's internal Arrow file (layout in accessor/arrow-layout.ts, the contract with
 *    the Arrow accessor): `<store dir>/datasets/<id>-<fingerprint 16 hex>.v<layout>.arrow`, one
 *    field per JOB_COLUMNS entry; integer/time columns Float64 with NaN for null; params,
 *    extra_json and queue ids Utf8; other strings Dictionary<Utf8, Int32> with ONE dictionary per column
 *    shared by all batches (new values are appended as delta dictionary batches); batches of
 *    65,536 rows in row_id order; schema metadata fingerprint / dataset_id / row_count / layout.
 *    The ingest does not write it: `ensureDatasetArrowFile` builds it on first use (the
 *    runner calls it before launching plugin processes) — measured in bench/ingest.bench.ts,
 *    writing it eagerly would add its cost to every ingest, also for datasets never analysed.
 * 2. Column builders reused by `export --format arrow`.
 *
 * Files are written to a temp name and renamed, so a reader never sees half a file.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  AsyncByteQueue,
  Dictionary,
  Field,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  Vector,
  type Data,
  type DataType,
} from 'apache-arrow';
import { HarnessError } from '../common/errors.ts';
import { ARROW_BATCH_ROWS, ARROW_LAYOUT_VERSION, ARROW_META, expectedArrowFields } from './accessor/arrow-layout.ts';
import { INTEGER_JOB_COLUMNS, JOB_COLUMNS, jobsTable, type Db } from './store.ts';

/** `<store dir>/datasets/<id>-<fingerprint first 16 hex>.arrow` */
export function datasetArrowPath(storePath: string, datasetId: number, fingerprint: string): string {
  // The layout version is in the name, so a file of an older layout is rebuilt, never misread.
  return join(dirname(storePath), 'datasets', `${datasetId}-${fingerprint.slice(0, 16)}.v${ARROW_LAYOUT_VERSION}.arrow`);
}

const MAGIC = Buffer.from('ARROW1');

/** True when the file starts and ends with the ARROW1 magic (a complete IPC file). */
export function isCompleteArrowFile(path: string): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  if (size < 16) return false;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(6);
    const tail = Buffer.alloc(6);
    readSync(fd, head, 0, 6, 0);
    readSync(fd, tail, 0, 6, size - 6);
    return head.equals(MAGIC) && tail.equals(MAGIC);
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------- column builders

type Value = string | number | null;

export interface ColumnBuilder {
  readonly type: DataType;
  push(v: Value): void;
  /** Data for the rows pushed since the last call. */
  flush(): Data;
}

/** Float64, NaN for null (no validity bitmap, per layout "1"). */
export class Float64Column implements ColumnBuilder {
  readonly type = new Float64();
  private values = new Float64Array(ARROW_BATCH_ROWS);
  private n = 0;
  push(v: Value): void {
    if (this.n === this.values.length) this.values = grow(this.values);
    this.values[this.n++] = v === null ? NaN : (v as number);
  }
  flush(): Data {
    const data = makeData({ type: this.type, length: this.n, nullCount: 0, data: this.values.slice(0, this.n) });
    this.n = 0;
    return data;
  }
}

/** Timestamp(ms, UTC) with a validity bitmap (what pandas/polars/DuckDB read as datetimes). */
export class TimestampColumn implements ColumnBuilder {
  readonly type = new TimestampMillisecond('UTC');
  private values = new BigInt64Array(ARROW_BATCH_ROWS);
  private valid = new Validity();
  private n = 0;
  push(v: Value): void {
    if (this.n === this.values.length) this.values = grow(this.values);
    this.values[this.n] = v === null ? 0n : BigInt(v as number);
    this.valid.set(this.n++, v !== null);
  }
  flush(): Data {
    const data = makeData({ type: this.type, length: this.n, nullCount: this.valid.nulls, nullBitmap: this.valid.take(this.n), data: this.values.slice(0, this.n) });
    this.n = 0;
    return data;
  }
}

/** Utf8 with a validity bitmap. */
export class Utf8Column implements ColumnBuilder {
  readonly type = new Utf8();
  private strings: string[] = [];
  private valid = new Validity();
  push(v: Value): void {
    this.valid.set(this.strings.length, v !== null);
    this.strings.push(v === null ? '' : String(v));
  }
  flush(): Data {
    const n = this.strings.length;
    const { offsets, bytes } = encodeStrings(this.strings);
    const data = makeData({ type: this.type, length: n, nullCount: this.valid.nulls, nullBitmap: this.valid.take(n), valueOffsets: offsets, data: bytes });
    this.strings = [];
    return data;
  }
}

/**
 * Dictionary<Utf8, Int32> with one dictionary for the whole file: each flush returns the
 * batch's indices plus a dictionary vector made of all chunks so far; the file writer emits
 * the chunks it has not written yet as delta dictionary batches.
 */
export class DictionaryColumn implements ColumnBuilder {
  readonly type: Dictionary<Utf8, Int32>;
  private readonly codes = new Map<string, number>();
  private fresh: string[] = [];
  private readonly chunks: Data<Utf8>[] = [];
  private indices = new Int32Array(ARROW_BATCH_ROWS);
  private valid = new Validity();
  private n = 0;
  private lastValue: string | undefined;
  private lastCode = 0;
  constructor(id: number) {
    this.type = new Dictionary(new Utf8(), new Int32(), id, false);
  }
  push(v: Value): void {
    if (this.n === this.indices.length) this.indices = grow(this.indices);
    if (v === null) {
      this.indices[this.n] = 0;
      this.valid.set(this.n++, false);
      return;
    }
    const s = typeof v === 'string' ? v : String(v);
    // Neighbouring rows often repeat a value (status, machine): skip the map lookup then.
    let code: number | undefined;
    if (s === this.lastValue) code = this.lastCode;
    else {
      code = this.codes.get(s);
      if (code === undefined) {
        code = this.codes.size;
        this.codes.set(s, code);
        this.fresh.push(s);
      }
      this.lastValue = s;
      this.lastCode = code;
    }
    this.indices[this.n] = code;
    this.valid.set(this.n++, true);
  }
  flush(): Data {
    if (this.fresh.length > 0 || this.chunks.length === 0) {
      const { offsets, bytes } = encodeStrings(this.fresh);
      this.chunks.push(makeData({ type: new Utf8(), length: this.fresh.length, nullCount: 0, valueOffsets: offsets, data: bytes }));
      this.fresh = [];
    }
    const data = makeData({
      type: this.type,
      length: this.n,
      nullCount: this.valid.nulls,
      nullBitmap: this.valid.take(this.n),
      data: this.indices.slice(0, this.n),
      dictionary: new Vector(this.chunks.slice()),
    });
    this.n = 0;
    return data;
  }
}

class Validity {
  private bits = new Uint8Array(ARROW_BATCH_ROWS >> 3);
  nulls = 0;
  set(i: number, valid: boolean): void {
    const byte = i >> 3;
    if (byte >= this.bits.length) {
      const next = new Uint8Array(this.bits.length * 2);
      next.set(this.bits);
      this.bits = next;
    }
    if (valid) this.bits[byte]! |= 1 << (i & 7);
    else {
      this.bits[byte]! &= ~(1 << (i & 7));
      this.nulls++;
    }
  }
  take(n: number): Uint8Array {
    const out = this.bits.slice(0, (n + 7) >> 3);
    this.bits.fill(0);
    this.nulls = 0;
    return out;
  }
}

function grow<T extends Float64Array | Int32Array | BigInt64Array>(a: T): T {
  const next = new (a.constructor as new (n: number) => T)(a.length * 2);
  next.set(a as never);
  return next;
}

/** UTF-8 bytes + Int32 offsets of a list of strings (one encode call for the whole batch). */
function encodeStrings(strings: readonly string[]): { offsets: Int32Array; bytes: Uint8Array } {
  const offsets = new Int32Array(strings.length + 1);
  let total = 0;
  for (let i = 0; i < strings.length; i++) {
    total += Buffer.byteLength(strings[i]!, 'utf8');
    offsets[i + 1] = total;
  }
  const bytes = Buffer.from(strings.join(''), 'utf8');
  return { offsets, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

// ---------------------------------------------------------------- file writing

/** AsyncByteQueue that writes straight to a file descriptor (keeps memory at one batch). */
class FileSink extends AsyncByteQueue {
  private readonly fd: number;
  constructor(fd: number) {
    super();
    this.fd = fd;
  }
  override write(value: ArrayBufferView | ArrayBuffer | string): void {
    const bytes = typeof value === 'string' ? Buffer.from(value) : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
    writeAll(this.fd, bytes);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** writeSync until done; a non-blocking pipe (stdout) may answer EAGAIN, so wait and retry. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.byteLength) {
    try {
      off += writeSync(fd, bytes, off, bytes.byteLength - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

export interface ArrowTableSpec {
  names: readonly string[];
  builders: readonly ColumnBuilder[];
  metadata?: ReadonlyMap<string, string>;
}

/**
 * Write an Arrow IPC file from a row source: `fill(push)` pushes rows (one value per column)
 * and the writer cuts a record batch every `batchRows` rows. Temp file + rename.
 */
export function writeArrowFile(
  path: string | null,
  spec: ArrowTableSpec,
  fill: (push: (row: readonly Value[]) => void) => void,
  batchRows = ARROW_BATCH_ROWS,
): number {
  // null = standard output (no temp file: the consumer is a pipe).
  const tmp = path === null ? null : `${path}.tmp-${process.pid}`;
  if (path !== null) mkdirSync(dirname(path), { recursive: true });
  const fd = tmp === null ? 1 : openSync(tmp, 'w');
  let rows = 0;
  try {
    const fields = spec.names.map((name, i) => new Field(name, spec.builders[i]!.type, true));
    const schema = new Schema(fields, spec.metadata ? new Map(spec.metadata) : undefined);
    const writer = new RecordBatchFileWriter();
    writer.reset(new FileSink(fd), schema);
    let pending = 0;
    const cut = (): void => {
      const children = spec.builders.map((b) => b.flush());
      const struct = makeData({ type: new Struct(fields), length: pending, nullCount: 0, children });
      writer.write(new RecordBatch(schema, struct));
      pending = 0;
    };
    const push = (row: readonly Value[]): void => {
      for (let i = 0; i < spec.builders.length; i++) spec.builders[i]!.push(row[i]!);
      rows++;
      if (++pending === batchRows) cut();
    };
    fill(push);
    if (pending > 0 || rows === 0) cut();
    writer.finish();
    if (tmp !== null) {
      closeSync(fd);
      renameSync(tmp, path!);
    }
  } catch (err) {
    if (tmp !== null) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(tmp, { force: true });
    }
    throw err;
  }
  return rows;
}

/** Builders of the internal layout (expectedArrowFields) in JOB_COLUMNS order. */
function layoutBuilders(): ColumnBuilder[] {
  let dictId = 0;
  return expectedArrowFields().map((f) => (f.kind === 'f64' ? new Float64Column() : f.kind === 'utf8' ? new Utf8Column() : new DictionaryColumn(dictId++)));
}

/**
 * The dataset's Arrow file, written on first use (atomically) and reused afterwards.
 * Returns its path.
 */
export function ensureDatasetArrowFile(db: Db, storePath: string, datasetId: number): string {
  const ds = db.prepare('SELECT fingerprint, row_count FROM datasets WHERE id = ?').get(datasetId) as { fingerprint: string; row_count: number } | undefined;
  if (!ds) throw new HarnessError('unknown-dataset', `no dataset ${datasetId} in ${storePath}`, { hint: 'list datasets with stat-harness info' });
  const path = datasetArrowPath(storePath, datasetId, ds.fingerprint);
  if (existsSync(path) && isCompleteArrowFile(path)) return path;
  const metadata = new Map([
    [ARROW_META.fingerprint, ds.fingerprint],
    [ARROW_META.datasetId, String(datasetId)],
    [ARROW_META.rowCount, String(ds.row_count)],
    [ARROW_META.layout, ARROW_LAYOUT_VERSION],
  ]);
  const stmt = db.prepare(`SELECT ${JOB_COLUMNS.join(', ')} FROM ${jobsTable(datasetId)} ORDER BY row_id`).raw(true);
  const written = writeArrowFile(path, { names: JOB_COLUMNS, builders: layoutBuilders(), metadata }, (push) => {
    for (const row of stmt.iterate() as IterableIterator<Value[]>) push(row);
  });
  if (written !== ds.row_count) {
    rmSync(path, { force: true });
    throw new HarnessError('store-corrupt', `dataset ${datasetId}: the datasets row says ${ds.row_count} rows, its table holds ${written}`, { hint: 're-ingest the dataset' });
  }
  return path;
}
