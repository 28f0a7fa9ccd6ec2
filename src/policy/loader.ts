/**
 * Policy loader: strict YAML (or JSON) with source positions → schema → semantic checks
 * against the fact catalog and the operator table → PolicyDefinition with thresholds resolved
 * from the loaded config/env. Every problem is a HarnessError at file:line:column with a
 * did-you-mean where one helps; nothing is silently skipped.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { parseStrictNumber } from '../common/parse.ts';
import { validateDocument } from '../common/schema.ts';
import { didYouMeanSuffix } from '../common/suggest.ts';
import { parseYamlFile, type ParsedYaml } from '../common/yaml.ts';
import { ENV_TOGGLE_NAMES, ENV_TOGGLES, type HarnessConfig } from '../config/index.ts';
import { factDefinition, factPaths, SUBJECT_KINDS, type FactDefinition } from '../collectors/index.ts';
import { compilePattern, createOperators, DAYS_COMPARATORS, normalizeSemver, OPERATOR_NAMES, type OperatorSpec } from './operators.ts';
import type { PolicyMeta, ResultSeverity, SubjectKind } from './result.ts';
import { TEMPLATE_RE } from './template.ts';
import type { ConditionNode, LeafCondition, LocationSpec, PolicyDefinition, Pos, ValueSource } from './types.ts';

export const SEVERITIES: readonly ResultSeverity[] = ['off', 'info', 'warn', 'error'];
export const POLICY_EXTENSIONS = ['.yaml', '.yml', '.json'];
/** Policy ids starting with this are the allowlist's own results; policy files may not use it. */
export const RESERVED_POLICY_PREFIX = 'allowlist.';

/** Numeric config values a threshold may name (`{ config: largeRows }`). */
export const CONFIG_THRESHOLDS: Readonly<Record<string, (c: ThresholdConfig) => number>> = {
  largeRows: (c) => c.largeRows,
  'closeWindow.startDay': (c) => c.closeWindow.startDay,
  'closeWindow.endDay': (c) => c.closeWindow.endDay,
  'plugins.timeoutMs': (c) => c.plugins.timeoutMs,
  'plugins.memoryMb': (c) => c.plugins.memoryMb,
};

/** The slice of the harness config the policy layer reads. */
export type ThresholdConfig = Pick<HarnessConfig, 'largeRows' | 'closeWindow' | 'plugins' | 'env'>;

const OPERATORS = createOperators(0);

export interface LoadOptions {
  config: ThresholdConfig;
  /** Paths in messages are shown relative to this directory. */
  cwd: string;
}

/** Policy files of a directory (not recursive: policies/tests/ holds test files), sorted. */
export function listPolicyFiles(dirOrFile: string): string[] {
  let st;
  try {
    st = statSync(dirOrFile);
  } catch {
    throw new HarnessError('policies-not-found', `cannot read ${dirOrFile}: no such file or directory`, { hint: 'pass --policies <dir|file>' });
  }
  if (st.isFile()) return [dirOrFile];
  return readdirSync(dirOrFile)
    .filter((f) => POLICY_EXTENSIONS.includes(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(dirOrFile, f))
    .filter((f) => statSync(f).isFile());
}

/** Load every policy file under the given paths; duplicate ids across files name both files. */
export function loadPolicies(paths: readonly string[], options: LoadOptions): PolicyDefinition[] {
  const out: PolicyDefinition[] = [];
  const seen = new Map<string, PolicyMeta>();
  for (const p of paths) {
    for (const file of listPolicyFiles(p)) {
      const def = loadPolicyFile(file, options);
      const prev = seen.get(def.meta.id);
      if (prev) {
        throw new HarnessError('duplicate-policy-id', `policy id "${def.meta.id}" is already defined in ${prev.file}:${prev.line}`, {
          file: def.meta.file,
          line: def.meta.line,
          column: 5,
          hint: 'policy ids must be unique across all policy files; rename one of them',
        });
      }
      seen.set(def.meta.id, def.meta);
      out.push(def);
    }
  }
  return out.sort((a, b) => (a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0));
}

export function loadPolicyFile(file: string, options: LoadOptions): PolicyDefinition {
  const shown = displayPath(file, options.cwd);
  const parsed = parseWithDisplayPath(file, shown);
  const doc: ParsedYaml = { ...parsed, file: shown };
  return definePolicy(doc, options);
}

/** Parse errors name the file as the user would type it (relative to cwd). */
export function parseWithDisplayPath(file: string, shown: string): ParsedYaml {
  try {
    return parseYamlFile(file);
  } catch (err) {
    if (!(err instanceof HarnessError) || err.file !== file) throw err;
    const opts = { file: shown, ...(err.line === undefined ? {} : { line: err.line }), ...(err.column === undefined ? {} : { column: err.column }), ...(err.hint === undefined ? {} : { hint: err.hint }) };
    throw new HarnessError(err.code, err.message.split(file).join(shown), opts);
  }
}

export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel.startsWith('..') || rel === '' ? file : rel;
}

