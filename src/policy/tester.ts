/**
 * Policy unit tests (`policy-eval test`): YAML cases compiled and evaluated exactly as
 * `policy-eval check` does (same loader, compiler, evaluator, severity resolution), with the
 * case's env toggles and config thresholds instead of the shell's. Duplicate case names are
 * rejected; `only: true` narrows the run; a parity check requires every policy to have at
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
    if (c.now !== undefined && parseIsoDate(c.now) === undefined) {
      throw new HarnessError('invalid-date', `now "${c.now}" is not a real calendar date`, { file: shown, ...doc.positionOf(['cases', i, 'now']) });
    }
    return { ...c, line };
  });
  return { file: shown, policy: value.policy, cases };
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
  const passed = outcomes.filter((o) => o.passed).length;
  return { outcomes, parity, skipped, passed, failed: outcomes.length - passed + parity.length };
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
  if (c.status !== undefined && result.status !== c.status) problems.push(`expected status ${c.status}, got ${result.status}`);
  if (c.message !== undefined && !(result.message ?? '').includes(c.message)) {
    problems.push(`expected the message to contain ${JSON.stringify(c.message)}${result.message === undefined ? ' (a pass has no message: drop `message:` from this case)' : ''}`);
  }
  if (problems.length === 0) return { ...base, passed: true, result };
  return { ...base, passed: false, result, detail: `${problems.join('; ')} (status ${result.status}, severity ${result.severity})${result.message === undefined ? '' : `: ${result.message}`}` };
}
