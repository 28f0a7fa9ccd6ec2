/**
 * Source rows → normalized job rows. One RowNormalizer per ingest: it resolves the column
 * mapping when the header arrives, then for every row maps cells onto roles, parses times
 * (epoch ms, UTC), redacts, parses params, builds extra_json, checks data quality and hands
 * the row to the writer — unless the queue id was already stored (identical content →
 * merged with a warning; different content → refused). The fingerprint is computed from the
 * stored table afterwards (fingerprint.ts).
 */
import { HarnessError } from '../../common/errors.ts';
import { CANONICAL_ROLES, type CanonicalRole } from '../../config/roles.ts';
import { JOB_COLUMNS } from '../store.ts';
import type { DataQuality, DataQualityIssue } from '../types.ts';
import { autoRole, resolveMapping, type ColumnMapping } from './mapping.ts';
import { parseParams } from './params.ts';
import type { Cell, RowSink } from './reader.ts';
import { planRedaction, redactParamsText, type RedactionConfig, type RedactionPlan } from './redaction.ts';
import type { TimestampParser } from './timestamps.ts';

export const MAX_QUALITY_LINES = 20;
type Value = string | number | null;

const ROLE_COUNT = CANONICAL_ROLES.length;
const R = Object.fromEntries(CANONICAL_ROLES.map((r, i) => [r, i])) as Record<CanonicalRole, number>;
/** Offsets into the JOB_COLUMNS row: row_id is 0, roles are 1..14, extra_json 15, source_line 16. */
const EXTRA_AT = JOB_COLUMNS.indexOf('extra_json');
const LINE_AT = JOB_COLUMNS.indexOf('source_line');
const IS_TIME: readonly boolean[] = CANONICAL_ROLES.map((r) => r === 'queue_dt' || r === 'start_dt' || r === 'end_dt');

export interface RowOutput {
  addJob(vals: readonly Value[]): void;
  addParam(rowId: number, key: string, value: string): void;
  /** The stored row with this row id, in JOB_COLUMNS order (to compare a duplicate queue id). */
  storedRow(rowId: number): readonly Value[];
  /** Queue id → row id of every row stored so far (when de-duplication switches to the map). */
  storedQueueIds(): Iterable<[string, number]>;
}

export interface NormalizerOptions {
  file: string;
  overrides: Readonly<Record<string, string>>;
  redaction: RedactionConfig;
  parseTime: TimestampParser;
  timeZone: string;
  /** "line" for text formats, "row" for Arrow. */
  unit: 'line' | 'row';
  /**
   * CSV: cells written by our own export carry a `'` before a formula character; undo it, but
   * only when the header is our export's (isExportHeader). Any other CSV is kept byte for byte.
   */
  undoFormulaGuard: boolean;
  /** JSONL: keys may first appear after line 1, so start_dt/end_dt may be mapped late. */
  lateColumns: boolean;
  firstRowId: number;
  out: RowOutput;
}

export function emptyIssue(): DataQualityIssue {
  return { count: 0, lines: [] };
}

export function emptyQuality(): DataQuality {
  return { endBeforeStart: emptyIssue(), malformedParams: emptyIssue(), cancelledBeforeStart: emptyIssue(), missingTimestamps: emptyIssue() };
}

function note(issue: DataQualityIssue, line: number, n = 1): void {
  issue.count += n;
  if (issue.lines.length < MAX_QUALITY_LINES && issue.lines[issue.lines.length - 1] !== line) issue.lines.push(line);
}

/**
 * Our export's guard (common/csv.ts csvCell): one `'` before any run of `'` that precedes a
 * formula character, so a source value that itself starts with `'=` survives the round trip.
 */
const FORMULA_GUARDED = /^'+[=+\-@\t\r]/;

/**
 * The export marker: exactly the 14 canonical role columns in canonical order, then extra
 * columns in ascending order (src/dataset/export.ts). Only such a CSV gets its guard undone.
 */
