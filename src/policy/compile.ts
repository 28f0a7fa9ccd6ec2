/**
 * Compiler: PolicyDefinition → json-rules-engine rule JSON. Every condition reads the single
 * runtime fact `$` (the subject's fact scope) through `path`, resolved by our plain dot-path
 * resolver (never JSONPath). The root is `{ all: [ {name: applies, …}, {name: violation, …} ] }`
 * so a rule result keeps both trees apart; both evaluators read this JSON, nothing else.
 */
import type { CompiledPolicy, ConditionNode, JreCondition, JreLeaf, JreRule, PolicyDefinition } from './types.ts';

export const SCOPE_FACT = '$';

/** A leaf of compiled rule JSON (a group is all/any/not). */
export function isLeaf(c: JreCondition): c is JreLeaf {
  return 'operator' in c;
}

/** The right-hand fact path of a compiled leaf value (`{ fact: '$', path }`), if it is one. */
export function rhsFact(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && (value as { fact?: unknown }).fact === SCOPE_FACT) {
    return (value as { path: string }).path;
  }
  return undefined;
}

export function compilePolicy(def: PolicyDefinition): CompiledPolicy {
  const roots: JreCondition[] = [];
  if (def.applies) roots.push(named(compileCondition(def.applies), 'applies'));
  roots.push(named(compileCondition(def.violation), 'violation'));
  const rule: JreRule = {
    name: def.meta.id,
    priority: 1,
    conditions: { all: roots },
    event: { type: 'policy', params: { policyId: def.meta.id } },
  };
  const reasons: Record<string, string> = {};
  if (def.applies) collectReasons(def.applies, reasons);
  return { def, rule, subject: def.meta.subject, reasons };
}

export function compilePolicies(defs: readonly PolicyDefinition[]): CompiledPolicy[] {
  return defs.map(compilePolicy);
}

/** A root that is a bare leaf or `not` is wrapped in `all: [...]` so it can carry its name. */
function named(c: JreCondition, name: 'applies' | 'violation'): JreCondition {
  if ('all' in c) return { name, all: c.all };
  if ('any' in c) return { name, any: c.any };
  return { name, all: [c] };
}

export function compileCondition(node: ConditionNode): JreCondition {
  switch (node.kind) {
    case 'all':
      return { all: node.children.map(compileCondition) };
    case 'any':
      return { any: node.children.map(compileCondition) };
    case 'not':
      return { not: compileCondition(node.child) };
    case 'leaf':
      return {
        fact: SCOPE_FACT,
        path: node.fact,
        operator: node.operator,
        // json-rules-engine resolves `{ fact, path }` values itself (right-hand facts).
        value: node.valueFact === undefined ? node.value : { fact: SCOPE_FACT, path: node.valueFact },
      };
  }
}

function collectReasons(node: ConditionNode, out: Record<string, string>): void {
  if (node.kind === 'leaf') {
    if (node.reason !== undefined) out[conditionText(compileCondition(node) as JreLeaf)] = node.reason;
  } else if (node.kind === 'not') collectReasons(node.child, out);
  else node.children.forEach((c) => collectReasons(c, out));
}

/** `access.classes contains "x"` — the condition as explain and reasons show it. */
export function conditionText(leaf: JreLeaf): string {
  const v = leaf.value;
  const ref = v !== null && typeof v === 'object' && !Array.isArray(v) && (v as { fact?: unknown }).fact === SCOPE_FACT ? (v as { path: string }).path : undefined;
  return `${leaf.path} ${leaf.operator} ${ref === undefined ? JSON.stringify(v) : `{ fact: ${ref} }`}`;
}

/** The source condition behind a compiled root (for reasons and explain text). */
export function conditionRoots(def: PolicyDefinition): { applies?: ConditionNode; violation: ConditionNode } {
  return def.applies ? { applies: def.applies, violation: def.violation } : { violation: def.violation };
}
