/**
 * Policy unit tests (`policy-eval test`): YAML cases compiled and evaluated exactly as
 * `policy-eval check` does (same loader, compiler, evaluator, severity resolution), with the
 * case's env toggles and config thresholds instead of the shell's. Duplicate case names are
 * rejected; `only: true` narrows the run but fails it unless --allow-only; a case accepts an
 * `unknown` result only with `status: unknown`; test facts are checked against the fact catalog; a parity check requires every policy to have at
 * least one passing and one failing case.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { parseIsoDate } from '../common/parse.ts';
import { validateDocument } from '../common/schema.ts';
import { didYouMeanSuffix } from '../common/suggest.ts';
import type { ParsedYaml } from '../common/yaml.ts';
import { parseEnvToggles } from '../config/index.ts';
import { buildPolicySet, evaluateOne } from './check.ts';
import { compilePolicy } from './compile.ts';
import type { EngineName } from './evaluate.ts';
import type { FactsDocument, SubjectFacts } from './facts.ts';
import { definePolicy, displayPath, listPolicyFiles, parseWithDisplayPath, type ThresholdConfig } from './loader.ts';
import type { PolicyResult } from './result.ts';
import { factDefinition, factPaths } from '../collectors/index.ts';

export type Expectation = 'pass' | 'warn' | 'fail';

export interface TestCase {
  name: string;
  only?: boolean;
  env?: Record<string, string>;
  config?: { largeRows?: number };
  now?: string;
  facts: { dataset?: Record<string, unknown>; run?: Record<string, unknown>; subject: SubjectFacts };
  expect: Expectation;
  status?: PolicyResult['status'];
  message?: string;
  line: number;
}

export interface TestFile {
  file: string;
  policy: string;
  cases: TestCase[];
}

export interface CaseOutcome {
  file: string;
  line: number;
  policy: string;
  name: string;
  expect: Expectation;
  passed: boolean;
  /** Why it failed (expected vs actual). */
  detail?: string;
  result?: PolicyResult;
}

export interface TestRun {
  outcomes: CaseOutcome[];
  /** Parity problems: policies without tests, or without a passing / failing case. */
  parity: string[];
  /** A leftover `only: true` (unless allowed): one message naming where. */
  only: string[];
  skipped: number;
  passed: number;
  failed: number;
}

/** What a CI run would act on for this result. */
export function actualExpectation(r: PolicyResult): Expectation {
  if (r.status !== 'fail' && r.status !== 'unknown') return 'pass';
  if (r.severity === 'error') return 'fail';
  if (r.severity === 'warn') return 'warn';
  return 'pass';
}

export function listTestFiles(dirOrFile: string): string[] {
  let st;
  try {
    st = statSync(dirOrFile);
  } catch {
    throw new HarnessError('tests-not-found', `cannot read ${dirOrFile}: no such file or directory`, { hint: 'policy tests live in policies/tests/*.test.yaml' });
  }
  if (st.isFile()) return [dirOrFile];
  return readdirSync(dirOrFile)
    .filter((f) => /\.test\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dirOrFile, f));
}

export function loadTestFile(file: string, cwd: string): TestFile {
  const shown = displayPath(file, cwd);
  const doc = { ...parseWithDisplayPath(file, shown), file: shown };
  validateDocument('policy-test.schema.json', doc, 'policy test file');
  const value = doc.value as { policy: string; cases: Omit<TestCase, 'line'>[] };
  const names = new Map<string, number>();
  const cases = value.cases.map((c, i) => {
    const line = doc.positionOf(['cases', i]).line;
    const prev = names.get(c.name);
    if (prev !== undefined) {
      throw new HarnessError('duplicate-test-case', `test case "${c.name}" is already defined at line ${prev}`, { file: shown, ...doc.positionOf(['cases', i, 'name']), hint: 'give every case a unique name' });
    }
    names.set(c.name, line);
    checkCaseFacts(c.facts, (path) => ({ file: shown, ...doc.positionOf(['cases', i, 'facts', ...path]) }));
    if (c.now !== undefined && parseIsoDate(c.now) === undefined) {
      throw new HarnessError('invalid-date', `now "${c.now}" is not a real calendar date`, { file: shown, ...doc.positionOf(['cases', i, 'now']) });
    }
    return { ...c, line };
  });
  return { file: shown, policy: value.policy, cases };
}

/**
 * Every fact a test case sets must be in the fact catalog: a typo (`acess.classes`) would
 * otherwise leave the real fact missing and the case would test `unknown` by accident.
 * Objects are walked until a catalogued path is reached (its value is the fact's, whatever
 * its shape); a scalar or list at an uncatalogued path is a load error at its line.
 */
function checkCaseFacts(facts: TestCase['facts'], at: (path: (string | number)[]) => { file: string; line: number; column: number }): void {
  const walk = (value: unknown, factPath: string[], docPath: (string | number)[]): void => {
    const path = factPath.join('.');
    if (factPath.length > 0 && factDefinition(path) !== undefined) return;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...factPath, k], [...docPath, k]);
      return;
    }
    const known = factPaths();
    throw new HarnessError('unknown-fact', `test case sets "${path}", which is not a fact any collector provides${didYouMeanSuffix(path, known)}`, {
      ...at(docPath),
      hint: 'fact paths are listed in docs/policies.md (src/collectors/catalog.ts)',
    });
  };
  const { kind: _kind, id: _id, ...subjectFacts } = facts.subject;
  walk(subjectFacts, [], ['subject']);
  if (facts.dataset) walk(facts.dataset, ['dataset'], ['dataset']);
  if (facts.run) walk(facts.run, ['run'], ['run']);
}