/** Semantic checks first (precise condition errors), then the schema for everything else. */
export function definePolicy(doc: Pick<ParsedYaml, 'file' | 'value' | 'positionOf'>, options: LoadOptions): PolicyDefinition {
  const raw = doc.value;
  const at = (path: (string | number)[]): Pos => ({ file: doc.file, ...doc.positionOf(path) });
  const fail = (code: string, message: string, path: (string | number)[], hint?: string): never => {
    throw new HarnessError(code, message, { ...at(path), ...(hint === undefined ? {} : { hint }) });
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    fail('schema', 'a policy file must contain one mapping (id, title, owner, subject, stage, violation, message)', []);
  }
  const obj = raw as Record<string, unknown>;
  if (typeof obj['id'] !== 'string') fail('schema', 'invalid policy: missing the required key "id"', [], 'every policy needs a unique id such as streaming.unbounded-loader');
  // The allowlist reports its own results under allowlist.* ids; a policy there would be confused with them.
  if ((obj['id'] as string).startsWith(RESERVED_POLICY_PREFIX)) {
    fail('reserved-policy-id', `policy id "${obj['id'] as string}" uses the reserved prefix "${RESERVED_POLICY_PREFIX}"`, ['id'], 'allowlist.* ids are the allowlist\'s own results (expired, expiring, stale, over-broad); choose another prefix');
  }
  const subject = SUBJECT_KINDS.includes(obj['subject'] as SubjectKind) ? (obj['subject'] as SubjectKind) : undefined;
  const ctx: WalkContext = { at, fail, subject, config: options.config, facts: new Set<string>() };
  // Conditions are checked before the schema: oneOf errors from ajv would be unreadable.
  const applies = obj['applies'] === undefined ? undefined : walkCondition(obj['applies'], ['applies'], ctx, true);
  const violation = obj['violation'] === undefined ? undefined : walkCondition(obj['violation'], ['violation'], ctx, false);
  checkSeverity(obj['severity'], ctx);
  validateDocument('policy.schema.json', doc, `policy ${JSON.stringify(obj['id'])}`);
  if (obj['stage'] === undefined && (obj['severity'] as { default?: unknown } | undefined)?.default === undefined) {
    fail('schema', `policy "${obj['id'] as string}" needs a stage (warn | fail) or a severity.default`, [], 'add `stage: warn` to roll a new policy out as warnings first');
  }

  const message = obj['message'] as string;
  for (const m of message.matchAll(TEMPLATE_RE)) {
    const path = m[1]!;
    checkFact(path, ['message'], ctx, 'message template');
  }
  let location: LocationSpec | undefined;
  if (obj['location'] !== undefined) {
    const l = obj['location'];
    location = typeof l === 'string' ? { fact: l } : (l as LocationSpec);
    const def = checkFact(location.fact, ['location'], ctx, 'location');
    if (def.type !== 'location[]') fail('type-mismatch', `location fact "${location.fact}" has type ${def.type}; it must be location[]`, ['location']);
  }
  const sev = (obj['severity'] ?? {}) as { default?: ResultSeverity; env?: Record<string, Record<string, ResultSeverity>> };
  const meta: PolicyMeta = {
    id: obj['id'] as string,
    title: obj['title'] as string,
    owner: obj['owner'] as string,
    tags: [...((obj['tags'] as string[] | undefined) ?? [])].sort(),
    subject: obj['subject'] as SubjectKind,
    stage: obj['stage'] as PolicyMeta['stage'],
    file: doc.file,
    line: at(['id']).line,
  };
  for (const k of ['description', 'docs', 'remediation'] as const) if (typeof obj[k] === 'string') meta[k] = (obj[k] as string).trim();
  return {
    meta,
    severity: {
      ...(sev.default === undefined ? {} : { default: sev.default }),
      env: Object.entries(sev.env ?? {}).map(([name, map]) => ({ name, map: { ...map } })),
    },
    ...(applies === undefined ? {} : { applies }),
    violation: violation!,
    message,
    ...(location === undefined ? {} : { location }),
    facts: [...ctx.facts].sort(),
  };
}

