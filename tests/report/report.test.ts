import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/common/schema.ts';
import { evaluateLandmarks, loadKnownIssues } from '../../src/insights/index.ts';
import { buildReportJson, buildSequenceChecklists, renderReportMarkdown, writeChecklists, writeRunReports, type ReportInput } from '../../src/report/index.ts';
import { loadInput, readTree, tempOut } from './helpers.ts';

const validate = schemaValidator('report.schema.json');
type Json = Record<string, any>;

function landmarkResultsFor(input: ReportInput) {
  const recs = input.plugins.flatMap((p) => p.result.recommendations);
  return evaluateLandmarks(loadKnownIssues('fixtures/insights/known-issues.valid.yaml'), recs);
}

describe('report.json', () => {
  it.each([
    ['basic', loadInput('basic'), undefined],
    ['hostile', loadInput('hostile'), undefined],
    ['known-issues on', { ...loadInput('basic'), knownIssuesMode: 'on' as const }, 'landmarks'],
  ])('%s validates against schemas/report.schema.json', (_n, input, withLandmarks) => {
    const json = buildReportJson(input, withLandmarks ? { landmarks: landmarkResultsFor(input) } : {});
    const ok = validate(JSON.parse(JSON.stringify(json)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema is not vacuous: a figure without basis, a bad sequence id or an unknown key fail', () => {
    const good = JSON.parse(JSON.stringify(buildReportJson(loadInput('basic')))) as Json;
    const cases: ((r: Json) => void)[] = [
      (r) => (r.recommendations[0].modeled = { percent: 100 }),
      (r) => (r.batch_sequences[0].sequence_id = 'seq_x'),
      (r) => delete r.batch_sequences[0].cohort.calls,
      (r) => (r.run.started_at = '2026-01-01T00:00:00Z'),
      (r) => (r.recommendations[3].modeled = null, delete r.recommendations[3].not_modeled_reason),
    ];
    for (const mutate of cases) {
      const r = structuredClone(good);
      mutate(r);
      expect(validate(r)).toBe(false);
    }
  });

  it('ranks by modeled seconds, then percent, then relevance', () => {
    const recs = (buildReportJson(loadInput('basic')) as Json).recommendations as Json[];
    expect(recs.map((r) => [r.rank, r.plugin_id, r.kind])).toEqual([
      [1, 'batch_input_clusters_v1', 'batch_group_candidate'], // 5400 s + 18.5%
      [2, 'queue_wait_v1', 'close_peak_reschedule'], // 5400 s, no percent
      [3, 'slow_machine_v1', 'slow_machine'], // 12.5% only
      [4, 'batch_input_clusters_v1', 'batch_group_candidate'], // not modeled, relevance 0.7
      [5, 'sloppy_plugin_v1', 'duplicate_export'], // not modeled, relevance 0.3
    ]);
    expect(recs[0]!.modeled).toEqual({ basis: 'queue wait + run seconds of INV_POST, GL_ALLOC, AR_RECON in the 2025-03 close cohort', delta_seconds: 5400, percent: 18.5 });
    expect(recs[3]!.modeled).toBeNull();
    expect(recs[3]!.not_modeled_reason).toMatch(/only 6 vendor groups/);
  });

  it('breaks exact ties by signature, whatever the input order', () => {
    const input = loadInput('basic');
    const q = input.plugins.find((p) => p.id === 'queue_wait_v1')!;
    const twin = { ...q.result.recommendations[0]!, text: 'Start REPORT_DAILY after 10:30 on weekdays.' };
    q.result.recommendations = [q.result.recommendations[0]!, twin];
    const tied = () => ((buildReportJson(input) as Json).recommendations as Json[]).filter((r) => r.plugin_id === 'queue_wait_v1');
    const a = tied();
    expect(a.map((r) => r.rank)).toEqual([2, 3]); // same seconds, no percent, same relevance
    expect(a[0]!.signature < a[1]!.signature).toBe(true);
    q.result.recommendations.reverse();
    expect(tied()).toEqual(a);
  });

  it('carries the batch sequence payload with cohort evidence and checklist paths', () => {
    const seqs = (buildReportJson(loadInput('basic')) as Json).batch_sequences as Json[];
    expect(seqs.map((s) => s.sequence_id)).toEqual(['seq_194d6cbd3f4cb35e', 'seq_e1065b9058294086']);
    expect(seqs[0]).toMatchObject({
      rank: 1,
      target_process_ids: ['INV_POST', 'GL_ALLOC', 'AR_RECON'],
      close_month: '2025-03',
      key: 'company_code',
      estimated_calls_reduced: 370,
      estimated_delta_seconds_upper: 7200,
      cohort: { calls: 410, distinct_key_values: 40, sample_queue_ids: ['Q-100233', 'Q-100234', 'Q-100301'] },
      checklist: { markdown: 'checklists/seq_194d6cbd3f4cb35e.md', json: 'checklists/seq_194d6cbd3f4cb35e.json' },
    });
    expect(seqs[0]!.suggested_boundary).toBe(
      'one call of INV_POST → GL_ALLOC → AR_RECON per close month (2025-03) with the 40 values of company_code passed as a list, instead of 40 separate runs of the chain (410 calls in the 2025-03 cohort; estimated 370 fewer calls)',
    );
  });

  it('has the data-quality section, plugin statuses and contract violations', () => {
    const r = buildReportJson(loadInput('basic')) as Json;
    expect(r.data_quality.end_before_start).toEqual({ count: 3, lines: [88, 1204, 9001] });
    expect(r.data_quality.missing_timestamps).toEqual({ count: 0, lines: [] });
    const byId = Object.fromEntries((r.plugins as Json[]).map((p) => [p.id, p]));
    expect(byId.broken_plugin_v1).toMatchObject({ status: 'error', reason: expect.stringMatching(/exited with code 1/), actionable: false });
    expect(byId.noop_na_v1).toMatchObject({ status: 'na', actionable: false });
    expect(byId.queue_wait_v1).toMatchObject({ status: 'degraded', actionable: true });
    expect(byId.sloppy_plugin_v1).toMatchObject({ recommendations: 2, recommendations_rejected: 1, actionable: true });
    expect(byId.sloppy_plugin_v1.contract_violations).toEqual([
      'findings[0].title: a finding needs a non-empty title [finding.missing_title]',
      'recommendations[0].modeled_basis: a modeled figure needs a non-empty modeled_basis (what it is relative to); without one it is not shown [recommendation.modeled_without_basis]',
      'recommendations[0].where: where needs at least one structured target (e.g. the process ids the change applies to) [recommendation.empty_where]',
    ]);
    expect(r.summary).toMatchObject({ plugins: 6, actionable_plugins: 4, recommendations: 5, recommendations_rejected: 1, batch_sequences: 2, findings: 3, plugins_by_status: { ok: 3, error: 1, na: 1, degraded: 1, skipped: 0 } });
    expect(r.dataset.id).toBeUndefined();
  });

  it('keeps violations the runner recorded, merged with the re-check', () => {
    const input = loadInput('basic');
    input.plugins.find((p) => p.id === 'slow_machine_v1')!.contractViolations = ['metrics.x: recorded by the runner [result.bad_metric]'];
    const r = buildReportJson(input) as Json;
    expect((r.plugins as Json[]).find((p) => p.id === 'slow_machine_v1')!.contract_violations).toEqual(['metrics.x: recorded by the runner [result.bad_metric]']);
  });

  it('ignores recommendations and findings of a plugin that errored', () => {
    const input = loadInput('basic');
    const broken = input.plugins.find((p) => p.id === 'broken_plugin_v1')!;
    broken.result.recommendations = [{ ...input.plugins[0]!.result.recommendations[1]!, plugin_id: 'broken_plugin_v1', batch_group: undefined, kind: 'x' } as never];
    expect(((buildReportJson(input) as Json).recommendations as Json[]).some((r) => r.plugin_id === 'broken_plugin_v1')).toBe(false);
  });
});

describe('modeled figures', () => {
  it('a figure without a basis is never printed, certainly not as 100%', () => {
    const out = tempOut();
    writeRunReports(loadInput('basic'), out);
    for (const [file, content] of readTree(out)) {
      expect(content, file).not.toMatch(/100(\.0)?\s*%/);
      expect(content, file).not.toContain('Split batches everywhere');
    }
  });
  it('every printed figure in the answers comes with its basis', () => {
    const out = tempOut();
    writeRunReports(loadInput('basic'), out);
    const md = readFileSync(join(out, 'answers_recommendations.md'), 'utf8');
    const impacts = md.split('\n').filter((l) => l.startsWith('- Impact:'));
    expect(impacts).toHaveLength(5);
    for (const l of impacts) expect(l).toMatch(/^- Impact: (modeled: .+ \(basis: .+\)|not modeled: .+)$/);
  });
});

describe('writers', () => {
  it('write all artifacts and return their sorted paths', () => {
    const out = tempOut();
    const files = writeRunReports(loadInput('basic'), out);
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      'answers_recommendations.md',
      'answers_recommendations_plain.md',
      'checklists/seq_194d6cbd3f4cb35e.json',
      'checklists/seq_194d6cbd3f4cb35e.md',
      'checklists/seq_e1065b9058294086.json',
      'checklists/seq_e1065b9058294086.md',
      'dashboard.html',
      'report.json',
      'report.md',
    ]);
    expect(readTree(out).size).toBe(9); // no temporary files left behind
  });

  it('writeChecklists writes only the checklists and prunes those of vanished sequences', () => {
    const out = tempOut();
    mkdirSync(join(out, 'checklists'));
    writeFileSync(join(out, 'checklists', 'seq_0123456789abcdef.md'), 'stale');
    writeFileSync(join(out, 'checklists', 'README.txt'), 'not ours');
    const input = loadInput('basic');
    const files = writeChecklists(input, out);
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      'checklists/seq_194d6cbd3f4cb35e.json',
      'checklists/seq_194d6cbd3f4cb35e.md',
      'checklists/seq_e1065b9058294086.json',
      'checklists/seq_e1065b9058294086.md',
    ]);
    expect(existsSync(join(out, 'checklists', 'seq_0123456789abcdef.md'))).toBe(false);
    expect(existsSync(join(out, 'checklists', 'README.txt'))).toBe(true);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  });

  it('checklists: processes to change, expected evidence, verification queries for both closes', () => {
    const [c] = buildSequenceChecklists(loadInput('basic'));
    expect(c!.processes_to_change.map((p) => [p.position, p.process_id])).toEqual([[1, 'INV_POST'], [2, 'GL_ALLOC'], [3, 'AR_RECON']]);
    expect(c!.expected_evidence.length).toBeGreaterThanOrEqual(3);
    // Europe/Berlin: 2025-03-20 00:00 CET = 23:00Z the day before; 2025-04-06 00:00 CEST = 22:00Z.
    expect(c!.verification.baseline_query.window).toEqual({ from: '2025-03-20', to_exclusive: '2025-04-06', timezone: 'Europe/Berlin', from_ms: Date.UTC(2025, 2, 19, 23), to_ms_exclusive: Date.UTC(2025, 3, 5, 22) });
    expect(c!.verification.next_close_query.close_month).toBe('2025-04');
    expect(c!.verification.next_close_query.sql).toContain(`WHERE j.process_id IN ('INV_POST', 'GL_ALLOC', 'AR_RECON')`);
    expect(c!.verification.next_close_query.sql).toContain(`p.key = 'company_code'`);
    expect(c!.verification.pass_criteria).toEqual([
      expect.objectContaining({ metric: 'calls', comparison: '<=', threshold: 410 - 185 }),
      expect.objectContaining({ metric: 'queue_plus_run_seconds', comparison: '<', threshold: 29200 }),
    ]);
    expect(c!.verification.commands.join('\n')).toContain('--plugins batch_input_clusters_v1');
  });

  it('the verification SQL runs on SQLite and reproduces the cohort', async () => {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    db.exec('CREATE TABLE jobs (row_id INTEGER PRIMARY KEY, process_id TEXT, queue_dt INTEGER, start_dt INTEGER, end_dt INTEGER); CREATE TABLE job_params (row_id INTEGER, key TEXT, value TEXT);');
    const t0 = Date.UTC(2025, 2, 20, 8);
    let row = 0;
    for (const proc of ['INV_POST', 'GL_ALLOC', 'AR_RECON', 'OTHER']) {
      for (let v = 0; v < 4; v++) {
        row++;
        db.prepare('INSERT INTO jobs VALUES (?, ?, ?, ?, ?)').run(row, proc, t0 + row * 1000, t0 + row * 1000 + 10_000, t0 + row * 1000 + 40_000);
        db.prepare('INSERT INTO job_params VALUES (?, ?, ?)').run(row, 'company_code', `C${v}`);
      }
    }
    db.prepare('INSERT INTO jobs VALUES (?, ?, ?, ?, ?)').run(99, 'INV_POST', Date.UTC(2025, 3, 10), null, null); // outside the close
    const [c] = buildSequenceChecklists(loadInput('basic'));
    const rows = db.prepare(c!.verification.baseline_query.sql).all();
    expect(rows).toEqual([
      { process_id: 'AR_RECON', calls: 4, distinct_key_values: 4, wait_seconds: 40, run_seconds: 120 },
      { process_id: 'GL_ALLOC', calls: 4, distinct_key_values: 4, wait_seconds: 40, run_seconds: 120 },
      { process_id: 'INV_POST', calls: 4, distinct_key_values: 4, wait_seconds: 40, run_seconds: 120 },
    ]);
    db.close();
  });
});

