/**
 * Stable JSON: the EvaluationReport itself (schemas/policy-report.schema.json), keys sorted
 * at every level, 2-space indent, results/policies in the shared order, so equal reports are
 * equal bytes and a saved report can be read back (`parseReportJson`) and re-rendered.
 *
 * The bytes are exactly `stableStringify(report, 2)` of the sorted report. Results — up to
 * hundreds of thousands — are written by a writer that knows their shape (fields in sorted
 * order, repeated fragments such as a subject or a policy id escaped once) instead of a
 * deep key-sorting copy of the whole report, which cost more than the evaluation itself.
 * Anything outside the known shape (explain traces, unexpected keys or types) goes through
 * stableStringify, so the output never depends on how the objects were built.
 */
import { HarnessError } from '../common/errors.ts';
import { stableStringify } from '../common/hash.ts';
import { describeSchemaErrors, schemaKeysAt, schemaValidator } from '../common/schema.ts';
import type { EvaluationReport, PolicyResult, SourceLocation } from '../policy/index.ts';
import { sortedPolicies, sortedResults } from './shared.ts';
import type { FormatContext } from './types.ts';

export const REPORT_SCHEMA = 'policy-report.schema.json';

export function formatJson(report: EvaluationReport, _ctx: FormatContext): string {
  return `${writeReportJson({ ...report, policies: sortedPolicies(report.policies), results: sortedResults(report.results) })}\n`;
}

/** Indentation of a result's fields (results sit at depth 2: report → results → result). */
const IN = '\n      ';
/** Indentation of a nested object's fields (subject, location). */
const IN2 = '\n        ';
const RESULTS_PLACEHOLDER = '\n  "results": []';

/**
 * `stableStringify(report, 2)` for a report whose results are already in order. Everything
 * but the results goes through stableStringify; the results array is spliced in where its
 * empty placeholder stands (a raw newline cannot occur inside a JSON string, so
 * `\n  "results": []` is the top-level key and nothing else).
 */
export function writeReportJson(report: EvaluationReport): string {
  const frame = stableStringify({ ...report, results: [] }, 2);
  if (report.results.length === 0) return frame;
  const at = frame.indexOf(RESULTS_PLACEHOLDER);
  const parts: string[] = [frame.slice(0, at), '\n  "results": [\n    '];
  const writer = new ResultWriter(parts);
  const last = report.results.length - 1;
  for (let i = 0; i <= last; i++) writer.result(report.results[i]!, i === last ? CLOSE : CLOSE_NEXT);
  parts.push('\n  ]', frame.slice(at + RESULTS_PLACEHOLDER.length));
  return parts.join('');
}

/** The end of a result, alone or followed by the next one's separator (one piece either way). */
const CLOSE_NEXT = '\n    },\n    ';
const NEXT_ITEM = `,${IN2}`;
const CLOSE = '\n    }';
const LOCATION_KEYS = ['column', 'endColumn', 'endLine', 'file', 'function', 'line', 'snippet'] as const;
const LOCATION_NUMBERS: ReadonlySet<string> = new Set(['column', 'endColumn', 'endLine', 'line']);
/** `,\n        "column": ` … in LOCATION_KEYS order. */
const LOCATION_FIELDS = LOCATION_KEYS.map((k) => `,${IN2}"${k}": `);

/** A result field's key piece: opening the result object, or after another field. */
function keyPiece(name: string): readonly [string, string] {
  return [`{${IN}"${name}": `, `,${IN}"${name}": `];
}
const K_EXPLAIN = keyPiece('explain');
const K_FINGERPRINT = keyPiece('fingerprint');
const K_LOCATION = keyPiece('location');
const K_MESSAGE = keyPiece('message');
const K_MISSING = keyPiece('missingFacts');
const K_REASON = keyPiece('notApplicableReason');
/** Always after the subject. */
const K_SUPPRESSION = `,${IN}"suppression": `;

/** A location object at result-field depth (keys in order; isKnownLocation checked the values). */
function locationText(loc: SourceLocation): string {
  let out = '';
  for (let i = 0; i < LOCATION_KEYS.length; i++) {
    const v = loc[LOCATION_KEYS[i]!];
    if (v === undefined) continue;
    out += `${out === '' ? LOCATION_FIELDS[i]!.slice(1) : LOCATION_FIELDS[i]!}${typeof v === 'number' ? String(v) : JSON.stringify(v)}`;
  }
  return `{${out}${IN}}`;
}

/** A list of strings at result-field depth. */
function listText(items: readonly string[]): string {
  if (items.length === 0) return '[]';
  let out = '';
  for (let i = 0; i < items.length; i++) out += `${i === 0 ? IN2 : NEXT_ITEM}${JSON.stringify(items[i])}`;
  return `[${out}${IN}]`;
}

/** A nested value at `pad` indentation, exactly as stableStringify would write it there. */
function nested(value: unknown, pad: string): string {
  return stableStringify(value, 2).replace(/\n/g, pad);
}

function keyCount(o: object): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k)) n++;
  return n;
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

