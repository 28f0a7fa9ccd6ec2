import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatHarnessError, HarnessError } from '../../src/common/errors.ts';
import { parseYamlText } from '../../src/common/yaml.ts';
import { parseEnvToggles } from '../../src/config/index.ts';
import {
  buildPolicySet,
  compareResults,
  compilePolicy,
  createOperators,
  definePolicy,
  evaluateOne,
  exitCodeFor,
  fingerprintFor,
  inResultOrder,
  isFailing,
  loadAllowlist,
  loadPolicies,
  readFactsFile,
  resolveSeverity,
  runCheck,
  type EngineName,
  type FactsDocument,
  type PolicyResult,
  type SubjectFacts,
  type ThresholdConfig,
} from '../../src/policy/index.ts';
import { ROOT } from '../helpers/cli.ts';

function config(env: Record<string, string> = {}, largeRows = 1_000_000): ThresholdConfig {
  return { largeRows, closeWindow: { startDay: 20, endDay: 5 }, plugins: { dirs: [], packages: [], jobs: undefined, timeoutMs: 300_000, memoryMb: 2048 }, env: parseEnvToggles(env) };
}

function define(yaml: string, cfg = config()) {
  return definePolicy(parseYamlText(yaml, 'p.yaml'), { config: cfg, cwd: '/' });
}

function loadError(yaml: string): HarnessError {
  try {
    define(yaml);
  } catch (err) {
    if (err instanceof HarnessError) return err;
    throw err;
  }
  throw new Error('expected a load error');
}

const HEAD = 'id: t.policy\ntitle: T\nowner: o\nsubject: plugin\nstage: warn\nmessage: "{{subject.id}} m"\n';

async function evalOne(yaml: string, subject: Omit<SubjectFacts, 'kind' | 'id'>, ctx: Partial<FactsDocument> = {}, env: Record<string, string> = {}, engine: EngineName = 'fast'): Promise<PolicyResult> {
  const def = define(yaml, config(env));
  const set = buildPolicySet([compilePolicy(def)], { engine, nowMs: Date.UTC(2026, 0, 10) });
  const s = { kind: 'plugin' as const, id: 'p', ...subject } as SubjectFacts;
  return (await evaluateOne(set, def.meta.id, { ...ctx, subjects: [s] }, s, { env: parseEnvToggles(env) })).result;
}

