/**
 * Differential test: the fast path and json-rules-engine evaluate the same compiled rules to
 * identical results (status, severity, message, missing facts, location, fingerprint and the
 * full condition trace) on ≥ 10,000 randomized fact sets per shipped policy, including missing
 * facts, nulls and wrong types. Seeded PRNG, so a failure reproduces.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { factDefinition, type FactDefinition } from '../../src/collectors/index.ts';
import { parseEnvToggles } from '../../src/config/index.ts';
import { createRng } from '../../src/dataset/index.ts';
import { buildPolicySet, compilePolicies, evaluateSubjects, loadPolicies, type FactsDocument, type PolicyDefinition, type SubjectFacts } from '../../src/policy/index.ts';
import { ROOT } from '../helpers/cli.ts';

const FACT_SETS = 10_000;
const NOW = Date.UTC(2026, 0, 10);


/** Interesting literals: every literal the policies compare against, ± 1, and edge values. */
function literalPool(defs: readonly PolicyDefinition[]): { numbers: number[]; strings: string[] } {
  const numbers = new Set<number>([0, 1, -1, 0.5, 0.95, 0.97, 1, 999_999, 1_000_000, 1_000_001, 2_500_000]);
  const strings = new Set<string>(['', 'x', 'aaaa', '1.0', '0.9', '1.2.3', 'latest']);
  const visit = (n: PolicyDefinition['violation']): void => {
    if (n.kind === 'leaf') {
      const vs = Array.isArray(n.value) ? n.value : [n.value];
      for (const v of vs) {
        if (typeof v === 'number') [v - 1, v, v + 1].forEach((x) => numbers.add(x));
        if (typeof v === 'string') strings.add(v);
      }
    } else if (n.kind === 'not') visit(n.child);
    else n.children.forEach(visit);
  };
  for (const d of defs) {
    if (d.applies) visit(d.applies);
    visit(d.violation);
  }
  return { numbers: [...numbers], strings: [...strings] };
}

function randomValue(def: FactDefinition, rnd: () => number, pool: { numbers: number[]; strings: string[] }): unknown {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const roll = rnd();
  if (roll < 0.12) return undefined; // missing
  if (roll < 0.16) return null;
  if (roll < 0.24) return pick<unknown>(['7', 7, true, ['a'], { a: 1 }, 'dataset_loader_unbounded', NaN]); // wrong type (sometimes right)
  const strings = def.values ? [...def.values, ...pool.strings.slice(0, 3)] : pool.strings;
  switch (def.type) {
    case 'integer':
    case 'number':
      return pick(pool.numbers);
    case 'boolean':
      return rnd() < 0.5;
    case 'string':
    case 'date':
    case 'semver':
      return pick(strings);
    case 'string[]': {
      const n = Math.floor(rnd() * 3);
      return Array.from({ length: n }, () => pick(strings));
    }
    case 'location[]':
      return rnd() < 0.5 ? [] : [{ file: pick(['a.ts', 'b.ts']), line: 1 + Math.floor(rnd() * 50), function: pick(['run', 'load']), snippet: 'ctx.dataset.load()', class: pick(['dataset_loader_unbounded', 'iter_batches']) }];
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segs = path.split('.');
  let cur = target;
  for (const s of segs.slice(0, -1)) {
    if (cur[s] === undefined || typeof cur[s] !== 'object' || cur[s] === null) cur[s] = {};
    cur = cur[s] as Record<string, unknown>;
  }
  if (value !== undefined) cur[segs.at(-1)!] = value;
}

function randomFacts(defs: readonly PolicyDefinition[], rnd: () => number, pool: ReturnType<typeof literalPool>, index: number): FactsDocument {
  const doc: FactsDocument = { dataset: {}, run: {}, subjects: [] };
  for (const kind of ['plugin', 'run'] as const) {
    const subject: SubjectFacts = { kind, id: `${kind}-${index}` };
    for (const d of defs.filter((p) => p.meta.subject === kind)) {
      for (const path of d.facts) {
        if (path.startsWith('subject.')) continue;
        const def = factDefinition(path)!;
        const value = randomValue(def, rnd, pool);
        if (def.subjects === 'context') setPath(doc as unknown as Record<string, unknown>, path, value);
        else setPath(subject, path, value);
      }
    }
    doc.subjects.push(subject);
  }
  return doc;
}

/** The strict variant only changes severities and one threshold, so fewer sets suffice there. */
const envs: { env: Record<string, string>; sets: number; seed: number }[] = [
  { env: {}, sets: FACT_SETS, seed: 42 },
  { env: { STAT_HARNESS_STREAMING_POLICY_STRICT: '1', STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN: '3' }, sets: 2_000, seed: 1234 },
];

describe('fast path ≡ json-rules-engine', () => {
  for (const { env: rawEnv, sets, seed } of envs) {
    it(`identical results and traces on ${sets} randomized fact sets per shipped policy (env ${JSON.stringify(rawEnv)})`, async () => {
      const env = parseEnvToggles(rawEnv);
      const config = { largeRows: 1_000_000, closeWindow: { startDay: 20, endDay: 5 }, plugins: { dirs: [], packages: [], jobs: undefined, timeoutMs: 300_000, memoryMb: 2048 }, env };
      const defs = loadPolicies([join(ROOT, 'policies')], { config, cwd: ROOT });
      expect(defs.length).toBeGreaterThanOrEqual(9);
      const compiled = compilePolicies(defs);
      const fast = buildPolicySet(compiled, { engine: 'fast', nowMs: NOW });
      const jre = buildPolicySet(compiled, { engine: 'jre', nowMs: NOW });
      const pool = literalPool(defs);
      const rng = createRng(seed);
      const rnd = (): number => rng.next();
      const seen = new Map<string, Set<string>>();
      // Facts sets per iteration: one plugin subject (every plugin policy) + one run subject (every run policy).
      for (let i = 0; i < sets; i++) {
        const facts = randomFacts(defs, rnd, pool, i);
        const a = await evaluateSubjects(fast, facts, { env, explain: true });
        const b = await evaluateSubjects(jre, facts, { env, explain: true });
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          expect({ facts, results: b }).toEqual({ facts, results: a });
        }
        for (const r of a) {
          const s = seen.get(r.policyId) ?? new Set<string>();
          s.add(r.status);
          seen.set(r.policyId, s);
        }
      }
      // The generator must actually exercise the interesting outcomes of every policy.
      for (const d of defs) {
        const statuses = seen.get(d.meta.id)!;
        expect([...statuses].sort(), d.meta.id).toEqual(expect.arrayContaining(['fail', 'pass', 'unknown']));
        if (d.applies) expect(statuses.has('not_applicable'), d.meta.id).toBe(true);
      }
    }, 240_000);
  }
});