export function isExportHeader(columns: readonly string[]): boolean {
  if (columns.length < CANONICAL_ROLES.length) return false;
  for (let i = 0; i < CANONICAL_ROLES.length; i++) if (columns[i] !== CANONICAL_ROLES[i]) return false;
  for (let i = CANONICAL_ROLES.length + 1; i < columns.length; i++) if (!(columns[i - 1]! < columns[i]!)) return false;
  return true;
}

export class RowNormalizer implements RowSink {
  readonly quality: DataQuality = emptyQuality();
  readonly duplicates: DataQualityIssue = emptyIssue();
  readonly warnings: string[] = [];
  mapping: ColumnMapping | undefined;
  private readonly o: NormalizerOptions;
  private columns: string[] = [];
  private roleSrc = new Int32Array(ROLE_COUNT).fill(-1);
  /** Undo the export's formula guard (a CSV carrying our export header). */
  private unguard = false;
  private extraSrc: { index: number; prefix: string; redact: boolean }[] = [];
  private redaction: RedactionPlan | undefined;
  /**
   * De-duplication. Exports are usually sorted by queue id: while every id is greater than the
   * one before (queueIdAfter), no id can repeat and no map is needed. The first id out of order
   * switches to a map of queue id → row id, seeded from the rows stored so far.
   */
  private seen: Map<string, number> | null = null;
  private lastQid = '';
  private nextRowId: number;
  private readonly vals: Value[] = new Array<Value>(JOB_COLUMNS.length).fill(null);
  private extraNames: string[] = [];
  private redactRole: boolean[] = [];

  constructor(options: NormalizerOptions) {
    this.o = options;
    this.nextRowId = options.firstRowId;
  }

  /** A row already in the new version (append copies the parent's rows first): takes part in de-duplication. */
  seedExisting(queueId: string, rowId: number): void {
    (this.seen ??= new Map()).set(queueId, rowId);
    if (rowId >= this.nextRowId) this.nextRowId = rowId + 1;
  }

  /** What datasets.redaction_json records (never the salt). */
  get redactionRecord(): RedactionPlan['record'] {
    return this.redaction?.record ?? {};
  }

  header(columns: readonly string[]): void {
    this.columns = [...columns];
    this.unguard = this.o.undoFormulaGuard && isExportHeader(columns);
    let mapping: ColumnMapping;
    if (this.o.lateColumns) {
      // Only the never-null roles must be in the first object; start/end may come later.
      const standIns = lateStandIns(this.columns, this.o.overrides);
      const overrides = { ...this.o.overrides, ...Object.fromEntries(standIns.map((s) => [s, s.slice(1)])) };
      mapping = resolveMapping([...this.columns, ...standIns], overrides, this.o.file);
      for (const [role, col] of Object.entries(mapping.roles)) {
        if (col.startsWith('\u0000')) {
          delete mapping.roles[role as CanonicalRole];
          delete mapping.detectedBy[role as CanonicalRole];
        }
      }
    } else {
      mapping = resolveMapping(this.columns, this.o.overrides, this.o.file);
    }
    this.mapping = mapping;
    this.redaction = planRedaction(this.o.redaction, mapping, this.o.file);
    this.redactRole = CANONICAL_ROLES.map((r) => this.redaction!.roles.has(r));
    if (this.redaction.record && 'salted' in this.redaction.record && !this.redaction.record.salted) {
      this.warnings.push('redaction without ingest.redact.salt: hashed values can be recovered by hashing guesses; set a secret salt');
    }
    this.replan();
  }

  addColumn(name: string, line: number): void {
    this.columns.push(name);
    const m = this.mapping!;
    const override = this.o.overrides[name];
    const role = (override as CanonicalRole | undefined) ?? autoRole(name)?.role;
    if (role !== undefined && m.roles[role] === undefined) {
      m.roles[role] = name;
      m.detectedBy[role] = override !== undefined ? 'map' : 'erp-name';
    } else {
      m.extras = [...m.extras, name].sort();
      if (line > 0) this.warnings.push(`column "${name}" first appears at ${this.o.unit} ${line}; kept as an extra column`);
    }
    this.replan();
  }

