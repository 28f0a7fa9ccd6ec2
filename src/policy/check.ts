/**
 * One evaluation: compiled policies × subjects → PolicyResult[] (+ allowlist, baseline,
 * summary). Pure apart from the evaluators; the CLI does the I/O around it.
 */
import type { EnvToggles } from '../config/index.ts';
import { ALLOWLIST_POLICIES, allowlistMetas, applyAllowlist, type Allowlist } from './allowlist.ts';
import { applyBaseline, fingerprintFor, type Baseline, type BaselineEntry } from './baseline.ts';
import { buildFastPolicy, createJreEvaluator, outcomeCode, type EngineName, type FastPolicy, type JreEvaluator, type PolicyTrace } from './evaluate.ts';
import { scopeFor, type FactsDocument, type SubjectFacts } from './facts.ts';
import { createOperators, type OperatorSpec } from './operators.ts';
import { compareResults, type EvaluationReport, type ExplainNode, type PolicyMeta, type PolicyResult, type ResultSeverity, type ResultSummary, type SourceLocation, type SubjectKind } from './result.ts';
import { resolveFact, type FactScope } from './scope.ts';
import { resolveSeverity } from './severity.ts';
import { renderMessage } from './template.ts';
import type { CompiledPolicy } from './types.ts';

export interface PolicySet {
  policies: CompiledPolicy[];
  ops: ReadonlyMap<string, OperatorSpec>;
  fast: Map<SubjectKind, FastPolicy[]>;
  jre: JreEvaluator | undefined;
  engine: EngineName;
  nowMs: number;
}

/** Build the evaluators once per invocation. */
export function buildPolicySet(policies: CompiledPolicy[], options: { engine: EngineName; nowMs: number }): PolicySet {
  const ops = createOperators(options.nowMs);
  const fast = new Map<SubjectKind, FastPolicy[]>();
  for (const p of policies) {
    const list = fast.get(p.subject) ?? [];
    list.push(buildFastPolicy(p, ops));
    fast.set(p.subject, list);
  }
  return { policies, ops, fast, jre: options.engine === 'jre' ? createJreEvaluator(policies, ops) : undefined, engine: options.engine, nowMs: options.nowMs };
}

