/**
 * Policy definitions as the loader produces them (validated, thresholds resolved, with source
 * positions) and the compiled form handed to both evaluators.
 */
import type { PolicyMeta, ResultSeverity, SubjectKind } from './result.ts';

export interface Pos {
  file: string;
  line: number;
  column: number;
}

/** A right-hand side as written, kept for docs/explain ("{ config: largeRows }" = 1000000). */
export type ValueSource = { kind: 'literal' } | { kind: 'config'; key: string } | { kind: 'env'; name: string; set: boolean } | { kind: 'fact'; path: string };

export interface LeafCondition {
  kind: 'leaf';
  fact: string;
  operator: string;
  /** Resolved value (thresholds already looked up); undefined when `valueFact` is used. */
  value: unknown;
  /** Right-hand side read from another fact (`{ fact: access.declared }`). */
  valueFact?: string;
  source: ValueSource;
  reason?: string;
  pos: Pos;
}

export interface GroupCondition {
  kind: 'all' | 'any';
  children: ConditionNode[];
  pos: Pos;
}

export interface NotCondition {
  kind: 'not';
  child: ConditionNode;
  pos: Pos;
}

export type ConditionNode = LeafCondition | GroupCondition | NotCondition;

export interface LocationSpec {
  fact: string;
  where?: Record<string, string>;
}

export interface PolicyDefinition {
  meta: PolicyMeta;
  severity: { default?: ResultSeverity; env: { name: string; map: Record<string, ResultSeverity> }[] };
  applies?: ConditionNode;
  violation: ConditionNode;
  message: string;
  location?: LocationSpec;
  /** Every fact the policy reads (conditions, message, location), sorted. */
  facts: string[];
}

/** json-rules-engine rule JSON, exactly as `policy-eval compile` prints it. */
export interface JreLeaf {
  fact: '$';
  path: string;
  operator: string;
  value: unknown;
  name?: string;
}
export type JreCondition = JreLeaf | { all: JreCondition[]; name?: string } | { any: JreCondition[]; name?: string } | { not: JreCondition; name?: string };

export interface JreRule {
  name: string;
  priority: number;
  conditions: { all: JreCondition[] };
  event: { type: 'policy'; params: { policyId: string } };
}

export interface CompiledPolicy {
  def: PolicyDefinition;
  rule: JreRule;
  subject: SubjectKind;
  /** applies-condition text → its `reason` (the not-applicable message). */
  reasons: Record<string, string>;
}

/** Three-valued outcome: Kleene logic over conditions where a missing/mistyped fact is unknown. */
export type Tri = boolean | 'unknown';
