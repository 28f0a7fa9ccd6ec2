/**
 * The two evaluators of compiled rules. Both read the same rule JSON and the same operator
 * table and give identical outcomes (a differential test checks it):
 *  - `jre`: json-rules-engine itself — custom operators registered, plain dot-path resolver,
 *    one Engine per subject kind built once per invocation, subjects run one at a time (its
 *    stop()/status are engine-wide). Leaf results come from the engine; a leaf whose sides the
 *    operator does not accept is `unknown`, and groups combine with Kleene logic.
 *  - `fast` (default): closures built once from the rule JSON; a trace is built only when one
 *    is needed (explain, unknown, not applicable).
 */
import { Engine } from 'json-rules-engine';
import type { ExplainNode, SubjectKind } from './result.ts';
import { compileGetter, resolveFact, type FactScope, type Getter } from './scope.ts';
import type { OperatorSpec } from './operators.ts';
import { conditionText, isLeaf, rhsFact, SCOPE_FACT } from './compile.ts';
import { generateOutcomeFunction } from './fastpath.ts';
import type { CompiledPolicy, JreCondition, JreLeaf, Tri } from './types.ts';

export type EngineName = 'fast' | 'jre';
export const ENGINES: readonly EngineName[] = ['fast', 'jre'];

export interface PolicyOutcome {
  /** undefined when the policy has no applies tree. */
  applies?: Tri;
  violation: Tri;
}

export interface PolicyTrace {
  applies?: ExplainNode;
  violation: ExplainNode;
}

