import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/cli.ts';

const FIX = join(ROOT, 'fixtures/policy');
const FACTS = join(FIX, 'facts.json');
const BAD = join(FIX, 'bad');
const NOW = ['--now', '2026-01-10'];

function check(args: string[], env?: NodeJS.ProcessEnv) {
  return runCli('policyEval', [...args, ...NOW], env ? { env } : {});
}

/** A temp dir holding one policy file (so one bad file does not hide behind the others). */
function policyDir(file: string): string {
  const dir = tempDir('policy-bad-');
  copyFileSync(join(BAD, file), join(dir, file));
  return dir;
}

describe('policy-eval check', () => {
  it('evaluates the shipped policies and exits 1 on failing results, with summary counts at the end', () => {
    const r = check(['--facts', FACTS]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('legacy_loader_v1 loads the dataset without a row limit');
    expect(r.stdout.trimEnd().split('\n').slice(-2).join('\n')).toMatch(/passed/);
  });

  it('produces every format, and JSON that carries statuses, severities and locations', () => {
    for (const format of ['text', 'json', 'sarif', 'junit', 'github', 'markdown']) {
      const r = check(['--facts', FACTS, '--format', format]);
      expect(r.status, `${format}: ${r.stderr}`).toBe(1);
      expect(r.stdout.length).toBeGreaterThan(50);
    }
    const report = JSON.parse(check(['--facts', FACTS, '--format', 'json']).stdout) as {
      now: string;
      results: { policyId: string; subject: { id: string }; status: string; severity: string; location?: { file: string; function?: string }; missingFacts?: string[] }[];
    };
    expect(report.now).toBe('2026-01-10');
    const find = (p: string, s: string) => report.results.find((x) => x.policyId === p && x.subject.id === s)!;
    expect(find('streaming.unbounded-loader', 'legacy_loader_v1')).toMatchObject({ status: 'fail', severity: 'warn', location: { file: 'src/plugins/builtin/legacy_loader.ts', function: 'run' } });
    expect(find('streaming.unbounded-loader', 'batch_input_clusters_v1').status).toBe('pass');
    expect(find('streaming.unbounded-loader', 'machine_skew_v1')).toMatchObject({ status: 'unknown', missingFacts: ['telemetry.unboundedLoadRows'] });
    expect(find('insight.autonomous-novelty', 'run-42')).toMatchObject({ status: 'fail', severity: 'error' });
    expect(find('insight.autonomous-discovery', 'run-42').status).toBe('not_applicable');
  });

  it('--env flips a stage for a dry run, and --engine jre gives the same report', () => {
    const fast = check(['--facts', FACTS, '--format', 'json', '--env', 'STAT_HARNESS_STREAMING_POLICY_STRICT=1']);
    const jre = check(['--facts', FACTS, '--format', 'json', '--env', 'STAT_HARNESS_STREAMING_POLICY_STRICT=1', '--engine', 'jre']);
    expect(jre.stdout).toBe(fast.stdout);
    const report = JSON.parse(fast.stdout) as { results: { policyId: string; subject: { id: string }; severity: string }[] };
    expect(report.results.find((x) => x.policyId === 'streaming.unbounded-loader' && x.subject.id === 'legacy_loader_v1')!.severity).toBe('error');
    const viaShell = check(['--facts', FACTS, '--format', 'json'], { STAT_HARNESS_STREAMING_POLICY_STRICT: '1' });
    expect(viaShell.stdout).toBe(fast.stdout);
  });

  it('exit 0 when only warnings fail; --max-warnings and --fail-on warn turn them into exit 1', () => {
    const dir = tempDir();
    copyFileSync(join(ROOT, 'policies/streaming.unbounded-loader.yaml'), join(dir, 'p.yaml'));
    expect(check(['--policies', dir, '--facts', FACTS]).status).toBe(0);
    // Two warnings: legacy_loader_v1 fails, machine_skew_v1 is unknown (no telemetry).
    expect(check(['--policies', dir, '--facts', FACTS, '--max-warnings', '2']).status).toBe(0);
    expect(check(['--policies', dir, '--facts', FACTS, '--max-warnings', '1']).status).toBe(1);
    expect(check(['--policies', dir, '--facts', FACTS, '--fail-on', 'warn']).status).toBe(1);
    const bad = check(['--policies', dir, '--facts', FACTS, '--max-warnings', '1e3']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--max-warnings must be an integer');
  });

  it('unknown --format is exit 2 with a did-you-mean, never a fallback to text', () => {
    const r = check(['--facts', FACTS, '--format', 'sarf']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/unknown output format "sarf".*did you mean "sarif"/);
  });

  it('bad env toggle values and unknown --env names are exit 2', () => {
    const r = check(['--facts', FACTS], { STAT_HARNESS_STREAMING_POLICY_STRICT: 'yes' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('STAT_HARNESS_STREAMING_POLICY_STRICT="yes" is not valid');
    const e = check(['--facts', FACTS, '--env', 'STAT_HARNESS_STREAMING_STRICT=1']);
    expect(e.status).toBe(2);
    expect(e.stderr).toContain('did you mean "STAT_HARNESS_STREAMING_POLICY_STRICT"');
  });

  it('--run (facts from the collectors) excludes --facts, and --reference needs --run (tests/cli/facts.test.ts runs it for real)', () => {
    const both = check(['--run', '1', '--facts', FACTS]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('pass either --facts <file.json> or --run <id>, not both');
    const ref = check(['--facts', FACTS, '--reference', 'snapshot.json']);
    expect(ref.status).toBe(2);
    expect(ref.stderr).toContain('--reference and --require-reference apply to --run <id>');
  });

  it('nothing evaluated is exit 2 unless --allow-empty', () => {
    const dir = tempDir();
    const facts = join(dir, 'facts.json');
    writeFileSync(facts, '{ "subjects": [] }');
    const r = check(['--facts', facts]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nothing-evaluated');
    expect(check(['--facts', facts, '--allow-empty']).status).toBe(0);
    const empty = tempDir();
    expect(check(['--policies', empty, '--facts', FACTS]).status).toBe(2);
  });

  it('--facts that is not JSON or fails its schema is exit 2 with the position', () => {
    const r = check(['--facts', join(FIX, 'facts-not-json.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/facts-not-json\.json:1:50 error \[facts-not-json\] facts file is not valid JSON: Unexpected token ']'\n/);
    const s = check(['--facts', join(FIX, 'facts-bad-schema.json')]);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/facts-bad-schema\.json:1:\d+ error \[schema\] invalid facts file: subjects\.0\.kind must be one of "plugin"/);
  });

  it('--explain prints condition traces to stderr', () => {
    const r = check(['--facts', FACTS, '--explain', '--format', 'json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('streaming.unbounded-loader on plugin legacy_loader_v1: fail');
    expect(r.stderr).toMatch(/true\s+access\.classes contains "dataset_loader_unbounded"\s+\[access\.classes = \["dataset_loader_unbounded"\]\]/);
    JSON.parse(r.stdout);
  });

  it('--help shows examples and exit codes', () => {
    const r = runCli('policyEval', ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('Exit codes');
  });

  it('colors never appear without a TTY, even with FORCE_COLOR unset', () => {
    const r = check(['--facts', FACTS]);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });
});

describe('policy-eval load errors (exit 2, file:line:column)', () => {
  const cases: [string, RegExp][] = [
    ['tab-indent.yaml', /tab-indent\.yaml:7:1 error \[yaml-tab-as-indent\]/],
    ['unclosed-quote.yaml', /unclosed-quote\.yaml:4:1 error \[yaml-missing-char\] Missing closing "quote/],
    ['duplicate-key.yaml', /duplicate-key\.yaml:4:1 error \[yaml-duplicate-key\]/],
    ['alias-bomb.yaml', /alias-bomb\.yaml error \[yaml-alias-limit\]/],
    ['js-function.yaml', /js-function\.yaml:6:12 error \[yaml-tag-resolve-failed\].*\n\s+hint: custom tags/],
    ['unknown-operator.yaml', /unknown-operator\.yaml:8:50 error \[unknown-operator\] unknown operator "greaterThen" \(did you mean "greaterThan"\?\)/],
    ['unknown-fact.yaml', /unknown-fact\.yaml:8:13 error \[unknown-fact\] "telemtry\.rowsLoaded" is not provided by any collector \(did you mean "telemetry\.rowsLoaded"\?\)/],
    ['unknown-severity.yaml', /unknown-severity\.yaml:7:55 error \[unknown-severity\] unknown severity "eror" \(did you mean "error"\?\)/],
    ['stage-7.yaml', /stage-7\.yaml:5:8 error \[schema\] invalid policy "x\.stage": stage must be one of "warn", "fail"/],
    ['missing-id.yaml', /missing-id\.yaml:1:1 error \[schema\] invalid policy: missing the required key "id"/],
    ['backref.yaml', /backref\.yaml:6:\d+ error \[invalid-value\] invalid pattern: .*hint: patterns use RE2 syntax/s],
  ];
  for (const [file, pattern] of cases) {
    it(file, () => {
      const r = check(['--policies', policyDir(file), '--facts', FACTS]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('a 20 MB one-line file fails fast on the size cap', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'huge.yaml'), `x: [${'1,'.repeat(10 * 1024 * 1024)}1]`);
    const started = process.hrtime.bigint();
    const r = check(['--policies', dir, '--facts', FACTS]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/huge\.yaml error \[file-too-large\] .* is 20971\d+ bytes; YAML files are limited to 2097152 bytes/);
    // Not a timing assertion on the product: only guards against parsing the file at all.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(30);
  });

  it('duplicate ids across files name both files', () => {
    const r = check(['--policies', join(FIX, 'dup-a'), join(FIX, 'dup-b'), '--facts', FACTS]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dup-b\/two\.yaml:1:5 error \[duplicate-policy-id\] policy id "dup\.same" is already defined in .*dup-a\/one\.yaml:1/);
  });

  it('a policy written as JSON is accepted', () => {
    const r = check(['--policies', join(FIX, 'json-policy'), '--facts', FACTS, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { results: { policyId: string; subject: { id: string }; status: string; message: string }[] };
    expect(report.results.find((x) => x.subject.id === 'legacy_loader_v1')).toMatchObject({ policyId: 'json.rows-loaded', status: 'fail', message: 'legacy_loader_v1 loaded 2500000 rows' });
  });

  it('a (a+)+$ pattern runs on the linear-time engine: no hang on a long input', () => {
    const dir = policyDir('redos.yaml');
    // Not in the policy directory: a .json file there is read as a policy.
    const facts = join(tempDir(), 'facts.json');
    writeFileSync(facts, JSON.stringify({ subjects: [{ kind: 'plugin', id: 'p', access: { sites: `${'a'.repeat(50_000)}b` } }, { kind: 'plugin', id: 'q', access: { sites: 'aaaa' } }] }));
    const r = runCli('policyEval', ['--policies', dir, '--facts', facts, '--format', 'json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { results: { subject: { id: string }; status: string }[] };
    expect(report.results.map((x) => [x.subject.id, x.status])).toEqual([
      ['p', 'pass'],
      ['q', 'fail'],
    ]);
  });

  it('CRLF line ends and a BOM are fine', () => {
    const dir = tempDir();
    const text = readFileSync(join(ROOT, 'policies/insight.contract.yaml'), 'utf8').replace(/\n/g, '\r\n');
    writeFileSync(join(dir, 'crlf.yaml'), `\uFEFF${text}`);
    const r = check(['--policies', dir, '--facts', FACTS, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
  });
});

describe('policy-eval allowlist', () => {
  it('allowlisted results are reported with the reason; expired fails; expiring and stale warn', () => {
    const r = check(['--facts', FACTS, '--allowlist', join(FIX, 'allowlist.yaml'), '--format', 'json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { results: { policyId: string; subject: { id: string }; status: string; severity: string; suppression?: { reason: string } }[]; summary: { allowlisted: number; staleAllowlist: number } };
    const find = (p: string, s: string) => report.results.find((x) => x.policyId === p && x.subject.id === s);
    expect(find('streaming.unbounded-loader', 'legacy_loader_v1')).toMatchObject({ status: 'allowlisted', suppression: { reason: expect.stringContaining('DP-118') } });
    expect(find('allowlist.expired', 'taxonomy.class-mapped/legacy_*_v1')).toMatchObject({ status: 'fail', severity: 'error' });
    expect(find('taxonomy.class-mapped', 'legacy_loader_v1')!.status).toBe('fail');
    expect(find('allowlist.expiring', 'catalog.in-sync/machine_skew_v1')).toMatchObject({ status: 'fail', severity: 'warn' });
    expect(find('allowlist.stale', 'insight.contract/batch_input_clusters_v1')).toMatchObject({ status: 'fail', severity: 'warn' });
    expect(report.summary).toMatchObject({ allowlisted: 2, staleAllowlist: 1 });
  });

  const bad: [string, RegExp][] = [
    ['allow-no-reason.yaml', /allow-no-reason\.yaml:2:5 error \[allowlist-missing-reason\] allowlist entry 1 \(streaming\.unbounded-loader \/ legacy_loader_v1\) has no reason/],
    ['allow-star.yaml', /allow-star\.yaml:3:14 error \[allowlist-broad-subject\] .*subject "\*\*" is over-broad: it does not start with a literal character/],
    ['allow-bad-date.yaml', /allow-bad-date\.yaml:6:14 error \[allowlist-bad-date\] .*expires "2026-02-30" is not a real calendar date/],
  ];
  for (const [file, pattern] of bad) {
    it(file, () => {
      const r = check(['--facts', FACTS, '--allowlist', join(FIX, file)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(pattern);
    });
  }
});

describe('policy-eval subcommands', () => {
  it('compile prints the json-rules-engine rule; an unknown id is exit 2 with did-you-mean', () => {
    const r = runCli('policyEval', ['compile', 'streaming.unbounded-loader']);
    expect(r.status).toBe(0);
    const rule = JSON.parse(r.stdout) as { name: string; conditions: { all: { name: string }[] } };
    expect(rule.name).toBe('streaming.unbounded-loader');
    expect(rule.conditions.all.map((c) => c.name)).toEqual(['applies', 'violation']);
    expect(r.stdout).toContain('"value": 1000000');
    const bad = runCli('policyEval', ['compile', 'streaming.unbounded-loadr']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('did you mean "streaming.unbounded-loader"');
  });

  it('explain prints each fact value and outcome', () => {
    const r = runCli('policyEval', ['explain', 'streaming.contract-mismatch', '--subject', 'machine_skew_v1', '--facts', FACTS]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('streaming.contract-mismatch on plugin machine_skew_v1: unknown');
    expect(r.stdout).toMatch(/UNKNOWN\s+telemetry\.unboundedLoadRows greaterThan 0\s+\[telemetry\.unboundedLoadRows = \(missing\)\]/);
    expect(r.stdout).toMatch(/true\s+access\.declared notEqual "dataset_loader_unbounded"/);
    const missing = runCli('policyEval', ['explain', 'streaming.contract-mismatch', '--subject', 'machine_skew', '--facts', FACTS]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('did you mean "machine_skew_v1"');
  });

  it('test runs the shipped policy tests', () => {
    const r = runCli('policyEval', ['test']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed$/m);
  });

  it('test reports failing cases with detail and exits 1', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'wrong.test.yaml'),
      'policy: catalog.in-sync\ncases:\n  - name: wrong on purpose\n    facts:\n      subject: { kind: plugin, id: p, catalog: { inCatalog: false, discovered: true } }\n    expect: pass\n',
    );
    const r = runCli('policyEval', ['test', join(dir, 'wrong.test.yaml')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('catalog.in-sync › wrong on purpose');
    expect(r.stdout).toContain('expected pass, got fail');
    expect(r.stdout).toMatch(/^0 passed, 1 failed$/m);
  });

  it('doc --check passes on the committed docs and fails when stale', () => {
    expect(runCli('policyEval', ['doc', '--check']).status).toBe(0);
    const dir = tempDir();
    const out = join(dir, 'policies.md');
    writeFileSync(out, '# old\n');
    const r = runCli('policyEval', ['doc', '--check', '--output', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('docs-stale');
  });

  it('baseline write then check: baselined results pass, new violations fail, fixed ones are counted', () => {
    const dir = tempDir();
    const baseline = join(dir, 'baseline.json');
    const w = check(['baseline', 'write', '--facts', FACTS, '--baseline', baseline]);
    expect(w.status, w.stderr).toBe(0);
    const written = JSON.parse(readFileSync(baseline, 'utf8')) as { entries: { fingerprint: string }[] };
    expect(written.entries.length).toBeGreaterThan(3);
    expect(check(['baseline', 'check', '--facts', FACTS, '--baseline', baseline]).status).toBe(0);

    // Shift the unbounded loader down 30 lines: same file/function/snippet, still baselined.
    const facts = JSON.parse(readFileSync(FACTS, 'utf8')) as { subjects: { id: string; access?: { locations?: { line: number }[] }; contract?: { violations: string[] }; catalog?: { inCatalog: boolean } }[] };
    facts.subjects[1]!.access!.locations![0]!.line += 30;
    facts.subjects[0]!.contract!.violations = ['new violation'];
    facts.subjects[2]!.catalog!.inCatalog = true;
    const shifted = join(dir, 'shifted.json');
    writeFileSync(shifted, JSON.stringify(facts));
    const r = check(['baseline', 'check', '--facts', shifted, '--baseline', baseline, '--format', 'json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { results: { policyId: string; subject: { id: string }; status: string }[]; summary: { fixed: number; baselined: number } };
    const find = (p: string, s: string) => report.results.find((x) => x.policyId === p && x.subject.id === s)!;
    expect(find('streaming.unbounded-loader', 'legacy_loader_v1').status).toBe('baselined');
    expect(find('insight.contract', 'batch_input_clusters_v1').status).toBe('fail');
    expect(report.summary.fixed).toBe(1);
    expect(r.stderr).toContain('no longer matches');
  });

  it('format --from re-renders a saved JSON report; a non-report is exit 2', () => {
    const dir = tempDir();
    const saved = join(dir, 'results.json');
    const j = check(['--facts', FACTS, '--format', 'json', '--output', saved]);
    expect(j.status).toBe(1);
    expect(j.stdout).toBe('');
    const direct = check(['--facts', FACTS, '--format', 'markdown']);
    const re = runCli('policyEval', ['format', '--from', saved, '--format', 'markdown']);
    expect(re.status).toBe(0);
    expect(re.stdout).toBe(direct.stdout);
    const bad = runCli('policyEval', ['format', '--from', FACTS, '--format', 'text']);
    expect(bad.status).toBe(2);
    mkdirSync(join(dir, 'x'), { recursive: true });
    expect(runCli('policyEval', ['format', '--from', saved, '--format', 'yaml']).status).toBe(2);
  });
});

describe('policy-eval review fixes', () => {
  it('--quiet narrows only the terminal text: machine formats and --output keep every result', () => {
    const allow = ['--allowlist', join(FIX, 'allowlist.yaml')];
    const full = check(['--facts', FACTS, ...allow, '--format', 'json']);
    for (const format of ['json', 'sarif', 'junit']) {
      const q = runCli('policyEval', ['--quiet', '--facts', FACTS, ...allow, '--format', format, ...NOW]);
      const plain = check(['--facts', FACTS, ...allow, '--format', format]);
      expect(q.stdout, format).toBe(plain.stdout);
    }
    const dir = tempDir();
    const out = join(dir, 'r.json');
    runCli('policyEval', ['--quiet', '--facts', FACTS, ...allow, '--format', 'json', '--output', out, ...NOW]);
    expect(readFileSync(out, 'utf8')).toBe(full.stdout);
    const report = JSON.parse(full.stdout) as { results: { status: string; severity: string }[] };
    expect(report.results.some((r) => r.status === 'allowlisted')).toBe(true);
    expect(report.results.some((r) => r.status === 'fail' && r.severity === 'warn')).toBe(true);
    // Terminal text: only error failures are listed, the summary still counts everything.
    const text = runCli('policyEval', ['--quiet', '--facts', FACTS, ...allow, ...NOW]);
    expect(text.status).toBe(1);
    expect(text.stdout).not.toMatch(/^\s+\S+\s+(warning|allowlisted)\s/m);
    expect(text.stdout).not.toContain('allowlisted: ');
    expect(text.stdout).toMatch(/error\s+insight\.autonomous-novelty/);
    expect(text.stdout).toMatch(/\d+ allowlisted/);
  });

  it('a directory as --facts or --output is a usage error naming the path (exit 2, no internal error)', () => {
    const dir = tempDir();
    const f = check(['--facts', dir]);
    expect(f.status).toBe(2);
    expect(f.stderr).toContain(`--facts ${dir} is a directory`);
    expect(f.stderr).not.toContain('internal');
    const o = check(['--facts', FACTS, '--format', 'json', '--output', dir]);
    expect(o.status).toBe(2);
    expect(o.stderr).toContain(`--output ${dir} is a directory`);
    expect(o.stderr).not.toContain('internal');
    for (const mode of ['write', 'check']) {
      const b = check(['baseline', mode, '--facts', FACTS, '--baseline', dir]);
      expect(b.status, mode).toBe(2);
      expect(b.stderr).toContain(`--baseline ${dir} is a directory`);
    }
  });

  it('a policy id with the reserved allowlist. prefix is a load error at the id line', () => {
    const dir = tempDir();
    const text = readFileSync(join(ROOT, 'policies/catalog.in-sync.yaml'), 'utf8').replace(/^id: .*$/m, 'id: allowlist.mine');
    writeFileSync(join(dir, 'mine.yaml'), text);
    const r = check(['--policies', dir, '--facts', FACTS]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/mine\.yaml:2:5 error \[reserved-policy-id\] policy id "allowlist\.mine" uses the reserved prefix "allowlist\."/);
  });

  it('test: a leftover only: true exits 1 unless --allow-only', () => {
    const dir = tempDir();
    const file = join(dir, 'only.test.yaml');
    const kase = (name: string, extra = '') => `  - name: ${name}\n    facts:\n      subject: { kind: plugin, id: p, catalog: { inCatalog: true, discovered: true } }\n    expect: pass\n${extra}`;
    writeFileSync(file, `policy: catalog.in-sync\ncases:\n${kase('a')}${kase('b', '    only: true\n')}`);
    const r = runCli('policyEval', ['test', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAIL only: 1 case skipped because of only: true');
    expect(r.stdout).toMatch(/^1 passed, 1 failed$/m);
    const ok = runCli('policyEval', ['test', file, '--allow-only']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('note: 1 case skipped');
  });

  it('baseline write records violations after the allowlist: an allowlisted one is not baselined', () => {
    const dir = tempDir();
    const entries = (extra: string[]) => {
      const file = join(dir, `b${extra.length}.json`);
      expect(check(['baseline', 'write', '--facts', FACTS, '--baseline', file, ...extra]).status).toBe(0);
      return (JSON.parse(readFileSync(file, 'utf8')) as { entries: { policy: string; subject: string }[] }).entries;
    };
    const isLoader = (e: { policy: string; subject: string }) => e.policy === 'streaming.unbounded-loader' && e.subject === 'plugin:legacy_loader_v1';
    expect(entries(['--no-allowlist']).some(isLoader)).toBe(true);
    expect(entries(['--allowlist', join(FIX, 'allowlist.yaml')]).some(isLoader)).toBe(false);
  });
});