interface WalkContext {
  at(path: (string | number)[]): Pos;
  fail(code: string, message: string, path: (string | number)[], hint?: string): never;
  subject: SubjectKind | undefined;
  config: ThresholdConfig;
  facts: Set<string>;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

function walkCondition(node: unknown, path: (string | number)[], ctx: WalkContext, inApplies: boolean): ConditionNode {
  const where = path.join('.');
  if (node === null || typeof node !== 'object' || Array.isArray(node)) {
    ctx.fail('schema', `${where} must be a condition mapping ({ all: [...] }, { any: [...] }, { not: ... } or { fact: ..., <operator>: ... }), got ${describe(node)}`, path);
  }
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  const group = keys.filter((k) => k === 'all' || k === 'any' || k === 'not');
  if (group.length > 0) {
    if (keys.length !== 1) {
      const extra = keys.find((k) => k !== group[0])!;
      ctx.fail('schema', `${where}: "${group[0]}" cannot be combined with "${extra}" in one mapping`, [...path, extra], 'nest the other condition inside the list');
    }
    const kind = group[0] as 'all' | 'any' | 'not';
    const inner = obj[kind];
    if (kind === 'not') return { kind, child: walkCondition(inner, [...path, kind], ctx, inApplies), pos: ctx.at(path) };
    if (!Array.isArray(inner) || inner.length === 0) ctx.fail('schema', `${where}.${kind} must be a non-empty list of conditions`, [...path, kind]);
    return { kind, children: (inner as unknown[]).map((c, i) => walkCondition(c, [...path, kind, i], ctx, inApplies)), pos: ctx.at(path) };
  }
  if (!('fact' in obj)) {
    const guess = didYouMeanSuffix(keys[0] ?? '', ['all', 'any', 'not', 'fact']);
    ctx.fail('schema', `${where} is neither a group (all/any/not) nor a condition (fact + operator); it has ${keys.map((k) => `"${k}"`).join(', ') || 'no keys'}${guess}`, path);
  }
  return walkLeaf(obj, path, ctx, inApplies);
}

function walkLeaf(obj: Record<string, unknown>, path: (string | number)[], ctx: WalkContext, inApplies: boolean): LeafCondition {
  const fact = obj['fact'];
  if (typeof fact !== 'string' || fact === '') ctx.fail('schema', `${path.join('.')}.fact must be a fact path such as "access.classes"`, [...path, 'fact']);
  const def = checkFact(fact as string, [...path, 'fact'], ctx, 'condition');
  const opKeys = Object.keys(obj).filter((k) => k !== 'fact' && k !== 'reason');
  if (opKeys.length === 0) {
    ctx.fail('missing-operator', `condition on "${fact}" has no operator`, path, `add one of: ${OPERATOR_NAMES.join(', ')}`);
  }
  for (const k of opKeys) {
    if (!OPERATORS.has(k)) {
      ctx.fail('unknown-operator', `unknown operator "${k}"${didYouMeanSuffix(k, OPERATOR_NAMES)}`, [...path, k], `operators: ${OPERATOR_NAMES.join(', ')}`);
    }
  }
  if (opKeys.length > 1) ctx.fail('schema', `one condition takes one operator; this one has ${opKeys.map((k) => `"${k}"`).join(' and ')}`, [...path, opKeys[1]!], 'split it into an all: [...] of two conditions');
  if (obj['reason'] !== undefined && typeof obj['reason'] !== 'string') ctx.fail('schema', 'reason must be a string', [...path, 'reason']);
  if (obj['reason'] !== undefined && !inApplies) ctx.fail('schema', '"reason" is only meaningful inside applies (it explains not_applicable results)', [...path, 'reason']);
  const operator = opKeys[0]!;
  const spec = OPERATORS.get(operator)!;
  const vpath = [...path, operator];
  if (!spec.factTypes.includes(def.type)) {
    ctx.fail('type-mismatch', `operator "${operator}" does not apply to "${fact}" (type ${def.type}); it takes ${spec.factTypes.join(' | ')} facts`, vpath, suggestOperatorFor(def));
  }
  const { value, source, valueFact } = resolveValue(obj[operator], vpath, spec, def, ctx);
  const leaf: LeafCondition = { kind: 'leaf', fact: fact as string, operator, value, source, pos: ctx.at(path) };
  if (valueFact !== undefined) leaf.valueFact = valueFact;
  if (typeof obj['reason'] === 'string') leaf.reason = obj['reason'];
  return leaf;
}

function suggestOperatorFor(def: FactDefinition): string {
  const fits = OPERATOR_NAMES.filter((n) => OPERATORS.get(n)!.factTypes.includes(def.type));
  return `operators for ${def.type} facts: ${fits.join(', ')}`;
}

function checkFact(path: string, at: (string | number)[], ctx: WalkContext, what: string): FactDefinition {
  const def = factDefinition(path);
  if (!def) {
    ctx.fail('unknown-fact', `"${path}" is not provided by any collector${didYouMeanSuffix(path, factPaths())}`, at, `the fact catalog is in src/collectors/catalog.ts (and docs/policies.md); used in ${what}`);
  }
  if (ctx.subject !== undefined && def.subjects !== 'context' && !def.subjects.includes(ctx.subject)) {
    ctx.fail('fact-not-on-subject', `"${path}" is published for ${def.subjects.join('/')} subjects, not for ${ctx.subject} subjects`, at);
  }
  ctx.facts.add(path);
  return def;
}

function resolveValue(raw: unknown, vpath: (string | number)[], spec: OperatorSpec, def: FactDefinition, ctx: WalkContext): { value: unknown; source: ValueSource; valueFact?: string } {
  const bad = (msg: string, hint?: string): never => ctx.fail('invalid-value', msg, vpath, hint);
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    if ('fact' in o) {
      if (!spec.factValue) bad(`"${spec.name}" does not take a fact on its right-hand side`);
      if (Object.keys(o).length !== 1 || typeof o['fact'] !== 'string') bad('a fact reference is { fact: <path> } and nothing else');
      const other = checkFact(o['fact'] as string, vpath, ctx, 'right-hand side');
      const elementType = def.type === 'string[]' ? 'string' : def.type;
      const compatible = (t: string) => (t === 'integer' ? 'number' : t);
      if (compatible(other.type) !== compatible(elementType)) bad(`"${def.path}" (${def.type}) cannot be compared with "${other.path}" (${other.type}) by ${spec.name}`);
      return { value: undefined, source: { kind: 'fact', path: o['fact'] as string }, valueFact: o['fact'] as string };
    }
    if ('config' in o) {
      if (spec.valueKind !== 'number') bad(`{ config: ... } thresholds are numbers; "${spec.name}" does not take one`);
      const key = o['config'];
      const get = typeof key === 'string' ? CONFIG_THRESHOLDS[key] : undefined;
      if (!get) bad(`unknown config value "${String(key)}"${didYouMeanSuffix(String(key), Object.keys(CONFIG_THRESHOLDS))}`, `config thresholds: ${Object.keys(CONFIG_THRESHOLDS).join(', ')}`);
      return { value: get!(ctx.config), source: { kind: 'config', key: key as string } };
    }
    if ('env' in o) {
      const name = o['env'];
      if (typeof name !== 'string' || !(ENV_TOGGLE_NAMES as readonly string[]).includes(name)) {
        bad(`unknown env toggle "${String(name)}"${didYouMeanSuffix(String(name), ENV_TOGGLE_NAMES)}`, `env toggles: ${ENV_TOGGLE_NAMES.join(', ')}`);
      }
      if (!('default' in o)) bad(`{ env: ${String(name)} } needs a default (used when the variable is unset)`);
      const set = ctx.config.env.raw[name as keyof typeof ENV_TOGGLES];
      const rawValue = set ?? o['default'];
      const value = spec.valueKind === 'number' ? (typeof rawValue === 'number' ? rawValue : parseStrictNumber(String(rawValue))) : rawValue;
      if (spec.valueKind === 'number' && value === undefined) bad(`the default of { env: ${String(name)} } must be a number`);
      checkLiteral(value, spec, def, vpath, ctx);
      return { value, source: { kind: 'env', name: name as string, set: set !== undefined } };
    }
  }
  checkLiteral(raw, spec, def, vpath, ctx);
  return { value: raw, source: { kind: 'literal' } };
}