/** A dense list of strings (a hole or a non-string takes the generic path). */
function isStringList(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

/**
 * Writes results as pieces of one final join: the pieces that repeat (a policy/severity/status
 * head, a subject) are escaped once and reused, so a pass costs a few array pushes and no
 * string of its own.
 */
class ResultWriter {
  /** `"policyId": …, "severity": …, "status": …, "subject": ` per policy id → severity → status, opening the object or after a field. */
  private readonly heads = new Map<string, Map<string, Map<string, readonly [string, string]>>>();
  /** The written subject object, per subject object (the engine shares one across a subject's results). */
  private readonly subjects = new WeakMap<object, string>();
  private readonly parts: string[];

  constructor(parts: string[]) {
    this.parts = parts;
  }

  result(r: PolicyResult, end: string): void {
    const parts = this.parts;
    if (!this.isKnownShape(r)) {
      parts.push(nested(r, '\n    '), end === CLOSE ? '' : end.slice(CLOSE.length));
      return;
    }
    // Keys in sorted order: explain, fingerprint, location, message, missingFacts,
    // notApplicableReason, policyId, severity, status, subject, suppression. Each key piece
    // carries what precedes it (`{` for the first field, `,` after another), so a field is
    // two pieces and a compact pass three in all.
    let o = 0;
    if (r.explain !== undefined) {
      parts.push(K_EXPLAIN[o]!, nested(r.explain, IN));
      o = 1;
    }
    if (r.fingerprint !== undefined) {
      parts.push(K_FINGERPRINT[o]!, JSON.stringify(r.fingerprint));
      o = 1;
    }
    if (r.location !== undefined) {
      parts.push(K_LOCATION[o]!, locationText(r.location));
      o = 1;
    }
    if (r.message !== undefined) {
      parts.push(K_MESSAGE[o]!, JSON.stringify(r.message));
      o = 1;
    }
    if (r.missingFacts !== undefined) {
      parts.push(K_MISSING[o]!, listText(r.missingFacts));
      o = 1;
    }
    if (r.notApplicableReason !== undefined) {
      parts.push(K_REASON[o]!, JSON.stringify(r.notApplicableReason));
      o = 1;
    }
    parts.push(this.head(r.policyId, r.severity, r.status)[o]!, this.subject(r.subject));
    if (r.suppression !== undefined) parts.push(K_SUPPRESSION, nested(r.suppression, IN));
    parts.push(end);
  }

  /**
   * Whether the fast path writes exactly what stableStringify would: the known keys only,
   * none set to undefined, strings where strings belong, finite numbers in a location.
   * Anything else (a hand-built or foreign object) takes the generic path.
   */
  private isKnownShape(r: PolicyResult): boolean {
    if (!isString(r.policyId) || !isString(r.severity) || !isString(r.status)) return false;
    const s = r.subject as unknown;
    if (s === null || typeof s !== 'object' || (!this.subjects.has(s) && !(isString(r.subject.kind) && isString(r.subject.id) && keyCount(s) === 2))) return false;
    let n = 4;
    if (r.explain !== undefined) n++;
    if (r.fingerprint !== undefined) {
      if (!isString(r.fingerprint)) return false;
      n++;
    }
    if (r.location !== undefined) {
      if (!isKnownLocation(r.location)) return false;
      n++;
    }
    if (r.message !== undefined) {
      if (!isString(r.message)) return false;
      n++;
    }
    if (r.missingFacts !== undefined) {
      if (!isStringList(r.missingFacts)) return false;
      n++;
    }
    if (r.notApplicableReason !== undefined) {
      if (!isString(r.notApplicableReason)) return false;
      n++;
    }
    if (r.suppression !== undefined) n++;
    return keyCount(r) === n;
  }

  private head(policyId: string, severity: string, status: string): readonly [string, string] {
    let bySeverity = this.heads.get(policyId);
    if (!bySeverity) this.heads.set(policyId, (bySeverity = new Map()));
    let byStatus = bySeverity.get(severity);
    if (!byStatus) bySeverity.set(severity, (byStatus = new Map()));
    let h = byStatus.get(status);
    if (h === undefined) {
      const text = `${IN}"policyId": ${JSON.stringify(policyId)},${IN}"severity": ${JSON.stringify(severity)},${IN}"status": ${JSON.stringify(status)},${IN}"subject": `;
      h = [`{${text}`, `,${text}`];
      byStatus.set(status, h);
    }
    return h;
  }

  private subject(s: PolicyResult['subject']): string {
    let out = this.subjects.get(s);
    if (out === undefined) {
      out = `{${IN2}"id": ${JSON.stringify(s.id)},${IN2}"kind": ${JSON.stringify(s.kind)}${IN}}`;
      this.subjects.set(s, out);
    }
    return out;
  }
}

function isKnownLocation(loc: SourceLocation): boolean {
  if (loc === null || typeof loc !== 'object') return false;
  let n = 0;
  for (const k of LOCATION_KEYS) {
    const v = loc[k];
    if (v === undefined) continue;
    if (LOCATION_NUMBERS.has(k) ? typeof v !== 'number' || !Number.isFinite(v) : !isString(v)) return false;
    n++;
  }
  return n > 0 && n === keyCount(loc);
}

/**
 * Read a report written by `--format json` (for re-rendering in another format). Anything
 * that is not such a report is a HarnessError naming the file and the first problem.
 */
export function parseReportJson(text: string, file: string): EvaluationReport {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new HarnessError('report-json', `${file} is not JSON: ${(err as Error).message}`, {
      file,
      hint: 'pass a file written by `policy-eval --format json`',
    });
  }
  const validate = schemaValidator(REPORT_SCHEMA);
  if (!validate(value)) {
    const problems = describeSchemaErrors(validate.errors ?? [], (p) => schemaKeysAt(validate.schema, p));
    const first = problems[0]!;
    const rest = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new HarnessError('report-schema', `${file} is not a policy-eval report: ${first.message}${rest}`, {
      file,
      hint: `the file must match schemas/${REPORT_SCHEMA} (written by \`policy-eval --format json\`)`,
    });
  }
  return value as EvaluationReport;
}
