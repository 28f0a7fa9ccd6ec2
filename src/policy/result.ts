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
  operator?: string;
  value?: unknown;
  outcome: boolean | 'unknown';
  children?: ExplainNode[];
}

export interface PolicyResult {
  policyId: string;
  subject: { kind: SubjectKind; id: string };
  status: ResultStatus;
  severity: ResultSeverity;
  message: string;
  location?: SourceLocation;
  /** Stable id of a violation (policy + subject + line-shift-proof location). */
  fingerprint: string;
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
  unknown: number;
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