export function kleeneAll(results: readonly Tri[]): Tri {
  let unknown = false;
  for (const r of results) {
    if (r === false) return false;
    if (r === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : true;
}

export function kleeneAny(results: readonly Tri[]): Tri {
  let unknown = false;
  for (const r of results) {
    if (r === true) return true;
    if (r === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : false;
}

export function kleeneNot(r: Tri): Tri {
  return r === 'unknown' ? 'unknown' : !r;
}

function leafNode(leaf: JreLeaf, factValue: unknown, value: unknown, outcome: Tri): ExplainNode {
  const node: ExplainNode = { kind: 'condition', text: conditionText(leaf), fact: leaf.path, operator: leaf.operator, value, outcome };
  if (factValue !== undefined) node.factValue = factValue;
  // A right-hand fact travels as data, so explain and unknown-fact messages never parse text.
  const valueFact = rhsFact(leaf.value);
  if (valueFact !== undefined) node.valueFact = valueFact;
  return node;
}

function operatorFor(ops: ReadonlyMap<string, OperatorSpec>, name: string): OperatorSpec {
  const op = ops.get(name);
  // The loader validates operators; reaching this means rule JSON was edited by hand.
  if (!op) throw new Error(`compiled rule uses unknown operator "${name}"`);
  return op;
}

// ---------------------------------------------------------------------------------------
// Fast path

type TraceFn = (s: FactScope) => ExplainNode;

function buildTrace(c: JreCondition, ops: ReadonlyMap<string, OperatorSpec>): TraceFn {
  if (isLeaf(c)) {
    const op = operatorFor(ops, c.operator);
    const get: Getter = compileGetter(c.path);
    const f = rhsFact(c.value);
    const getValue: Getter = f === undefined ? () => c.value : compileGetter(f);
    return (s) => {
      const a = get(s);
      const b = getValue(s);
      return leafNode(c, a, b, op.accepts(a, b) ? op.test(a, b) : 'unknown');
    };
  }
  if ('not' in c) {
    const inner = buildTrace(c.not, ops);
    return (s) => {
      const child = inner(s);
      return { kind: 'not', outcome: kleeneNot(child.outcome), children: [child] };
    };
  }
  const kind = 'all' in c ? 'all' : 'any';
  const kids = ('all' in c ? c.all : c.any).map((k) => buildTrace(k, ops));
  return (s) => {
    const children = kids.map((k) => k(s));
    const outcomes = children.map((n) => n.outcome);
    return { kind, outcome: kind === 'all' ? kleeneAll(outcomes) : kleeneAny(outcomes), children };
  };
}

function rootsOf(policy: CompiledPolicy): { applies?: JreCondition; violation: JreCondition } {
  const roots = policy.rule.conditions.all;
  const applies = roots.find((r) => (r as { name?: string }).name === 'applies');
  const violation = roots.find((r) => (r as { name?: string }).name === 'violation')!;
  return applies ? { applies, violation } : { violation };
}

export interface FastPolicy {
  policy: CompiledPolicy;
  /** The outcome packed in one small integer (no allocation): see outcomeCode(). */
  code(scope: FactScope): number;
  trace(scope: FactScope): PolicyTrace;
}

const TRI_CODE = (t: Tri): number => (t === 'unknown' ? 2 : t ? 1 : 0);

/** applies (0 false, 1 true, 2 unknown, 3 absent) × 4 + violation (0 false, 1 true, 2 unknown; 0 when applies is not true). */
export function outcomeCode(o: PolicyOutcome): number {
  return (o.applies === undefined ? 3 : TRI_CODE(o.applies)) * 4 + TRI_CODE(o.violation);
}

/** Closures for one policy, built once from its compiled rule JSON. */
export function buildFastPolicy(policy: CompiledPolicy, ops: ReadonlyMap<string, OperatorSpec>): FastPolicy {
  const roots = rootsOf(policy);
  const violationTrace = buildTrace(roots.violation, ops);
  const code = generateOutcomeFunction(roots, ops);
  if (roots.applies) {
    const appliesTrace = buildTrace(roots.applies, ops);
    return { policy, code, trace: (s) => ({ applies: appliesTrace(s), violation: violationTrace(s) }) };
  }
  return { policy, code, trace: (s) => ({ violation: violationTrace(s) }) };
}

// ---------------------------------------------------------------------------------------
// json-rules-engine

/** The evaluated condition objects json-rules-engine leaves in a rule result. */
interface EvaluatedCondition {
  all?: EvaluatedCondition[];
  any?: EvaluatedCondition[];
  not?: EvaluatedCondition;
  name?: string;
  path?: string;
  operator?: string;
  value?: unknown;
  factResult?: unknown;
  valueResult?: unknown;
  result?: boolean;
}

function traceFromJre(c: EvaluatedCondition, ops: ReadonlyMap<string, OperatorSpec>): ExplainNode {
  if (c.all !== undefined || c.any !== undefined) {
    const kind = c.all !== undefined ? 'all' : 'any';
    const children = (c.all ?? c.any)!.map((k) => traceFromJre(k, ops));
    const outcomes = children.map((n) => n.outcome);
    return { kind, outcome: kind === 'all' ? kleeneAll(outcomes) : kleeneAny(outcomes), children };
  }
  if (c.not !== undefined) {
    const child = traceFromJre(c.not, ops);
    return { kind: 'not', outcome: kleeneNot(child.outcome), children: [child] };
  }
  const op = operatorFor(ops, c.operator!);
  const leaf: JreLeaf = { fact: SCOPE_FACT, path: c.path!, operator: c.operator!, value: c.value };
  // The engine recorded both sides; the same guard that made the operator return false
  // tells a genuine false from a missing or mistyped side.
  const outcome: Tri = op.accepts(c.factResult, c.valueResult) ? c.result === true : 'unknown';
  return leafNode(leaf, c.factResult, c.valueResult, outcome);
}

export interface JreEvaluator {
  /** Outcome and trace of every policy for this subject's kind, in policy order. */
  run(scope: FactScope, kind: SubjectKind): Promise<Map<string, { outcome: PolicyOutcome; trace: PolicyTrace }>>;
}

export function createJreEvaluator(policies: readonly CompiledPolicy[], ops: ReadonlyMap<string, OperatorSpec>): JreEvaluator {
  const engines = new Map<SubjectKind, Engine>();
  for (const p of policies) {
    let engine = engines.get(p.subject);
    if (!engine) {
      engine = new Engine([], { allowUndefinedFacts: false, pathResolver: (value: object, path: string) => resolveFact(value as FactScope, path) });
      for (const spec of ops.values()) {
        const { accepts, test } = spec;
        engine.addOperator(spec.name, (a: unknown, b: unknown) => accepts(a, b) && test(a, b));
      }
      engines.set(p.subject, engine);
    }
    engine.addRule(structuredClone(p.rule) as never);
  }
  return {
    async run(scope, kind) {
      const out = new Map<string, { outcome: PolicyOutcome; trace: PolicyTrace }>();
      const engine = engines.get(kind);
      if (!engine) return out;
      const { results, failureResults } = await engine.run({ [SCOPE_FACT]: scope });
      for (const rr of [...results, ...failureResults]) {
        const roots = (rr.conditions as unknown as EvaluatedCondition).all!;
        const trace: PolicyTrace = { violation: undefined as unknown as ExplainNode };
        for (const root of roots) {
          const node = traceFromJre(root, ops);
          if (root.name === 'applies') trace.applies = node;
          else trace.violation = node;
        }
        const outcome: PolicyOutcome = { violation: trace.violation.outcome };
        if (trace.applies) outcome.applies = trace.applies.outcome;
        out.set(rr.name as string, { outcome, trace });
      }
      return out;
    },
  };
}
