/**
 * Helpers every formatter shares: one result order, one way to name a subject, a
 * location and a suppression, one notion of "problem". Pure functions only.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { compareResults, inResultOrder, type EvaluationReport, type PolicyMeta, type PolicyResult, type SourceLocation } from '../policy/index.ts';

/** A result a CI run acts on: failing or unknown (fail-closed), not switched off. */
export function isProblem(r: PolicyResult): boolean {
  return (r.status === 'fail' || r.status === 'unknown') && r.severity !== 'off';
}

export function isSuppressed(r: PolicyResult): boolean {
  return r.status === 'allowlisted' || r.status === 'baselined';
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The one order every format uses (defined with the results, in the policy layer). */
export { compareResults };

/** Results in report order: the engine already emits it, so usually one confirming pass and a copy. */
export function sortedResults(results: readonly PolicyResult[]): PolicyResult[] {
  return inResultOrder(results) ? results.slice() : [...results].sort(compareResults);
}

export function sortedPolicies(policies: readonly PolicyMeta[]): PolicyMeta[] {
  return [...policies].sort((a, b) => compareText(a.id, b.id));
}

export interface Group<T> {
  key: string;
  items: T[];
}

/** Group already-sorted items by key, keeping first-seen order of keys. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Group<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(item);
  }
  return [...groups].map(([key, list]) => ({ key, items: list }));
}

/** `plugin batch_input_clusters_v1` */
export function subjectLabel(r: PolicyResult): string {
  return `${r.subject.kind} ${r.subject.id}`;
}

/**
 * A repo-relative POSIX path: locations should already be repo-relative, but an absolute
 * path inside cwd (or a Windows separator) is normalized rather than trusted.
 */
export function repoPath(file: string, cwd: string): string {
  let out = file;
  if (isAbsolute(out)) {
    const rel = relative(cwd, out);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) out = rel;
  }
  out = out.split(sep).join('/').replace(/\\/g, '/');
  return out.startsWith('./') ? out.slice(2) : out;
}

/** `src/x.ts:12:7`, `src/x.ts:12`, `src/x.ts` */
export function locationLabel(loc: SourceLocation, cwd: string): string {
  let out = repoPath(loc.file, cwd);
  if (loc.line !== undefined) {
    out += `:${loc.line}`;
    if (loc.column !== undefined) out += `:${loc.column}`;
  }
  return out;
}

/**
 * The result's message (empty for a compact pass), plus which facts were missing for an
 * `unknown` result (unless the message already names them all, as the engine's own
 * "cannot decide" message does).
 */
export function resultMessage(r: PolicyResult): string {
  const message = r.message ?? '';
  if (r.status !== 'unknown') return message;
  const facts = r.missingFacts ?? [];
  if (facts.length > 0 && facts.every((f) => message.includes(f))) return message;
  const missing = facts.length > 0 ? `missing facts: ${facts.join(', ')}` : 'a fact the policy needs is missing';
  return message === '' ? `unknown (${missing})` : `${message} (unknown: ${missing})`;
}

/** `allowlisted: reason (owner: x, expires: 2026-12-31)` — shown in every format. */
export function suppressionText(r: PolicyResult): string {
  const s = r.suppression;
  const label = r.status === 'baselined' ? 'baselined' : 'allowlisted';
  if (!s) return `${label}: no reason recorded`;
  const extra: string[] = [];
  if (s.owner !== undefined) extra.push(`owner: ${s.owner}`);
  if (s.expires !== undefined) extra.push(`expires: ${s.expires}`);
  return `${label}: ${s.reason}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}

export function notApplicableText(r: PolicyResult): string {
  return `not applicable${r.notApplicableReason ? `: ${r.notApplicableReason}` : ''}`;
}

/** Warnings that count against `--max-warnings`: problems at warn severity. */
export function warningCount(report: EvaluationReport): number {
  return report.results.filter((r) => isProblem(r) && r.severity === 'warn').length;
}

export function exceedsMaxWarnings(report: EvaluationReport, maxWarnings: number | undefined): boolean {
  return maxWarnings !== undefined && warningCount(report) > maxWarnings;
}

/**
 * Problems in the summary's own counts. `summary.failed` counts fail *and* unknown results
 * by severity (unknown fails closed); `summary.unknown` says how many of those were unknown.
 */
export function problemCount(report: EvaluationReport): number {
  const f = report.summary.failed;
  return f.error + f.warn + f.info;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Control characters made visible (`\u001b`): a message must not move the cursor, recolor
 * a terminal, or carry bytes XML cannot hold. Tab and the line breaks each format handles
 * itself are kept unless `keepBreaks` is false.
 */
export function escapeControls(s: string, keepBreaks = true): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => {
    if (ch === '\t' || (keepBreaks && (ch === '\n' || ch === '\r'))) return ch;
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Split a message into lines on any line break (CRLF, CR, LF). */
export function lines(s: string): string[] {
  return s.split(/\r\n|\r|\n/);
}

export function policyById(report: EvaluationReport): Map<string, PolicyMeta> {
  return new Map(report.policies.map((p) => [p.id, p]));
}