  private replan(): void {
    const m = this.mapping!;
    const index = new Map(this.columns.map((c, i) => [c, i]));
    this.roleSrc.fill(-1);
    for (const [role, col] of Object.entries(m.roles)) this.roleSrc[R[role as CanonicalRole]] = index.get(col) ?? -1;
    this.extraNames = m.extras;
    this.extraSrc = m.extras.map((name) => ({ index: index.get(name)!, prefix: `${JSON.stringify(name)}:`, redact: this.redaction!.extras.has(name) }));
  }

  /** After the last row: late-mapped required columns must have shown up. */
  finish(): void {
    const m = this.mapping!;
    for (const role of ['start_dt', 'end_dt'] as const) {
      if (m.roles[role] === undefined) {
        throw new HarnessError('missing-column', `no column for the required role ${role} in any record; the keys are: ${this.columns.join(', ')}`, {
          file: this.o.file,
          hint: `map a column onto it, e.g. --map COLUMN=${role}`,
        });
      }
    }
  }

  get extraColumns(): string[] {
    return this.extraNames;
  }

  row(cells: readonly Cell[], line: number): void {
    const o = this.o;
    const vals = this.vals;
    const red = this.redaction!;
    const redactRole = this.redactRole;
    for (let r = 0; r < ROLE_COUNT; r++) {
      const src = this.roleSrc[r]!;
      let v: Cell = src >= 0 && src < cells.length ? cells[src]! : null;
      if (v === '') v = null;
      if (v !== null) {
        if (IS_TIME[r]) {
          if (typeof v === 'string') {
            const t = o.parseTime(v);
            if (typeof t === 'string') this.badTime(r, v, t, line);
            v = t;
          }
        } else {
          if (typeof v === 'number') v = String(v);
          if (this.unguard && v.charCodeAt(0) === 39 && FORMULA_GUARDED.test(v)) v = v.slice(1);
          if (redactRole[r] && r !== R.params) v = red.hash(v);
        }
      }
      vals[r + 1] = v;
    }
    const qid = vals[R.process_queue_id + 1] as string | null;
    if (qid === null) this.required('process_queue_id', line);
    if (vals[R.process_id + 1] === null) this.required('process_id', line);
    if (vals[R.queue_dt + 1] === null) this.required('queue_dt', line);
    // Params: parse once (quality + rows), redact values of configured keys.
    let pairs: string[] | undefined;
    let malformed = 0;
    const rawParams = vals[R.params + 1] as string | null;
    if (rawParams !== null) {
      const parsed = parseParams(rawParams);
      malformed = parsed.malformed;
      pairs = parsed.pairs;
      if (red.paramKeys.size > 0 || red.roles.has('params')) {
        if (red.roles.has('params')) {
          for (let i = 1; i < pairs.length; i += 2) pairs[i] = red.hash(pairs[i]!);
          vals[R.params + 1] = redactParamsText(rawParams, new Set(pairs.filter((_, i) => i % 2 === 0)), red.hash);
        } else {
          for (let i = 0; i < pairs.length; i += 2) if (red.paramKeys.has(pairs[i]!)) pairs[i + 1] = red.hash(pairs[i + 1]!);
          vals[R.params + 1] = redactParamsText(rawParams, red.paramKeys, red.hash);
        }
      }
    }
    // extra_json: a JSON object of the non-empty extra cells, keys sorted.
    let extra: string | null = null;
    for (const x of this.extraSrc) {
      let v: Cell = x.index < cells.length ? cells[x.index]! : null;
      if (v === null || v === '') continue;
      if (typeof v === 'number') v = String(v);
      if (this.unguard && v.charCodeAt(0) === 39 && FORMULA_GUARDED.test(v)) v = v.slice(1);
      if (x.redact) v = red.hash(v);
      extra = `${extra === null ? '{' : `${extra},`}${x.prefix}${JSON.stringify(v)}`;
    }
    vals[EXTRA_AT] = extra === null ? null : `${extra}}`;
    // De-duplicate by queue id: an identical row is merged, a different one refused.
    let prev: number | undefined;
    if (this.seen === null) {
      if (this.nextRowId === o.firstRowId || queueIdAfter(qid!, this.lastQid)) this.lastQid = qid!;
      else {
        this.seen = new Map(o.out.storedQueueIds());
        prev = this.seen.get(qid!);
      }
    } else prev = this.seen.get(qid!);
    if (prev !== undefined) {
      const stored = o.out.storedRow(prev);
      let same = true;
      for (let i = 1; i <= EXTRA_AT && same; i++) same = stored[i] === vals[i];
      if (same) {
        note(this.duplicates, line);
        return;
      }
      const first = stored[LINE_AT] as number;
      throw new HarnessError('duplicate-queue-id', `process_queue_id "${qid}" at ${o.unit} ${line} was already used at ${o.unit} ${first}${prev < o.firstRowId ? ' of the dataset appended to' : ''} with different content`, {
        file: o.file,
        line,
        hint: 'queue ids must be unique; remove or correct one of the two rows (identical duplicate rows are merged automatically)',
      });
    }
    // Data quality (kept and flagged, never refused), for stored rows only.
    if (malformed > 0) note(this.quality.malformedParams, line, malformed);
    const start = vals[R.start_dt + 1] as number | null;
    const end = vals[R.end_dt + 1] as number | null;
    if (start !== null && end !== null && end < start) note(this.quality.endBeforeStart, line);
    if (start === null) {
      const status = vals[R.status + 1] as string | null;
      if (status !== null && /^cancel/i.test(status)) note(this.quality.cancelledBeforeStart, line);
      else note(this.quality.missingTimestamps, line);
    } else if (end === null) note(this.quality.missingTimestamps, line);
    const rowId = this.nextRowId++;
    this.seen?.set(qid!, rowId);
    vals[0] = rowId;
    vals[LINE_AT] = line;
    o.out.addJob(vals);
    if (pairs !== undefined) for (let i = 0; i < pairs.length; i += 2) o.out.addParam(rowId, pairs[i]!, pairs[i + 1]!);
  }

