import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { parseYamlText } from '../../src/common/yaml.ts';
import { applyAllowlist, applyBaseline, baselineFrom, defineAllowlist, isOverBroadGlob, type PolicyResult } from '../../src/policy/index.ts';

const NOW = Date.UTC(2026, 0, 10);

function allowlist(entries: string) {
  return defineAllowlist(parseYamlText(`entries:\n${entries}`, 'allowlist.yaml'));
}

function error(entries: string): HarnessError {
  try {
    allowlist(entries);
  } catch (err) {
    if (err instanceof HarnessError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

const entry = (over: Record<string, string> = {}) => {
  const e = { policy: 'p.one', subject: 'legacy_v1', reason: 'because', owner: 'team', expires: '2026-06-30', ...over };
  return `  - ${Object.entries(e)
    .map(([k, v]) => `${k}: "${v}"`)
    .join('\n    ')}\n`;
};

function result(policyId: string, id: string, status: PolicyResult['status'] = 'fail'): PolicyResult {
  return { policyId, subject: { kind: 'plugin', id }, status, severity: 'error', message: 'm', fingerprint: `${policyId}-${id}`.padEnd(32, '0').slice(0, 32) };
}

/** Loaded plugin policies and the evaluated plugin subjects. */
function scope(policies: string[], subjects: string[] = ['legacy_v1', 'legacy_v2', 'soon', 'other', 'nobody']) {
  return { policies: policies.map((id) => ({ id, subject: 'plugin' as const })), subjects: subjects.map((id) => ({ kind: 'plugin' as const, id })) };
}

describe('allowlist', () => {
  it('rejects blank reason/owner, impossible dates and over-broad globs, naming the line', () => {
    expect(error(entry({ reason: '  ' }))).toMatchObject({ code: 'allowlist-missing-reason', line: 4 });
    expect(error(entry({ owner: '' }))).toMatchObject({ code: 'allowlist-missing-owner', line: 5 });
    expect(error(entry({ expires: '2025-02-29' }))).toMatchObject({ code: 'allowlist-bad-date', line: 6 });
    expect(error(entry({ subject: '*' }))).toMatchObject({ code: 'allowlist-broad-subject', line: 3 });
    expect(error(entry({ expires: '31/12/2026' })).code).toBe('allowlist-bad-date');
    for (const g of ['*', '**', '*/**', '?*', '{*,**}']) expect(isOverBroadGlob(g), g).toBe(true);
    for (const g of ['legacy_*_v1', 'plugin_x', 'batch_*']) expect(isOverBroadGlob(g), g).toBe(false);
  });

  it('judges globs by their literal start: negation, extglobs and bare-wildcard brace alternatives are over-broad; p* is narrow', () => {
    for (const g of ['!legacy_x', '!(zzz)', '{*,abc}', '{abc,*}', '*_v1', '[a-z]*', '{1..9}*', 'legacy_+(a)', '@(x|y)']) expect(isOverBroadGlob(g), g).toBe(true);
    for (const g of ['p*', 'legacy_*_v1', '{legacy,old}_*', 'legacy_{*,abc}', 'x?', '\\*literal']) expect(isOverBroadGlob(g), g).toBe(false);
    expect(error(entry({ subject: '!legacy_x' }))).toMatchObject({ code: 'allowlist-broad-subject', line: 3, message: expect.stringContaining('negated pattern') });
    expect(error(entry({ subject: '{*,abc}' })).message).toContain('its alternative "*" does not start with a literal character');
    expect(allowlist(entry({ subject: 'p*' })).entries[0]!.matches('p_one')).toBe(true);
  });

  it('reports a glob that matches every evaluated subject of its kind as allowlist.over-broad (it still suppresses)', () => {
    const list = allowlist(entry({ subject: 'legacy_*' }) + entry({ policy: 'p.two', subject: 'legacy_v1' }));
    const results = [result('p.one', 'legacy_v1'), result('p.one', 'legacy_v2')];
    const all = applyAllowlist(results, list, NOW, scope(['p.one', 'p.two'], ['legacy_v1', 'legacy_v2']));
    expect(all.filter((r) => r.policyId === 'allowlist.over-broad')).toEqual([
      expect.objectContaining({ status: 'fail', severity: 'warn', subject: { kind: 'repo', id: 'p.one/legacy_*' }, location: { file: 'allowlist.yaml', line: 2 }, message: expect.stringContaining('matches all 2 evaluated plugin subjects') }),
    ]);
    expect(all.filter((r) => r.policyId === 'p.one').map((r) => r.status)).toEqual(['allowlisted', 'allowlisted']);
    // Not every subject (a third one exists), or a single subject, or an exact id: not over-broad.
    expect(applyAllowlist(results, list, NOW, scope(['p.one', 'p.two'], ['legacy_v1', 'legacy_v2', 'modern_v1'])).some((r) => r.policyId === 'allowlist.over-broad')).toBe(false);
    expect(applyAllowlist(results, list, NOW, scope(['p.one', 'p.two'], ['legacy_v1'])).some((r) => r.policyId === 'allowlist.over-broad')).toBe(false);
  });

  it('suppresses matching failing results (keeping them, with the reason) and reports expired, expiring and stale entries', () => {
    const list = allowlist(entry() + entry({ policy: 'p.two', subject: 'legacy_*', expires: '2026-01-01' }) + entry({ policy: 'p.three', subject: 'soon', expires: '2026-01-20' }) + entry({ policy: 'p.four', subject: 'nobody' }));
    const out = applyAllowlist([result('p.one', 'legacy_v1'), result('p.two', 'legacy_v2'), result('p.three', 'soon', 'unknown'), result('p.one', 'other')], list, NOW, scope(['p.one', 'p.two', 'p.three', 'p.four']));
    const by = (p: string, s: string) => out.find((r) => r.policyId === p && r.subject.id === s)!;
    expect(by('p.one', 'legacy_v1')).toMatchObject({ status: 'allowlisted', suppression: { kind: 'allowlist', reason: 'because', owner: 'team', expires: '2026-06-30' } });
    expect(by('p.two', 'legacy_v2').status).toBe('fail'); // expired entries no longer suppress
    expect(by('allowlist.expired', 'p.two/legacy_*')).toMatchObject({ status: 'fail', severity: 'error', location: { file: 'allowlist.yaml', line: 7 } });
    expect(by('p.three', 'soon').status).toBe('allowlisted');
    expect(by('allowlist.expiring', 'p.three/soon')).toMatchObject({ severity: 'warn', message: expect.stringContaining('in 10 days') });
    expect(by('allowlist.stale', 'p.four/nobody')).toMatchObject({ severity: 'warn' });
    expect(by('p.one', 'other').status).toBe('fail');
  });

  it('names an allowlist entry for a policy that is not loaded, with did-you-mean', () => {
    const out = applyAllowlist([], allowlist(entry({ policy: 'p.onee' })), NOW, scope(['p.one']));
    expect(out[0]!.message).toContain('no loaded policy has this id (did you mean "p.one"?)');
  });
});

describe('baseline', () => {
  it('records failing results only, sorted; applies them and counts fixed entries', () => {
    const results = [result('p.b', 's1'), result('p.a', 's2'), result('p.a', 's3', 'pass'), result('p.a', 's4', 'unknown')];
    const b = baselineFrom(results);
    expect(b.entries.map((e) => e.policy)).toEqual(['p.a', 'p.b']);
    const { results: after, fixed } = applyBaseline([result('p.b', 's1'), result('p.c', 'new')], b);
    expect(after.map((r) => r.status)).toEqual(['baselined', 'fail']);
    expect(fixed.map((e) => e.subject)).toEqual(['plugin:s2']);
  });
});

describe('policy tests runner', () => {
  it('rejects duplicate case names and honours only', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadTestFile, runPolicyTests } = await import('../../src/policy/index.ts');
    const { parseEnvToggles } = await import('../../src/config/index.ts');
    const { ROOT } = await import('../helpers/cli.ts');
    const dir = mkdtempSync(join(tmpdir(), 'ptest-'));
    const kase = (name: string, extra = '') => `  - name: ${name}\n    facts: { subject: { kind: plugin, id: p, catalog: { inCatalog: true, discovered: true } } }\n    expect: pass\n${extra}`;
    writeFileSync(join(dir, 'dup.test.yaml'), `policy: catalog.in-sync\ncases:\n${kase('a')}${kase('a')}`);
    expect(() => loadTestFile(join(dir, 'dup.test.yaml'), dir)).toThrow(/test case "a" is already defined at line 3/);
    writeFileSync(join(dir, 'only.test.yaml'), `policy: catalog.in-sync\ncases:\n${kase('a')}${kase('b', '    only: true\n')}${kase('c')}`);
    const config = { largeRows: 1_000_000, closeWindow: { startDay: 20, endDay: 5 }, plugins: { dirs: [], packages: [], jobs: undefined, timeoutMs: 1, memoryMb: 1 }, env: parseEnvToggles({}) };
    const run = await runPolicyTests({ policiesDir: join(ROOT, 'policies'), testPaths: [join(dir, 'only.test.yaml')], baseConfig: config, cwd: dir, engine: 'fast', now: '2026-01-10', parity: false });
    expect(run.outcomes.map((o) => o.name)).toEqual(['b']);
    expect(run.skipped).toBe(2);
    // A pass is compact (no message): a case expecting one fails and says why.
    writeFileSync(join(dir, 'msg.test.yaml'), `policy: catalog.in-sync\ncases:\n${kase('m', '    message: in sync\n')}`);
    const msg = await runPolicyTests({ policiesDir: join(ROOT, 'policies'), testPaths: [join(dir, 'msg.test.yaml')], baseConfig: config, cwd: dir, engine: 'fast', now: '2026-01-10', parity: false });
    expect(msg.failed).toBe(1);
    expect(msg.outcomes[0]!.detail).toBe('expected the message to contain "in sync" (a pass has no message: drop `message:` from this case) (status pass, severity error)');
  });
});