function scalarTypeOf(def: FactDefinition): 'string' | 'number' | 'boolean' {
  if (def.type === 'number' || def.type === 'integer') return 'number';
  if (def.type === 'boolean') return 'boolean';
  return 'string';
}

function checkLiteral(value: unknown, spec: OperatorSpec, def: FactDefinition, vpath: (string | number)[], ctx: WalkContext): void {
  const bad = (msg: string, hint?: string): never => ctx.fail('invalid-value', msg, vpath, hint);
  const expect = scalarTypeOf(def);
  const checkAllowed = (v: unknown) => {
    if (def.values && typeof v === 'string' && !def.values.includes(v)) {
      bad(`"${v}" is not a value "${def.path}" can have${didYouMeanSuffix(v, def.values)}`, `values: ${def.values.join(', ')}`);
    }
  };
  switch (spec.valueKind) {
    case 'scalar':
      if (typeof value !== expect) bad(`"${spec.name}" on "${def.path}" (${def.type}) needs a ${expect} value, got ${describe(value)}`);
      checkAllowed(value);
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) bad(`"${spec.name}" needs a number (or { config: key } / { env: NAME, default: n }), got ${describe(value)}`);
      return;
    case 'scalar[]':
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === expect)) bad(`"${spec.name}" on "${def.path}" needs a non-empty list of ${expect} values, got ${describe(value)}`);
      (value as unknown[]).forEach(checkAllowed);
      return;
    case 'element':
      if (typeof value !== 'string') bad(`"${spec.name}" needs a string value, got ${describe(value)}`);
      checkAllowed(value);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad(`"${spec.name}" takes true or false, got ${describe(value)}`);
      return;
    case 'semver':
      if (normalizeSemver(value) === undefined) bad(`"${spec.name}" needs a version such as "1.0.0", got ${describe(value)}`);
      return;
    case 'regex':
      if (typeof value !== 'string') bad(`"matches" needs a pattern string, got ${describe(value)}`);
      try {
        compilePattern(value as string);
      } catch (err) {
        bad(`invalid pattern: ${(err as Error).message}`, 'patterns use RE2 syntax (linear time: no backreferences or lookaround)');
      }
      return;
    case 'days': {
      const o = value as Record<string, unknown>;
      const keys = o !== null && typeof o === 'object' && !Array.isArray(o) ? Object.keys(o) : [];
      if (keys.length !== 1 || !(DAYS_COMPARATORS as readonly string[]).includes(keys[0]!) || typeof o[keys[0]!] !== 'number') {
        bad(`"daysUntil" takes one comparison such as { lessThan: 14 }, got ${describe(value)}`, `comparisons: ${DAYS_COMPARATORS.join(', ')}`);
      }
      return;
    }
  }
}

