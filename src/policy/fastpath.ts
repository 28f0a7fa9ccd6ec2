/**
 * The fast path proper: one plain function per policy, generated once from its compiled
 * json-rules-engine rule JSON. Generic closure trees pay a megamorphic call per node; a
 * generated body with one call site per leaf lets V8 inline the getters and operators, which
 * is what brings evaluation near hand-written predicates.
 *
 * Safety: the generated source contains only fixed keywords, local variable names, integer
 * indices and — for two-segment fact paths, read as named properties so V8 keeps monomorphic
 * inline caches — path segments that are plain identifiers (checked here against
 * IDENTIFIER, on top of the loader's check against the fact catalog) written as JSON string
 * literals. Operator functions and constants are passed in as values, never spliced into the
 * source, so nothing from a policy file can inject code.
 */
import type { OperatorSpec } from './operators.ts';
import { compileGetter, type FactScope, type Getter } from './scope.ts';
import { isLeaf, rhsFact } from './compile.ts';
import type { JreCondition } from './types.ts';

type Accept = OperatorSpec['accepts'];
type Test = OperatorSpec['test'];

interface GenContext {
  getters: Getter[];
  accepts: Accept[];
  tests: Test[];
  consts: unknown[];
  /** Right-hand getters; null when the right-hand side is a constant. */
  valueGetters: (Getter | null)[];
  next: number;
  lines: string[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Inline read of `a.b` (subject first, then context), or undefined when the path needs the generic getter. */
function inlineRead(path: string, target: string): string | undefined {
  const segs = path.split('.');
  if (segs.length !== 2 || segs[0] === 'subject' || !segs.every((k) => IDENTIFIER.test(k) && !(k in Object.prototype) && k !== 'length')) return undefined;
  const [a, b] = segs.map((k) => JSON.stringify(k)) as [string, string];
  return [
    `let ${target}; { const o = s.subject[${a}]; ${target} = typeof o === "object" && o !== null ? o[${b}] : undefined;`,
    `if (${target} === undefined) { const c = s.context[${a}]; ${target} = typeof c === "object" && c !== null ? c[${b}] : undefined; } }`,
  ].join('\n');
}

/** Emit statements computing condition `c` into a fresh variable (0 false, 1 true, 2 unknown); returns its name. */
function emit(c: JreCondition, ops: ReadonlyMap<string, OperatorSpec>, g: GenContext): string {
  const r = `r${g.next++}`;
  if (isLeaf(c)) {
    const op = ops.get(c.operator);
    if (!op) throw new Error(`compiled rule uses unknown operator "${c.operator}"`);
    const i = g.getters.length;
    g.getters.push(compileGetter(c.path));
    g.accepts.push(op.accepts);
    g.tests.push(op.test);
    const f = rhsFact(c.value);
    g.consts.push(f === undefined ? c.value : undefined);
    g.valueGetters.push(f === undefined ? null : compileGetter(f));
    g.lines.push(inlineRead(c.path, `a${i}`) ?? `const a${i} = G${i}(s);`);
    if (f === undefined) g.lines.push(`const b${i} = K${i};`);
    else g.lines.push(inlineRead(f, `b${i}`) ?? `const b${i} = V${i}(s);`);
    g.lines.push(`const ${r} = A${i}(a${i}, b${i}) ? (T${i}(a${i}, b${i}) ? 1 : 0) : 2;`);
    return r;
  }
  if ('not' in c) {
    const inner = emit(c.not, ops, g);
    g.lines.push(`const ${r} = ${inner} === 2 ? 2 : 1 - ${inner};`);
    return r;
  }
  const isAll = 'all' in c;
  const kids = isAll ? c.all : c.any;
  // all: a false child decides (0); any: a true child decides (1); otherwise unknown wins.
  const decided = isAll ? 0 : 1;
  g.lines.push(`let ${r} = ${1 - decided};`, `${r}b: {`);
  for (const k of kids) {
    const kr = emit(k, ops, g);
    g.lines.push(`if (${kr} === ${decided}) { ${r} = ${decided}; break ${r}b; }`, `if (${kr} === 2) ${r} = 2;`);
  }
  g.lines.push('}');
  return r;
}

/**
 * Build the outcome-code function of one rule: applies (0/1/2, or 3 when absent) × 4 +
 * violation. When applies is not true the violation is not needed (not_applicable / unknown)
 * and is reported as 0.
 */
export function generateOutcomeFunction(roots: { applies?: JreCondition; violation: JreCondition }, ops: ReadonlyMap<string, OperatorSpec>): (s: FactScope) => number {
  const g: GenContext = { getters: [], accepts: [], tests: [], consts: [], valueGetters: [], next: 0, lines: [] };
  if (roots.applies) {
    const a = emit(roots.applies, ops, g);
    g.lines.push(`if (${a} !== 1) return ${a} * 4;`);
  }
  const v = emit(roots.violation, ops, g);
  g.lines.push(`return ${roots.applies ? 4 : 12} + ${v};`);
  const binds = g.getters.map((_, i) => `const G${i} = G[${i}], A${i} = A[${i}], T${i} = T[${i}], K${i} = K[${i}], V${i} = V[${i}];`);
  const source = `${binds.join('\n')}\nreturn function outcome(s) {\n${g.lines.join('\n')}\n};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see the file comment: no policy text reaches the source
  const factory = new Function('G', 'A', 'T', 'K', 'V', source) as (...args: unknown[]) => (s: FactScope) => number;
  return factory(g.getters, g.accepts, g.tests, g.consts, g.valueGetters);
}