export interface RunTestsOptions {
  policiesDir: string;
  testPaths: string[];
  baseConfig: ThresholdConfig;
  cwd: string;
  engine: EngineName;
  now: string;
  /** Check that every policy has a passing and a failing case (a full run, not a single file). */
  parity: boolean;
  /** Accept cases skipped by `only: true` (local debugging); otherwise they fail the run, like mocha's --forbid-only. */
  allowOnly?: boolean;
}

export async function runPolicyTests(options: RunTestsOptions): Promise<TestRun> {
  const policyDocs = new Map<string, ParsedYaml>();
  for (const file of listPolicyFiles(options.policiesDir)) {
    const shown = displayPath(file, options.cwd);
    const doc = { ...parseWithDisplayPath(file, shown), file: shown };
    // Validate with the base config first, so a broken policy is reported as a load error.
    const def = definePolicy(doc, { config: options.baseConfig, cwd: options.cwd });
    policyDocs.set(def.meta.id, doc);
  }
  const files = options.testPaths.flatMap(listTestFiles).map((f) => loadTestFile(f, options.cwd));
  const anyOnly = files.some((f) => f.cases.some((c) => c.only === true));
  const outcomes: CaseOutcome[] = [];
  let skipped = 0;
  const coverage = new Map<string, Set<Expectation>>();
  for (const tf of files) {
    const doc = policyDocs.get(tf.policy);
    if (!doc) {
      throw new HarnessError('unknown-policy', `test file names policy "${tf.policy}", which is not in ${options.policiesDir}${didYouMeanSuffix(tf.policy, [...policyDocs.keys()])}`, { file: tf.file, line: 1, column: 1 });
    }
    for (const c of tf.cases) {
      const cov = coverage.get(tf.policy) ?? new Set<Expectation>();
      cov.add(c.expect);
      coverage.set(tf.policy, cov);
      if (anyOnly && c.only !== true) {
        skipped++;
        continue;
      }
      outcomes.push(await runCase(tf, c, doc, options));
    }
  }
  const parity: string[] = [];
  for (const id of options.parity ? [...policyDocs.keys()].sort() : []) {
    const cov = coverage.get(id);
    if (!cov) parity.push(`${id}: no test file (add policies/tests/${id}.test.yaml)`);
    else {
      if (!cov.has('pass')) parity.push(`${id}: no passing case (expect: pass)`);
      if (!cov.has('warn') && !cov.has('fail')) parity.push(`${id}: no failing case (expect: warn or fail)`);
    }
  }
  const onlyProblem: string[] = [];
  if (skipped > 0 && options.allowOnly !== true) {
    const marked = files.flatMap((f) => f.cases.filter((c) => c.only === true).map((c) => `${f.file}:${c.line}`));
    onlyProblem.push(`${skipped} case${skipped === 1 ? '' : 's'} skipped because of only: true at ${marked.join(', ')}; remove it (or pass --allow-only while debugging)`);
  }
  const passed = outcomes.filter((o) => o.passed).length;
  return { outcomes, parity, only: onlyProblem, skipped, passed, failed: outcomes.length - passed + parity.length + onlyProblem.length };
}

async function runCase(tf: TestFile, c: TestCase, doc: ParsedYaml, options: RunTestsOptions): Promise<CaseOutcome> {
  const base = { file: tf.file, line: c.line, policy: tf.policy, name: c.name, expect: c.expect };
  let env;
  try {
    env = parseEnvToggles(c.env ?? {});
  } catch (err) {
    return { ...base, passed: false, detail: `bad env: ${(err as Error).message}` };
  }
  const config: ThresholdConfig = { ...options.baseConfig, largeRows: c.config?.largeRows ?? options.baseConfig.largeRows, env };
  const def = definePolicy(doc, { config, cwd: options.cwd });
  if (def.meta.subject !== c.facts.subject.kind) {
    return { ...base, passed: false, detail: `the policy evaluates ${def.meta.subject} subjects; this case's subject is a ${c.facts.subject.kind}` };
  }
  const now = c.now ?? options.now;
  const set = buildPolicySet([compilePolicy(def)], { engine: options.engine, nowMs: parseIsoDate(now)! });
  const facts: FactsDocument = { subjects: [c.facts.subject] };
  if (c.facts.dataset) facts.dataset = c.facts.dataset;
  if (c.facts.run) facts.run = c.facts.run;
  const { result } = await evaluateOne(set, def.meta.id, facts, c.facts.subject, { env });
  const actual = actualExpectation(result);
  const problems: string[] = [];
  if (actual !== c.expect) problems.push(`expected ${c.expect}, got ${actual}`);
  // An unknown result fails closed in CI, but a case only accepts it when it says so: a
  // typo in the facts would otherwise satisfy `expect: fail` with a missing fact.
  else if (result.status === 'unknown' && c.status !== 'unknown') {
    problems.push(`expected ${c.expect} from a violation, got unknown (missing ${(result.missingFacts ?? []).join(', ')}); add \`status: unknown\` if that is what this case tests`);
  }
  if (c.status !== undefined && result.status !== c.status) problems.push(`expected status ${c.status}, got ${result.status}`);
  if (c.message !== undefined && !(result.message ?? '').includes(c.message)) {
    problems.push(`expected the message to contain ${JSON.stringify(c.message)}${result.message === undefined ? ' (a pass has no message: drop `message:` from this case)' : ''}`);
  }
  if (problems.length === 0) return { ...base, passed: true, result };
  return { ...base, passed: false, result, detail: `${problems.join('; ')} (status ${result.status}, severity ${result.severity})${result.message === undefined ? '' : `: ${result.message}`}` };
}