  private required(role: CanonicalRole, line: number): never {
    const col = this.mapping!.roles[role];
    throw new HarnessError('missing-value', `${this.o.unit} ${line}: ${role}${col && col !== role ? ` (column ${col})` : ''} is empty`, {
      file: this.o.file,
      line,
      hint: role === 'queue_dt' ? 'every job needs the time it was queued' : `every job needs a ${role}`,
    });
  }

  private badTime(r: number, text: string, why: string, line: number): never {
    const role = CANONICAL_ROLES[r]!;
    const col = this.mapping!.roles[role];
    throw new HarnessError('bad-timestamp', `${this.o.unit} ${line}: ${role}${col && col !== role ? ` (column ${col})` : ''} ${JSON.stringify(text)}: ${why}`, {
      file: this.o.file,
      line,
      hint: `write ISO 8601 (2025-01-31T23:59:00Z, or 2025-01-31 23:59:00 read in ${this.o.timeZone}; set --tz for local times)`,
    });
  }
}

/** Placeholder names so resolveMapping accepts a JSONL first object without start/end keys. */
function lateStandIns(header: readonly string[], overrides: Readonly<Record<string, string>>): string[] {
  const present = new Set<string>();
  for (const c of header) {
    const role = overrides[c] ?? autoRole(c)?.role;
    if (role !== undefined) present.add(role);
  }
  return (['start_dt', 'end_dt'] as const).filter((r) => !present.has(r)).map((r) => `\u0000${r}`);
}

/**
 * A strict total order on queue ids for the sorted fast path: canonical decimal integers
 * ("0", "17", no sign or leading zero) numerically and before every other id, the rest by
 * UTF-16 code units. True when `qid` comes strictly after `prev`.
 */
export function queueIdAfter(qid: string, prev: string): boolean {
  const a = isCanonicalInteger(qid);
  const b = isCanonicalInteger(prev);
  if (a !== b) return a ? false : true;
  if (a && qid.length !== prev.length) return qid.length > prev.length;
  return qid > prev;
}

function isCanonicalInteger(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  if (n > 1 && s.charCodeAt(0) === 48) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