describe('loader', () => {
  it('rejects a fact on the wrong subject kind and a type mismatch, with positions', () => {
    const e = loadError(`${HEAD}violation: { fact: novelty.newCount, greaterThan: 0 }\n`);
    expect(e.code).toBe('fact-not-on-subject');
    expect(e.line).toBe(7);
    const t = loadError(`${HEAD}violation: { fact: access.sites, greaterThan: 0 }\n`);
    expect(t.code).toBe('type-mismatch');
    expect(t.message).toContain('operator "greaterThan" does not apply to "access.sites" (type string)');
    const v = loadError(`${HEAD}violation: { fact: telemetry.rowsLoaded, greaterThan: "10" }\n`);
    expect(v.code).toBe('invalid-value');
  });

  it('prints the documented error shape for a misspelt fact', () => {
    const e = loadError(`${HEAD}violation:\n  all:\n    - fact: telemtry.rows\n      greaterThan: 0\n`);
    expect(formatHarnessError(e)).toMatch(/^p\.yaml:9:13 error \[unknown-fact\] "telemtry\.rows" is not provided by any collector \(did you mean "telemetry\.rows"\?\)\n  hint: /);
  });

  it('checks literal values against the fact’s allowed values, with did-you-mean', () => {
    const e = loadError(`${HEAD}violation: { fact: access.classes, contains: dataset_loader_unbouned }\n`);
    expect(e.message).toContain('did you mean "dataset_loader_unbounded"');
  });

  it('resolves { config } and { env } thresholds at compile time, and rejects unknown ones', () => {
    const yaml = `${HEAD}violation:\n  all:\n    - { fact: dataset.rows, greaterThan: { config: largeRows } }\n    - { fact: telemetry.rowsLoaded, lessThan: { env: STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN, default: 1 } }\n`;
    const d = define(yaml, config({ STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN: '7' }, 500));
    const rule = compilePolicy(d).rule;
    expect(JSON.stringify(rule)).toContain('"operator":"greaterThan","value":500');
    expect(JSON.stringify(rule)).toContain('"operator":"lessThan","value":7');
    expect(JSON.stringify(compilePolicy(define(yaml)).rule)).toContain('"operator":"lessThan","value":1');
    expect(loadError(`${HEAD}violation: { fact: dataset.rows, greaterThan: { config: largeRow } }\n`).message).toContain('did you mean "largeRows"');
    expect(loadError(`${HEAD}violation: { fact: dataset.rows, greaterThan: { env: STAT_HARNESS_AUTONOMUS_NOVELTY_MIN, default: 1 } }\n`).message).toContain('did you mean "STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN"');
  });

  it('needs a stage or a severity.default; rejects an env value the toggle never has', () => {
    expect(loadError('id: t.x\ntitle: T\nowner: o\nsubject: plugin\nviolation: { fact: telemetry.rowsLoaded, greaterThan: 0 }\nmessage: m\n').message).toContain('needs a stage');
    const e = loadError(`${HEAD}severity:\n  env: { STAT_HARNESS_STREAMING_POLICY_STRICT: { "yes": error } }\nviolation: { fact: telemetry.rowsLoaded, greaterThan: 0 }\n`);
    expect(e.message).toContain('never has the value "yes"');
  });

  it('rejects unknown template facts, two operators in one condition and a reason outside applies', () => {
    expect(loadError(`${HEAD.replace('{{subject.id}}', '{{telemetry.rowz}}')}violation: { fact: telemetry.rowsLoaded, greaterThan: 0 }\n`).code).toBe('unknown-fact');
    expect(loadError(`${HEAD}violation: { fact: telemetry.rowsLoaded, greaterThan: 0, lessThan: 9 }\n`).message).toContain('one condition takes one operator');
    expect(loadError(`${HEAD}violation: { fact: telemetry.rowsLoaded, greaterThan: 0, reason: x }\n`).message).toContain('only meaningful inside applies');
  });

  it('loads the shipped policies sorted by id', () => {
    const defs = loadPolicies([join(ROOT, 'policies')], { config: config(), cwd: ROOT });
    expect(defs.map((d) => d.meta.id)).toEqual([...defs.map((d) => d.meta.id)].sort());
    expect(defs[0]!.meta.file).toMatch(/^policies\//);
  });
});

describe('operators and three-valued evaluation', () => {
  const ops = createOperators(Date.UTC(2026, 0, 10));
  it('a missing or mistyped side is not accepted (unknown), never false', () => {
    for (const name of ['equal', 'notEqual', 'lessThan', 'greaterThan', 'in', 'notIn', 'contains', 'doesNotContain', 'matches', 'isEmpty', 'semverGte', 'daysUntil']) {
      const op = ops.get(name)!;
      expect(op.accepts(undefined, name === 'in' || name === 'notIn' ? ['a'] : 'a'), name).toBe(false);
    }
    expect(ops.get('greaterThan')!.accepts('5', 1)).toBe(false);
    expect(ops.get('equal')!.accepts(1, '1')).toBe(false);
    expect(ops.get('in')!.accepts(undefined, undefined)).toBe(false); // json-rules-engine throws here (#412)
    expect(ops.get('exists')!.accepts(undefined, true)).toBe(true);
    expect(ops.get('exists')!.test(null, false)).toBe(true);
  });

  it('daysUntil counts from --now; semverGte reads 1.0 as 1.0.0', () => {
    expect(ops.get('daysUntil')!.test('2026-01-20', { lessThan: 14 })).toBe(true);
    expect(ops.get('daysUntil')!.test('2026-02-20', { lessThan: 14 })).toBe(false);
    expect(ops.get('daysUntil')!.accepts('2026-02-30', { lessThan: 14 })).toBe(false);
    expect(ops.get('semverGte')!.test('1.0', '1.0.0')).toBe(true);
    expect(ops.get('semverGte')!.test('0.9', '1.0.0')).toBe(false);
  });

  it('matches runs (a+)+$ in linear time on a long input', () => {
    const op = ops.get('matches')!;
    expect(op.test(`${'a'.repeat(50_000)}b`, '(a+)+$')).toBe(false);
    expect(op.test('aaaa', '(a+)+$')).toBe(true);
    expect(op.accepts('a'.repeat(100_001), '(a+)+$')).toBe(false);
  });

  for (const engine of ['fast', 'jre'] as const) {
    it(`Kleene logic with ${engine}: a true branch decides any, a false branch decides all, otherwise unknown`, async () => {
      const any = `${HEAD}violation:\n  any:\n    - { fact: access.classes, contains: dataset_loader_unbounded }\n    - { fact: telemetry.unboundedLoadRows, greaterThan: 0 }\n`;
      expect((await evalOne(any, { access: { classes: ['dataset_loader_unbounded'] } }, {}, {}, engine)).status).toBe('fail');
      const unknown = await evalOne(any, { access: { classes: [] } }, {}, {}, engine);
      expect(unknown).toMatchObject({ status: 'unknown', missingFacts: ['telemetry.unboundedLoadRows'], severity: 'warn' });
      expect(isFailing(unknown, 'warn')).toBe(true);
      const all = `${HEAD}violation:\n  all:\n    - { fact: telemetry.rowsLoaded, greaterThan: 0 }\n    - { fact: telemetry.unboundedLoadRows, greaterThan: 0 }\n`;
      expect((await evalOne(all, { telemetry: { rowsLoaded: 0 } }, {}, {}, engine)).status).toBe('pass');
      const not = `${HEAD}violation:\n  not: { fact: plugin.apiVersion, semverGte: "1.0.0" }\n`;
      expect((await evalOne(not, { plugin: { apiVersion: 'latest' } }, {}, {}, engine))).toMatchObject({ status: 'unknown', missingFacts: ['plugin.apiVersion (wrong type: string)'] });
    });
  }

  it('a fact resolves on the subject first, then the shared context; no prototype walk', async () => {
    const yaml = `${HEAD}violation: { fact: dataset.rows, greaterThan: 10 }\n`;
    expect((await evalOne(yaml, {}, { dataset: { rows: 5 } })).status).toBe('pass');
    expect((await evalOne(yaml, { dataset: { rows: 50 } }, { dataset: { rows: 5 } })).status).toBe('fail');
    const proto = `${HEAD}violation: { fact: access.sites, exists: true }\n`;
    expect((await evalOne(proto, { access: {} })).status).toBe('pass');
    // Facts are parsed JSON: a "__proto__" key is an own property, never a prototype.
    const polluted = JSON.parse('{ "access": { "__proto__": { "sites": "x" } } }') as Omit<SubjectFacts, 'kind' | 'id'>;
    const eq = `${HEAD}violation: { fact: access.sites, equal: "x" }\n`;
    expect((await evalOne(eq, polluted)).status).toBe('unknown');
    expect((await evalOne(eq, polluted, {}, {}, 'jre')).status).toBe('unknown');
  });

  it('not_applicable carries the applies reason', async () => {
    const yaml = `${HEAD}applies:\n  all:\n    - fact: dataset.rows\n      greaterThan: { config: largeRows }\n      reason: small dataset\nviolation: { fact: telemetry.rowsLoaded, greaterThan: 0 }\n`;
    expect(await evalOne(yaml, {}, { dataset: { rows: 3 } })).toMatchObject({ status: 'not_applicable', notApplicableReason: 'small dataset' });
  });
});

describe('severity resolution', () => {
  const def = define(`${HEAD}severity:\n  default: info\n  env: { STAT_HARNESS_STREAMING_POLICY_STRICT: { "1": error } }\nviolation: { fact: telemetry.rowsLoaded, greaterThan: 0 }\n`);
  it('a set env mapping wins, else the stage, else severity.default', () => {
    expect(resolveSeverity(def, { raw: { STAT_HARNESS_STREAMING_POLICY_STRICT: '1' } })).toEqual({ severity: 'error', by: 'env STAT_HARNESS_STREAMING_POLICY_STRICT=1' });
    expect(resolveSeverity(def, { raw: { STAT_HARNESS_STREAMING_POLICY_STRICT: '0' } }).severity).toBe('warn');
    expect(resolveSeverity(def, { raw: {} }).severity).toBe('warn');
    const noStage = define('id: t.y\ntitle: T\nowner: o\nsubject: plugin\nseverity: { default: off }\nviolation: { fact: telemetry.rowsLoaded, greaterThan: 0 }\nmessage: m\n');
    expect(resolveSeverity(noStage, { raw: {} }).severity).toBe('off');
  });
});

describe('fingerprints and exit codes', () => {
  it('fingerprints ignore line numbers and whitespace but not the function or the call', () => {
    const subject = { kind: 'plugin' as const, id: 'p' };
    const a = fingerprintFor('x', subject, { file: 'a.ts', line: 10, function: 'run', snippet: 'ctx.dataset.load({ columns })' });
    expect(fingerprintFor('x', subject, { file: 'a.ts', line: 40, function: 'run', snippet: 'ctx.dataset.load({\n  columns })' })).toBe(a);
    expect(fingerprintFor('x', subject, { file: 'a.ts', line: 10, function: 'other', snippet: 'ctx.dataset.load({ columns })' })).not.toBe(a);
    expect(fingerprintFor('x', subject, { file: 'a.ts', line: 10, function: 'run', snippet: 'ctx.dataset.load({ rowLimit })' })).not.toBe(a);
  });

  it('exit 1 on an error, on warnings with --fail-on warn, and on warnings over --max-warnings', async () => {
    const defs = loadPolicies([join(ROOT, 'policies/streaming.unbounded-loader.yaml')], { config: config(), cwd: ROOT });
    const set = buildPolicySet(defs.map(compilePolicy), { engine: 'fast', nowMs: 0 });
    const facts: FactsDocument = { dataset: { rows: 2_000_000 }, subjects: [{ kind: 'plugin', id: 'p', access: { classes: ['dataset_loader_unbounded'] } }] };
    const { report } = await runCheck({ set, facts, env: { raw: {} }, now: '2026-01-10', version: 't' });
    expect(report.summary.failed.warn).toBe(1);
    expect(exitCodeFor(report, { failOn: 'error' })).toBe(0);
    expect(exitCodeFor(report, { failOn: 'warn' })).toBe(1);
    expect(exitCodeFor(report, { failOn: 'error', maxWarnings: 0 })).toBe(1);
    expect(exitCodeFor(report, { failOn: 'error', maxWarnings: 1 })).toBe(0);
  });
});

describe('results: report order and compact passes', () => {
  async function shippedReport(engine: EngineName, extra: { allowlist?: boolean } = {}) {
    const defs = loadPolicies([join(ROOT, 'policies')], { config: config(), cwd: ROOT });
    const set = buildPolicySet(defs.map(compilePolicy), { engine, nowMs: Date.UTC(2026, 0, 10) });
    const facts = readFactsFile(join(ROOT, 'fixtures/policy/facts.json'));
    const allowlist = extra.allowlist ? loadAllowlist(join(ROOT, 'fixtures/policy/allowlist.yaml'), 'fixtures/policy/allowlist.yaml') : undefined;
    return runCheck({ set, facts, env: { raw: {} }, now: '2026-01-10', version: 't', ...(allowlist ? { allowlist } : {}) });
  }

  it('the engine emits results in the one report order every format uses (no sort needed), for both engines', async () => {
    for (const engine of ['fast', 'jre'] as const) {
      const { report } = await shippedReport(engine);
      expect(report.results.length).toBeGreaterThan(10);
      expect(inResultOrder(report.results)).toBe(true);
      expect(report.results).toEqual([...report.results].sort(compareResults));
    }
    const { report } = await shippedReport('fast', { allowlist: true });
    expect(report.results.some((r) => r.policyId.startsWith('allowlist.'))).toBe(true);
    expect(inResultOrder(report.results)).toBe(true);
  });

  it('a pass carries policy, subject, status and severity only; every other status a message and a fingerprint', async () => {
    const { report } = await shippedReport('fast');
    const passes = report.results.filter((r) => r.status === 'pass');
    expect(passes.length).toBeGreaterThan(0);
    for (const r of passes) expect(Object.keys(r).sort()).toEqual(['policyId', 'severity', 'status', 'subject']);
    const others = report.results.filter((r) => r.status !== 'pass');
    expect(others.length).toBeGreaterThan(0);
    for (const r of others) {
      expect(typeof r.message).toBe('string');
      expect(r.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('a located violation sorts after the same subject’s unlocated results (compareResults), not by policy id alone', () => {
    const subject = { kind: 'plugin' as const, id: 'p' };
    const located: PolicyResult = { policyId: 'a.first', subject, status: 'fail', severity: 'error', message: 'm', fingerprint: 'f', location: { file: 'src/x.ts', line: 3 } };
    const plain: PolicyResult = { policyId: 'z.last', subject, status: 'pass', severity: 'error' };
    expect(compareResults(plain, located)).toBeLessThan(0);
    expect(inResultOrder([located, plain])).toBe(false);
    expect(compareResults({ ...plain, subject: { kind: 'plugin', id: 'o' } }, located)).toBeLessThan(0);
  });
});
