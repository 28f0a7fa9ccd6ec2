import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type * as Sarif from 'sarif';
import { describe, expect, it } from 'vitest';
import { FIXTURE_CWD, loadFixtureReport } from '../../fixtures/formatters/goldens.ts';
import { validateWithMultitool } from './validators.ts';
import { buildSarif, FINGERPRINT_KEY, formatSarif, ruleName, SRCROOT } from '../../src/formatters/sarif.ts';
import type { EvaluationReport } from '../../src/policy/index.ts';

const require = createRequire(import.meta.url);
const ctx = { cwd: FIXTURE_CWD, color: false };
const report = loadFixtureReport('report');
const log = buildSarif(report, ctx);
const run = log.runs[0]!;
const results = run.results ?? [];
const rules = run.tool.driver.rules ?? [];

function resultFor(policyId: string, subjectId: string): Sarif.Result {
  const found = results.find((r) => r.ruleId === policyId && (r.properties?.['subject'] as { id: string }).id === subjectId);
  if (!found) throw new Error(`no SARIF result for ${policyId} × ${subjectId}`);
  return found;
}

describe('SARIF structure', () => {
  it('lists every policy as a rule, with help, tags, helpUri only for URLs, level from stage', () => {
    expect(rules.map((r) => r.id)).toEqual(['catalog.sync', 'insight.contract', 'novelty.min-new-insights', 'streaming.unbounded-loader', 'taxonomy.class-declared']);
    const streaming = rules.find((r) => r.id === 'streaming.unbounded-loader')!;
    expect(streaming.name).toBe('StreamingUnboundedLoader');
    expect(streaming.shortDescription?.text).toBe('No unbounded dataset loader in large-dataset mode');
    expect(streaming.fullDescription?.text).toMatch(/^In large-dataset mode/);
    expect(streaming.help?.text).toContain('Remediation: Use ctx.dataset.iterBatches');
    expect(streaming.help?.markdown).toContain('[Documentation](https://stat-harness.example.org/docs/policies#streaming-unbounded-loader)');
    expect(streaming.helpUri).toBe('https://stat-harness.example.org/docs/policies#streaming-unbounded-loader');
    expect(streaming.properties?.tags).toEqual(['performance', 'streaming']);
    expect(streaming.defaultConfiguration?.level).toBe('warning');
    const taxonomy = rules.find((r) => r.id === 'taxonomy.class-declared')!;
    expect(taxonomy.helpUri).toBeUndefined(); // docs is a repo path, not a URL
    expect(taxonomy.defaultConfiguration?.level).toBe('error');
  });

  it('reports problems and suppressed results; passes and not-applicable only in the summary', () => {
    expect(results).toHaveLength(report.summary.failed.error + report.summary.failed.warn + report.summary.failed.info + report.summary.allowlisted + report.summary.baselined);
    expect(results.some((r) => r.ruleId === 'novelty.min-new-insights')).toBe(false);
    expect(run.properties?.['summary']).toEqual(report.summary);
    for (const r of results) {
      expect(rules[r.ruleIndex!]!.id).toBe(r.ruleId);
      expect(r.kind).toBe('fail');
    }
  });

  it('maps severity to level and keeps the message, with missing facts for unknown', () => {
    expect(resultFor('streaming.unbounded-loader', 'batch_input_clusters_v1').level).toBe('error');
    expect(resultFor('taxonomy.class-declared', 'batch_input_clusters_v1').level).toBe('warning');
    expect(resultFor('catalog.sync', 'machine_slowdown_v1').level).toBe('note');
    const unknown = resultFor('catalog.sync', 'batch_input_clusters_v1');
    expect(unknown.message.text).toBe('catalog entry for batch_input_clusters_v1 could not be checked (unknown: missing facts: catalog.entry)');
    expect(unknown.properties?.['missingFacts']).toEqual(['catalog.entry']);
    expect(resultFor('streaming.unbounded-loader', 'batch_input_clusters_v1').message.text).toBe(report.results[0]!.message);
    const off = structuredClone(report);
    off.results[0]!.severity = 'off';
    expect(buildSarif(off, ctx).runs[0]!.results!.some((r) => r.partialFingerprints?.[FINGERPRINT_KEY] === '3f1c2a9e8b7d6c5a')).toBe(false);
  });

  it('locates results relative to %SRCROOT%, with a region when there is a line', () => {
    const r = resultFor('streaming.unbounded-loader', 'batch_input_clusters_v1');
    expect(r.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'src/plugins/builtin/batch_input_clusters.ts', uriBaseId: SRCROOT },
          region: { startLine: 42, startColumn: 15, endLine: 42, endColumn: 48, snippet: { text: 'ctx.dataset.load({ columns })' } },
        },
        logicalLocations: [{ name: 'run', kind: 'function' }],
      },
    ]);
    expect(run.originalUriBaseIds?.[SRCROOT]?.uri).toBe('file:///repo/');
    expect(resultFor('taxonomy.class-declared', 'batch_input_clusters_v1').locations![0]!.physicalLocation!.region).toEqual({ startLine: 8 });
    expect(resultFor('insight.contract', 'machine_slowdown_v1').locations).toBeUndefined();
    expect(r.partialFingerprints).toEqual({ [FINGERPRINT_KEY]: '3f1c2a9e8b7d6c5a' });
  });

  it('normalizes absolute and odd paths into repo-relative URIs', () => {
    const odd = structuredClone(report);
    odd.results[0]!.location!.file = '/repo/src/dir with space/a#b.ts';
    const loc = buildSarif(odd, ctx).runs[0]!.results!.find((r) => r.partialFingerprints?.[FINGERPRINT_KEY] === '3f1c2a9e8b7d6c5a')!.locations![0]!;
    expect(loc.physicalLocation!.artifactLocation).toEqual({ uri: 'src/dir%20with%20space/a%23b.ts', uriBaseId: SRCROOT });
    odd.results[0]!.location!.file = '/elsewhere/x.ts';
    const outside = buildSarif(odd, ctx).runs[0]!.results!.find((r) => r.partialFingerprints?.[FINGERPRINT_KEY] === '3f1c2a9e8b7d6c5a')!.locations![0]!;
    expect(outside.physicalLocation!.artifactLocation).toEqual({ uri: 'file:///elsewhere/x.ts' });
  });

  it('marks allowlisted and baselined results as externally suppressed with the reason', () => {
    expect(resultFor('streaming.unbounded-loader', 'queue_wait_close_v2').suppressions).toEqual([
      {
        kind: 'external',
        status: 'accepted',
        justification: 'allowlisted: Migrating to iterBatches in Q1, tracked in OPS-123',
        properties: { source: 'allowlist', owner: 'data-platform', expires: '2026-12-31' },
      },
    ]);
    expect(resultFor('taxonomy.class-declared', 'queue_wait_close_v2').suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'baselined: accepted in .stat-harness/policy-baseline.json', properties: { source: 'baseline' } },
    ]);
    expect(resultFor('streaming.unbounded-loader', 'batch_input_clusters_v1').suppressions).toBeUndefined();
  });

  it('gives results of policies outside report.policies (e.g. allowlist.expired) a rule of their own', () => {
    const extra: EvaluationReport = structuredClone(report);
    extra.results.push({
      policyId: 'allowlist.expired',
      subject: { kind: 'plugin', id: 'queue_wait_close_v2' },
      status: 'fail',
      severity: 'error',
      message: 'allowlist entry for streaming.unbounded-loader expired on 2026-10-01',
      fingerprint: 'aa',
    });
    const r = buildSarif(extra, ctx).runs[0]!;
    const res = r.results!.find((x) => x.ruleId === 'allowlist.expired')!;
    expect(r.tool.driver.rules![res.ruleIndex!]!.id).toBe('allowlist.expired');
    expect(ruleName('allowlist.expired')).toBe('AllowlistExpired');
  });
});

