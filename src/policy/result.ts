/**
 * The one result type that flows from the policy engine to every formatter
 * (DESIGN.md "Policies": stage → severity → status vocabulary).
 */
export type PolicyStage = 'warn' | 'fail';
export type ResultSeverity = 'off' | 'info' | 'warn' | 'error';
export type ResultStatus = 'pass' | 'fail' | 'allowlisted' | 'baselined' | 'not_applicable' | 'unknown';
export type SubjectKind = 'plugin' | 'run' | 'dataset' | 'repo';

export interface SourceLocation {
  /** Repo-relative path. */
  file: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** Enclosing function (baseline fingerprints survive line shifts through it). */
  function?: string;
  /** The call/expression text the location points at. */
  snippet?: string;
}

export interface PolicyMeta {
  id: string;
  title: string;
  owner: string;
  description?: string;
  docs?: string;
  remediation?: string;
  tags: string[];
  subject: SubjectKind;
  stage: PolicyStage;
  /** Where the policy file lives (for SARIF/JUnit grouping). */
  file: string;
  line: number;
}

/** Explain trace: the condition tree with each fact's value and each condition's outcome. */
export interface ExplainNode {
  kind: 'all' | 'any' | 'not' | 'condition';
  /** For conditions: "fact operator value". */
  text?: string;
  fact?: string;
  factValue?: unknown;
  /** For conditions whose right-hand side is another fact (`{ fact: access.declared }`): its path; `value` is then that fact's value. */
  valueFact?: string;
  operator?: string;
  value?: unknown;
  outcome: boolean | 'unknown';
  children?: ExplainNode[];
}

/**
 * One policy × one subject. A `pass` is compact: policy, subject, status and severity only
 * (no message, no fingerprint — nothing reads them, and at 150,000 results they were most of
 * the JSON report). Every other status carries a message and a fingerprint.
 */
export interface PolicyResult {
  policyId: string;
  subject: { kind: SubjectKind; id: string };
  status: ResultStatus;
  severity: ResultSeverity;
  /** Absent on `pass` results. */
  message?: string;
  location?: SourceLocation;
  /** Stable id of a violation (policy + subject + line-shift-proof location); absent on `pass` results. */
  fingerprint?: string;
  /** Facts named by the policy that were missing (status unknown). */
  missingFacts?: string[];
  /** Why a result was allowlisted/baselined/not applicable. */
  suppression?: { kind: 'allowlist' | 'baseline'; reason: string; owner?: string; expires?: string };
  notApplicableReason?: string;
  explain?: { applies?: ExplainNode; violation?: ExplainNode };
}

export interface ResultSummary {
  policies: number;
  subjects: number;
  results: number;
  passed: number;
  failed: { error: number; warn: number; info: number };
  allowlisted: number;
  baselined: number;
  notApplicable: number;
  /** Of the failed ones, how many were unknown (missing facts). Results at severity off are not counted here. */
  unknown: number;
  /**
   * Violations and unknowns whose severity resolved to `off`: switched off by their policy's
   * severity mapping, so not problems (not in `failed`) and never failing the check. Absent in
   * reports written before it existed.
   */
  off?: number;
  /** Baseline entries that no longer match anything (prune candidates). */
  fixed: number;
  staleAllowlist: number;
}

export interface EvaluationReport {
  tool: { name: 'policy-eval'; version: string };
  /** ISO date used for expiry checks (--now). */
  now: string;
  policies: PolicyMeta[];
  results: PolicyResult[];
  summary: ResultSummary;
}

/** Whether a result fails the check (status fail/unknown at warn or error severity, per --fail-on). */
export function isFailing(r: PolicyResult, failOn: 'warn' | 'error' = 'error'): boolean {
  if (r.status !== 'fail' && r.status !== 'unknown') return false;
  if (r.severity === 'error') return true;
  return failOn === 'warn' && r.severity === 'warn';
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

const SEVERITY_RANK: Record<ResultSeverity, number> = { error: 0, warn: 1, info: 2, off: 3 };

/**
 * The one result order of a report and of every format: subject, then location, then policy,
 * then severity, status, fingerprint and message (total, so equal inputs give equal bytes).
 * The engine emits results in this order, so formatters only confirm it.
 */
export function compareResults(a: PolicyResult, b: PolicyResult): number {
  if (a.subject !== b.subject) {
    const bySubject = compareText(a.subject.kind, b.subject.kind) || compareText(a.subject.id, b.subject.id);
    if (bySubject !== 0) return bySubject;
  }
  const la = a.location;
  const lb = b.location;
  if (la !== undefined || lb !== undefined) {
    const byLocation =
      compareText(la?.file ?? '', lb?.file ?? '') || (la?.line ?? 0) - (lb?.line ?? 0) || (la?.column ?? 0) - (lb?.column ?? 0);
    if (byLocation !== 0) return byLocation;
  }
  return (
    compareText(a.policyId, b.policyId) ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    compareText(a.status, b.status) ||
    compareText(a.fingerprint ?? '', b.fingerprint ?? '') ||
    compareText(a.message ?? '', b.message ?? '')
  );
}

/** Whether results are already in compareResults order (one linear pass). */
export function inResultOrder(results: readonly PolicyResult[]): boolean {
  for (let i = 1; i < results.length; i++) if (compareResults(results[i - 1]!, results[i]!) > 0) return false;
  return true;
}