function checkSeverity(sev: unknown, ctx: WalkContext): void {
  if (sev === null || typeof sev !== 'object' || Array.isArray(sev)) return; // the schema reports it
  const s = sev as Record<string, unknown>;
  const checkName = (v: unknown, path: (string | number)[]) => {
    if (!SEVERITIES.includes(v as ResultSeverity)) {
      ctx.fail('unknown-severity', `unknown severity ${JSON.stringify(v)}${didYouMeanSuffix(String(v), SEVERITIES)}`, path, `severities: ${SEVERITIES.join(', ')}`);
    }
  };
  if (s['default'] !== undefined) checkName(s['default'], ['severity', 'default']);
  const env = s['env'];
  if (env === null || typeof env !== 'object' || Array.isArray(env)) return;
  for (const [name, map] of Object.entries(env as Record<string, unknown>)) {
    if (!(ENV_TOGGLE_NAMES as readonly string[]).includes(name)) {
      ctx.fail('unknown-env', `unknown env toggle "${name}"${didYouMeanSuffix(name, ENV_TOGGLE_NAMES)}`, ['severity', 'env', name], `env toggles: ${ENV_TOGGLE_NAMES.join(', ')}`);
    }
    if (map === null || typeof map !== 'object' || Array.isArray(map)) continue;
    const allowed = ENV_TOGGLES[name as keyof typeof ENV_TOGGLES].values;
    for (const [value, severity] of Object.entries(map as Record<string, unknown>)) {
      if (Array.isArray(allowed) && !allowed.includes(value)) {
        ctx.fail('invalid-value', `${name} never has the value "${value}" (it is one of ${allowed.join(', ')})`, ['severity', 'env', name, value]);
      }
      checkName(severity, ['severity', 'env', name, value]);
    }
  }
}