describe('determinism', () => {
  it('same input → byte-identical files; plugin order in the input does not matter', () => {
    const a = tempOut();
    const b = tempOut();
    const c = tempOut();
    writeRunReports(loadInput('basic'), a);
    writeRunReports(loadInput('basic'), b);
    const shuffled = loadInput('basic');
    shuffled.plugins = [shuffled.plugins[4]!, shuffled.plugins[0]!, shuffled.plugins[5]!, shuffled.plugins[2]!, shuffled.plugins[1]!, shuffled.plugins[3]!];
    writeRunReports(shuffled, c);
    const ta = readTree(a);
    expect(ta.size).toBe(9);
    expect(readTree(b)).toEqual(ta);
    expect(readTree(c)).toEqual(ta);
  });

  it('no run ids, timestamps, absolute paths, store ids or telemetry in any artifact', () => {
    const out = tempOut();
    writeRunReports(loadInput('basic'), out);
    const today = new Date().toISOString().slice(0, 10);
    for (const [file, content] of readTree(out)) {
      expect(content, file).not.toContain(out);
      expect(content, file).not.toContain(process.cwd());
      expect(content, file).not.toContain(today);
      expect(content, file).not.toMatch(/wallMs|peakRss|cpuMs|run_id|runId/);
    }
  });

  it('report.json keys are sorted at every level', () => {
    const out = tempOut();
    writeRunReports(loadInput('basic'), out);
    const text = readFileSync(join(out, 'report.json'), 'utf8');
    const check = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(check);
      else if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        expect(keys).toEqual([...keys].sort());
        Object.values(v).forEach(check);
      }
    };
    check(JSON.parse(text));
    expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('report.md', () => {
  it('has every section, with the error plugin, violations and data quality', () => {
    const md = renderReportMarkdown(loadInput('basic'));
    expect(md.startsWith('# stat-harness report: erp-queue-2025q1\n')).toBe(true);
    for (const h of ['## Summary', '## Recommendations', '## Batch sequences', '## Findings', '## Plugins', '## Insight-contract violations', '## Data quality']) {
      expect(md).toContain(`\n${h}\n`);
    }
    expect(md).toMatch(/\| `broken_plugin_v1` \| 0\.1\.0 \| supporting\\_signal\\_detectors \| error \| plugin process exited with code 1/);
    expect(md).toContain('| End before start | 3 | 88, 1204, 9001 | left out of durations |');
    expect(md).not.toContain('## Known issues');
  });
});

describe('checklist JSON', () => {
  const validateChecklist = schemaValidator('checklist.schema.json');
  it.each(['basic', 'hostile'] as const)('%s: every checklist validates against schemas/checklist.schema.json', (name) => {
    const out = tempOut();
    writeRunReports(loadInput(name), out);
    const jsons = [...readTree(out)].filter(([f]) => f.endsWith('.json') && f.startsWith('checklists/'));
    expect(jsons.length).toBeGreaterThan(0);
    for (const [file, text] of jsons) {
      const ok = validateChecklist(JSON.parse(text));
      expect(validateChecklist.errors ?? [], file).toEqual([]);
      expect(ok).toBe(true);
    }
  });
  it('the schema rejects a checklist without processes to change', () => {
    const [c] = buildSequenceChecklists(loadInput('basic'));
    expect(validateChecklist({ ...JSON.parse(JSON.stringify(c)), processes_to_change: [] })).toBe(false);
  });
});