describe('SARIF validated by the real @microsoft/sarif-multitool', () => {
  for (const name of ['report', 'empty-report'] as const) {
    it(`${name}: zero errors`, () => {
      const v = validateWithMultitool(formatSarif(loadFixtureReport(name), ctx));
      if (v.warnings.length > 0) console.log(`sarif-multitool warnings for ${name}:\n  ${v.warnings.join('\n  ')}`);
      expect(v.errors).toEqual([]);
    });
  }

  it('the validator does catch a broken log (so a zero above means something)', () => {
    const broken = JSON.parse(formatSarif(report, ctx)) as Sarif.Log;
    broken.runs[0]!.results![0]!.ruleIndex = 99;
    const v = validateWithMultitool(JSON.stringify(broken));
    expect(v.errors.some((e) => e.startsWith('SARIF1009'))).toBe(true);
  });
});

describe('SARIF validated against the SARIF 2.1.0 JSON schema (shipped in @microsoft/sarif-multitool-linux)', () => {
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;
  const schemaPath = require.resolve('@microsoft/sarif-multitool-linux/sarif-2.1.0.json');
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

  it('report and empty report are schema-valid; a broken one is not', () => {
    for (const name of ['report', 'empty-report'] as const) {
      const ok = validate(JSON.parse(formatSarif(loadFixtureReport(name), ctx)));
      expect(validate.errors ?? [], name).toEqual([]);
      expect(ok).toBe(true);
    }
    const broken = JSON.parse(formatSarif(report, ctx)) as Sarif.Log;
    (broken.runs[0]!.results![0]! as { level: string }).level = 'fatal';
    expect(validate(broken)).toBe(false);
  });
});
