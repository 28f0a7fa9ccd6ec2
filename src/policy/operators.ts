/**
 * Policy operators: one table shared by the loader (which fact types and value shapes each
 * operator takes), json-rules-engine (registered as custom operators) and the fast path
 * (the same functions, called directly). Every operator is split into `accepts` (are both
 * sides of the right type?) and `test`; a side that is missing or of the wrong type makes the
 * condition `unknown`, never `false` — json-rules-engine's own type guards return false, which
 * reads a violation on missing data as a pass.
 */
import { RE2JS } from 're2js';
import semver from 'semver';
import { parseIsoDate } from '../common/parse.ts';
import type { FactType } from '../collectors/index.ts';

/** Longest pattern a `matches` condition may use, and the longest input it is run on. */
export const MAX_PATTERN_LENGTH = 512;
export const MAX_MATCH_INPUT = 100_000;

export const DAY_MS = 86_400_000;

/** The shape a condition's right-hand side must have (checked at load time). */
export type ValueKind = 'scalar' | 'number' | 'scalar[]' | 'element' | 'regex' | 'boolean' | 'semver' | 'days';

export interface OperatorSpec {
  name: string;
  /** Catalog fact types the left-hand side may have. */
  factTypes: readonly FactType[];
  valueKind: ValueKind;
  /** Whether `{ fact: path }` may be used on the right-hand side. */
  factValue: boolean;
  description: string;
  /** Both sides present and of a type the operator is defined on. */
  accepts(fact: unknown, value: unknown): boolean;
  /** The comparison itself (only called when accepts() is true). */
  test(fact: unknown, value: unknown): boolean;
}

const SCALAR_TYPES: readonly FactType[] = ['string', 'number', 'integer', 'boolean', 'date', 'semver'];
const NUMBER_TYPES: readonly FactType[] = ['number', 'integer'];

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}
function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function sameScalar(a: unknown, b: unknown): boolean {
  return isScalar(a) && isScalar(b) && typeof a === typeof b;
}
function scalarList(v: unknown): v is (string | number | boolean)[] {
  return Array.isArray(v) && v.length > 0 && v.every(isScalar);
}
function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

const regexCache = new Map<string, RE2JS>();

/** Compile a `matches` pattern on the linear-time engine; throws a message for the loader. */
export function compilePattern(pattern: string): RE2JS {
  let re = regexCache.get(pattern);
  if (re) return re;
  if (pattern.length > MAX_PATTERN_LENGTH) throw new Error(`pattern is ${pattern.length} characters; the limit is ${MAX_PATTERN_LENGTH}`);
  re = RE2JS.compile(pattern);
  regexCache.set(pattern, re);
  return re;
}

const semverCache = new Map<string, semver.SemVer | null>();

/** Parsed version, cached: semver parsing is the slowest thing an operator does. */
function parseSemver(v: unknown): semver.SemVer | undefined {
  if (typeof v !== 'string') return undefined;
  let parsed = semverCache.get(v);
  if (parsed === undefined) {
    const t = /^\d+\.\d+$/.test(v) ? `${v}.0` : v;
    parsed = semver.parse(t);
    if (semverCache.size > 10_000) semverCache.clear();
    semverCache.set(v, parsed);
  }
  return parsed ?? undefined;
}

/** `1.0` (the SDK's apiVersion style) and `1.0.0` are both accepted; anything looser is not. */
export function normalizeSemver(v: unknown): string | undefined {
  return parseSemver(v)?.version;
}

export const DAYS_COMPARATORS = ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'] as const;
export type DaysComparator = (typeof DAYS_COMPARATORS)[number];

function compare(cmp: DaysComparator, a: number, b: number): boolean {
  switch (cmp) {
    case 'lessThan':
      return a < b;
    case 'lessThanInclusive':
      return a <= b;
    case 'greaterThan':
      return a > b;
    case 'greaterThanInclusive':
      return a >= b;
  }
}

function isDaysValue(v: unknown): v is Partial<Record<DaysComparator, number>> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (DAYS_COMPARATORS as readonly string[]).includes(keys[0]!) && isNum((v as Record<string, unknown>)[keys[0]!]);
}

/**
 * The operator table for one evaluation. `now` (epoch ms, UTC midnight of --now) is bound
 * here so daysUntil is deterministic and recorded in the output.
 */