export interface EvaluateOptions {
  env: Pick<EnvToggles, 'raw'>;
  /** Attach condition traces to every result. */
  explain?: boolean;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Put one subject's results (made in policy-id order) into report order: results without a
 * location come first in policy order already; the few located ones (violations) are sorted
 * and appended. A located result with an empty file would sort among the others: then the
 * subject's whole list is sorted.
 */
function appendInReportOrder(out: PolicyResult[], plain: PolicyResult[], located: PolicyResult[]): void {
  if (located.length === 0) {
    for (let i = 0; i < plain.length; i++) out.push(plain[i]!);
    return;
  }
  const all = located.some((r) => r.location!.file === '') ? [...plain, ...located].sort(compareResults) : [...plain, ...located.sort(compareResults)];
  for (let i = 0; i < all.length; i++) out.push(all[i]!);
}

/**
 * Evaluate every policy against every subject of its kind, one subject at a time. Results
 * come out in report order (compareResults: subject, location, policy) — subjects are
 * visited in order and policies in id order, so no comparison sort runs over the whole list.
 */
export async function evaluateSubjects(set: PolicySet, facts: FactsDocument, options: EvaluateOptions): Promise<PolicyResult[]> {
  // Severity depends on the policy and the env only: resolve it once per policy.
  const severities = new Map(set.policies.map((p) => [p.def.meta.id, resolveSeverity(p.def, options.env).severity]));
  const byKind = new Map<SubjectKind, FastPolicy[]>();
  for (const [kind, list] of set.fast) byKind.set(kind, [...list].sort((a, b) => compareIds(a.policy.def.meta.id, b.policy.def.meta.id)));
  const subjects = [...facts.subjects].sort((a, b) => compareIds(a.kind, b.kind) || compareIds(a.id, b.id));
  const out: PolicyResult[] = [];
  const plain: PolicyResult[] = [];
  const located: PolicyResult[] = [];
  for (const subject of subjects) {
    const scope = scopeFor(facts, subject);
    const fast = byKind.get(subject.kind) ?? [];
    const subj = { kind: subject.kind, id: subject.id };
    plain.length = 0;
    located.length = 0;
    const jre = set.jre ? await set.jre.run(scope, subject.kind) : undefined;
    for (const f of fast) {
      const id = f.policy.def.meta.id;
      if (jre) {
        const o = jre.get(id)!;
        toResults(f.policy, subj, scope, outcomeCode(o.outcome), () => o.trace, options, severities.get(id)!, plain, located);
      } else {
        toResults(f.policy, subj, scope, f.code(scope), () => f.trace(scope), options, severities.get(id)!, plain, located);
      }
    }
    appendInReportOrder(out, plain, located);
  }
  return out;
}

/**
 * Evaluate one policy for one subject with a trace (explain, policy tests). `result` is the
 * first of `results` (a violation with several sites has one result per site).
 */
export async function evaluateOne(set: PolicySet, policyId: string, facts: FactsDocument, subject: SubjectFacts, options: EvaluateOptions): Promise<{ result: PolicyResult; results: PolicyResult[]; trace: PolicyTrace }> {
  const scope = scopeFor(facts, subject);
  const fast = (set.fast.get(subject.kind) ?? []).find((f) => f.policy.def.meta.id === policyId);
  if (!fast) throw new Error(`policy ${policyId} does not evaluate ${subject.kind} subjects`);
  const subj = { kind: subject.kind, id: subject.id };
  const severity = resolveSeverity(fast.policy.def, options.env).severity;
  const results: PolicyResult[] = [];
  if (set.jre) {
    const r = (await set.jre.run(scope, subject.kind)).get(policyId)!;
    toResults(fast.policy, subj, scope, outcomeCode(r.outcome), () => r.trace, { ...options, explain: true }, severity, results, results);
    return { result: results[0]!, results, trace: r.trace };
  }
  const trace = fast.trace(scope);
  toResults(fast.policy, subj, scope, fast.code(scope), () => trace, { ...options, explain: true }, severity, results, results);
  return { result: results[0]!, results, trace };
}

function unknownLeaves(node: ExplainNode | undefined, out: Set<string>): void {
  if (!node || node.outcome !== 'unknown') return;
  if (node.kind !== 'condition') {
    node.children?.forEach((c) => unknownLeaves(c, out));
    return;
  }
  const describe = (path: string, v: unknown) => (v === undefined || v === null ? path : `${path} (wrong type: ${Array.isArray(v) ? 'list' : typeof v})`);
  const valueFact = node.valueFact;
  if (node.factValue === undefined || node.factValue === null || valueFact === undefined) out.add(describe(node.fact!, node.factValue));
  else out.add(describe(valueFact, node.value));
}

/** The first false leaf of a false applies tree: its `reason`, or the condition and the fact's value. */
function notApplicableReason(node: ExplainNode, reasons: Record<string, string>): string {
  if (node.kind === 'condition') {
    return reasons[node.text!] ?? `${node.text} is false (${node.fact} = ${node.factValue === undefined ? 'missing' : JSON.stringify(node.factValue)})`;
  }
  if (node.kind === 'not') return `not (${node.children![0]!.kind === 'condition' ? node.children![0]!.text : '…'}) is false`;
  const falseChild = node.children!.find((c) => c.outcome === false) ?? node.children![0]!;
  return notApplicableReason(falseChild, reasons);
}

/**
 * Every site of a violation the policy's `location` fact names (filtered by `where`), in
 * file/line/column order. Each becomes its own result (M2: a new site next to a baselined
 * one must be new, not hidden behind the first site's fingerprint).
 */
export function locationsOf(policy: CompiledPolicy, scope: FactScope): SourceLocation[] {
  const spec = policy.def.location;
  if (!spec) return [];
  const v = resolveFact(scope, spec.fact);
  if (!Array.isArray(v)) return [];
  const out: SourceLocation[] = [];
  for (const l of v) {
    if (l === null || typeof l !== 'object' || typeof (l as { file?: unknown }).file !== 'string') continue;
    const site = l as Record<string, unknown>;
    if (!Object.entries(spec.where ?? {}).every(([k, want]) => site[k] === want)) continue;
    const loc: SourceLocation = { file: site['file'] as string };
    for (const k of ['line', 'column', 'endLine', 'endColumn'] as const) if (Number.isInteger(site[k])) loc[k] = site[k] as number;
    for (const k of ['function', 'snippet'] as const) if (typeof site[k] === 'string') loc[k] = site[k] as string;
    out.push(loc);
  }
  return out.sort((a, b) => compareIds(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/**
 * One fingerprint per site. Fingerprints ignore line numbers (they must survive line shifts),
 * so two identical calls in one function would collide: the second and later copies get an
 * occurrence number, in source order.
 */
function siteFingerprints(policyId: string, subj: PolicyResult['subject'], locations: readonly SourceLocation[]): string[] {
  const seen = new Map<string, number>();
  return locations.map((loc) => {
    const base = fingerprintFor(policyId, subj, loc);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : fingerprintFor(policyId, subj, loc, n);
  });
}

/**
 * The results of one policy × one subject from an outcome code (see outcomeCode): one
 * result, or one per violation site. Results without a location go to `plain`, located ones
 * to `located`. Built as one object literal per status (no intermediate spreads) and sharing
 * the subject object across a subject's results: at 150,000 results allocation is what costs.
 */
function toResults(
  policy: CompiledPolicy,
  subj: PolicyResult['subject'],
  scope: FactScope,
  code: number,
  traceOf: () => PolicyTrace,
  options: EvaluateOptions,
  severity: ResultSeverity,
  plain: PolicyResult[],
  located: PolicyResult[],
): void {
  const def = policy.def;
  const policyId = def.meta.id;
  const applies = code >> 2;
  const violation = code & 3;
  let cached: PolicyTrace | undefined;
  const trace = () => (cached ??= traceOf());
  const explain = (): PolicyResult['explain'] => {
    const t = trace();
    return t.applies ? { applies: t.applies, violation: t.violation } : { violation: t.violation };
  };
  let result: PolicyResult;
  if (applies === 0) {
    const reason = notApplicableReason(trace().applies!, policy.reasons);
    result = { policyId, subject: subj, status: 'not_applicable', severity, message: `not applicable: ${reason}`, fingerprint: fingerprintFor(policyId, subj), notApplicableReason: reason };
  } else if (applies === 2 || violation === 2) {
    const t = trace();
    const missing = new Set<string>();
    unknownLeaves(applies === 2 ? t.applies : t.violation, missing);
    const list = [...missing].sort();
    const message = `cannot decide ${policyId} for ${subj.kind} ${subj.id}: missing or mistyped fact${list.length === 1 ? '' : 's'} ${list.join(', ')}`;
    result = { policyId, subject: subj, status: 'unknown', severity, message, fingerprint: fingerprintFor(policyId, subj), missingFacts: list };
  } else if (violation === 1) {
    // Only a violation has locations: one result (and one location-based fingerprint) per site.
    const message = renderMessage(def.message, scope);
    const locations = locationsOf(policy, scope);
    if (locations.length > 0) {
      const fingerprints = siteFingerprints(policyId, subj, locations);
      const ex = options.explain ? explain() : undefined;
      for (let i = 0; i < locations.length; i++) {
        const r: PolicyResult = { policyId, subject: subj, status: 'fail', severity, message, fingerprint: fingerprints[i]!, location: locations[i]! };
        if (ex) r.explain = ex;
        located.push(r);
      }
      return;
    }
    result = { policyId, subject: subj, status: 'fail', severity, message, fingerprint: fingerprintFor(policyId, subj) };
  } else {
    // A pass is compact (see PolicyResult): no message, no fingerprint.
    result = { policyId, severity, status: 'pass', subject: subj };
  }
  if (options.explain) result.explain = explain();
  plain.push(result);
}

export function summarize(results: readonly PolicyResult[], counts: { policies: number; subjects: number; fixed: number }): ResultSummary {
  const s: ResultSummary = {
    policies: counts.policies,
    subjects: counts.subjects,
    results: results.length,
    passed: 0,
    failed: { error: 0, warn: 0, info: 0 },
    allowlisted: 0,
    baselined: 0,
    notApplicable: 0,
    unknown: 0,
    off: 0,
    fixed: counts.fixed,
    staleAllowlist: 0,
  };
  for (const r of results) {
    if (r.policyId === ALLOWLIST_POLICIES.stale && r.status === 'fail') s.staleAllowlist++;
    switch (r.status) {
      case 'pass':
        s.passed++;
        break;
      case 'allowlisted':
        s.allowlisted++;
        break;
      case 'baselined':
        s.baselined++;
        break;
      case 'not_applicable':
        s.notApplicable++;
        break;
      case 'unknown':
      case 'fail':
        // Severity off: switched off, counted apart so "N problems (…; M of them unknown)" stays a subset.
        if (r.severity === 'off') {
          s.off!++;
          break;
        }
        if (r.status === 'unknown') s.unknown++;
        s.failed[r.severity]++;
        break;
    }
  }
  return s;
}

export interface CheckInput {
  set: PolicySet;
  facts: FactsDocument;
  env: Pick<EnvToggles, 'raw'>;
  now: string;
  version: string;
  allowlist?: Allowlist;
  baseline?: Baseline;
  explain?: boolean;
}

export interface CheckOutput {
  report: EvaluationReport;
  /**
   * Results before allowlist/baseline (the CLI uses them to tell "nothing evaluated"). Not
   * what `baseline write` records: it records report.results, i.e. violations *after* the
   * allowlist, so an allowlisted result is not baselined and fails again once its entry
   * expires (docs/policy-language.md "Allowlist and baseline").
   */
  raw: PolicyResult[];
  fixed: BaselineEntry[];
}

export async function runCheck(input: CheckInput): Promise<CheckOutput> {
  const raw = await evaluateSubjects(input.set, input.facts, { env: input.env, explain: input.explain === true });
  let results = raw;
  const metas: PolicyMeta[] = input.set.policies.map((p) => p.def.meta);
  if (input.allowlist) {
    results = applyAllowlist(results, input.allowlist, input.set.nowMs, { policies: metas, subjects: input.facts.subjects });
    metas.push(...allowlistMetas(input.allowlist.file));
  }
  let fixed: BaselineEntry[] = [];
  if (input.baseline) ({ results, fixed } = applyBaseline(results, input.baseline));
  // The engine emits report order and the baseline keeps it; only the allowlist's own
  // results (appended) need sorting in.
  if (input.allowlist) results.sort(compareResults);
  const report: EvaluationReport = {
    tool: { name: 'policy-eval', version: input.version },
    now: input.now,
    policies: metas.sort((a, b) => compareIds(a.id, b.id)),
    results,
    summary: summarize(results, { policies: input.set.policies.length, subjects: input.facts.subjects.length, fixed: fixed.length }),
  };
  return { report, raw, fixed };
}

export interface ExitPolicy {
  failOn: 'warn' | 'error';
  maxWarnings?: number;
}

/** 0 no failing result; 1 failing results or warnings over --max-warnings. (2 is for errors, thrown elsewhere.) */
export function exitCodeFor(report: EvaluationReport, policy: ExitPolicy): 0 | 1 {
  let warnings = 0;
  for (const r of report.results) {
    if (r.status !== 'fail' && r.status !== 'unknown') continue;
    if (r.severity === 'error') return 1;
    if (r.severity === 'warn') {
      if (policy.failOn === 'warn') return 1;
      warnings++;
    }
  }
  return policy.maxWarnings !== undefined && warnings > policy.maxWarnings ? 1 : 0;
}

