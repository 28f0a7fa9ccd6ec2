/**
 * Policy layer entry: load YAML policies, compile them to json-rules-engine rules, evaluate
 * them (fast path or json-rules-engine) against facts, apply allowlist and baseline, explain,
 * run policy tests and generate docs.
 */
export * from './result.ts';
export type { CompiledPolicy, ConditionNode, JreRule, PolicyDefinition, Tri } from './types.ts';
export { definePolicy, listPolicyFiles, loadPolicies, loadPolicyFile, SEVERITIES, CONFIG_THRESHOLDS, type ThresholdConfig } from './loader.ts';
export { compilePolicies, compilePolicy, SCOPE_FACT } from './compile.ts';
export { createOperators, OPERATOR_NAMES, MAX_PATTERN_LENGTH, MAX_MATCH_INPUT, type OperatorSpec } from './operators.ts';
export { buildFastPolicy, createJreEvaluator, ENGINES, type EngineName, type PolicyOutcome, type PolicyTrace } from './evaluate.ts';
export { resolveSeverity } from './severity.ts';
export { parseFacts, readFactsFile, scopeFor, type FactsDocument, type SubjectFacts } from './facts.ts';
export { resolveFact, type FactScope } from './scope.ts';
export { applyAllowlist, defineAllowlist, isOverBroadGlob, overBroadGlobReason, loadAllowlist, RESERVED_POLICY_PREFIX, type AllowlistScope, unboundedLoadExemptions, ALLOWLIST_POLICIES, EXPIRY_WARNING_DAYS, UNBOUNDED_LOADER_POLICY, type Allowlist } from './allowlist.ts';
export { applyBaseline, baselineFrom, fingerprintFor, readBaseline, writeBaseline, type Baseline } from './baseline.ts';
export { buildPolicySet, evaluateOne, locationsOf, evaluateSubjects, exitCodeFor, runCheck, summarize, type PolicySet } from './check.ts';
export { renderExplain, renderExplainNode } from './explain.ts';
export { actualExpectation, listTestFiles, loadTestFile, runPolicyTests, type TestRun } from './tester.ts';
export { renderPolicyDocs, DOC_HEADER } from './docs.ts';