export function createOperators(nowMs: number): ReadonlyMap<string, OperatorSpec> {
  const specs: OperatorSpec[] = [
    {
      name: 'equal',
      factTypes: SCALAR_TYPES,
      valueKind: 'scalar',
      factValue: true,
      description: 'fact equals the value (same type)',
      accepts: sameScalar,
      test: (a, b) => a === b,
    },
    {
      name: 'notEqual',
      factTypes: SCALAR_TYPES,
      valueKind: 'scalar',
      factValue: true,
      description: 'fact differs from the value (same type)',
      accepts: sameScalar,
      test: (a, b) => a !== b,
    },
    ...(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'] as const).map(
      (name): OperatorSpec => ({
        name,
        factTypes: NUMBER_TYPES,
        valueKind: 'number',
        factValue: true,
        description: `numeric ${name}`,
        accepts: (a, b) => isNum(a) && isNum(b),
        test: (a, b) => compare(name, a as number, b as number),
      }),
    ),
    {
      name: 'in',
      factTypes: SCALAR_TYPES,
      valueKind: 'scalar[]',
      factValue: false,
      description: 'fact is one of the listed values',
      accepts: (a, b) => scalarList(b) && isScalar(a) && typeof a === typeof b[0],
      test: (a, b) => (b as unknown[]).includes(a),
    },
    {
      name: 'notIn',
      factTypes: SCALAR_TYPES,
      valueKind: 'scalar[]',
      factValue: false,
      description: 'fact is none of the listed values',
      accepts: (a, b) => scalarList(b) && isScalar(a) && typeof a === typeof b[0],
      test: (a, b) => !(b as unknown[]).includes(a),
    },
    {
      name: 'contains',
      factTypes: ['string[]', 'string'],
      valueKind: 'element',
      factValue: true,
      description: 'list fact has the element (or string fact has the substring)',
      accepts: containsAccepts,
      test: (a, b) => (Array.isArray(a) ? a.includes(b) : (a as string).includes(b as string)),
    },
    {
      name: 'doesNotContain',
      factTypes: ['string[]', 'string'],
      valueKind: 'element',
      factValue: true,
      description: 'list fact lacks the element (or string fact lacks the substring)',
      accepts: containsAccepts,
      test: (a, b) => !(Array.isArray(a) ? a.includes(b) : (a as string).includes(b as string)),
    },
    {
      name: 'matches',
      factTypes: ['string'],
      valueKind: 'regex',
      factValue: false,
      description: `string fact matches the RE2 pattern (linear time; pattern ≤ ${MAX_PATTERN_LENGTH} chars, input ≤ ${MAX_MATCH_INPUT} chars)`,
      accepts: (a, b) => typeof a === 'string' && a.length <= MAX_MATCH_INPUT && typeof b === 'string' && b.length <= MAX_PATTERN_LENGTH,
      test: (a, b) => compilePattern(b as string).matcher(a as string).find(),
    },
    {
      name: 'exists',
      factTypes: [...SCALAR_TYPES, 'string[]', 'location[]'],
      valueKind: 'boolean',
      factValue: false,
      description: 'true: the fact is present (not null); false: it is absent. Never unknown.',
      accepts: (_a, b) => typeof b === 'boolean',
      test: (a, b) => present(a) === b,
    },
    {
      name: 'isEmpty',
      factTypes: ['string[]', 'string', 'location[]'],
      valueKind: 'boolean',
      factValue: false,
      description: 'true: the list (or string) fact is empty; false: it has at least one element',
      accepts: (a, b) => typeof b === 'boolean' && (typeof a === 'string' || Array.isArray(a)),
      test: (a, b) => ((a as string | unknown[]).length === 0) === b,
    },
    {
      name: 'semverGte',
      factTypes: ['semver', 'string'],
      valueKind: 'semver',
      factValue: false,
      description: 'version fact is at least the value (semver; "1.0" reads as 1.0.0)',
      accepts: (a, b) => parseSemver(a) !== undefined && parseSemver(b) !== undefined,
      test: (a, b) => parseSemver(a)!.compare(parseSemver(b)!) >= 0,
    },
    {
      name: 'daysUntil',
      factTypes: ['date', 'string'],
      valueKind: 'days',
      factValue: false,
      description: 'days from --now until the YYYY-MM-DD fact, compared as given ({ lessThan: 14 })',
      accepts: (a, b) => typeof a === 'string' && parseIsoDate(a) !== undefined && isDaysValue(b),
      test: (a, b) => {
        const days = Math.round((parseIsoDate(a as string)! - nowMs) / DAY_MS);
        const [cmp, n] = Object.entries(b as Record<DaysComparator, number>)[0]!;
        return compare(cmp as DaysComparator, days, n);
      },
    },
  ];
  return new Map(specs.map((s) => [s.name, s]));
}

function containsAccepts(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) {
    if (!isScalar(b)) return false;
    const t = typeof b;
    for (let i = 0; i < a.length; i++) {
      const e: unknown = a[i];
      if (typeof e !== t || !isScalar(e)) return false;
    }
    return true;
  }
  return typeof a === 'string' && typeof b === 'string';
}

/** Operator names, for did-you-mean and the schema. */
export const OPERATOR_NAMES: readonly string[] = [...createOperators(0).keys()];
