import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesizeLog } from '../../src/dataset/index.ts';
import { ROOT, runCli, tempDir } from '../helpers/cli.ts';

/**
 * Phase A / phase B of the streaming rollout at run time: an unbounded load() on a large
 * dataset proceeds and is recorded in the warn stage, fails in the strict stage, and an
 * allowlist.yaml entry with a reason (the same one the policy gate honours) exempts it.
 */
describe('stat-harness run: unbounded load() in large-dataset mode', () => {
  const dir = tempDir();
  const log = join(dir, 'log.csv');
  synthesizeLog({ rows: 2000, seed: 3, out: log });
  writeFileSync(
    join(dir, '.statharnessrc.yaml'),
    `store: store/harness.db\nlargeRows: 500\nplugins:\n  timeoutMs: 30000\n  dirs: [${JSON.stringify(join(ROOT, 'fixtures/collectors/plugins'))}]\n`,
  );
  const run = (env: Record<string, string>, out: string) =>
    runCli('statHarness', ['run', '--dataset', log, '--plugins', 'fixture_unbounded_loader', '--format', 'json', '--out', join(dir, out)], { cwd: dir, env });
  const pluginOf = (stdout: string) => (JSON.parse(stdout) as { plugins: { id: string; status: string; reason: string | null }[] }).plugins.find((p) => p.id === 'fixture_unbounded_loader')!;
  const telemetryOf = (out: string) =>
    (JSON.parse(readFileSync(join(dir, out, 'manifest.json'), 'utf8')) as { plugins: { id: string; telemetry: { unboundedLoadRows: number } }[] }).plugins.find((p) => p.id === 'fixture_unbounded_loader')!.telemetry;

  it('warn stage: proceeds and records unboundedLoadRows', () => {
    const r = run({ STAT_HARNESS_STREAMING_POLICY_STRICT: '0' }, 'warn');
    expect(r.status, r.stderr).toBe(0);
    expect(pluginOf(r.stdout).status).toBe('ok');
    expect(telemetryOf('warn').unboundedLoadRows).toBe(2000);
  });

  it('strict stage: the load fails with a message naming the plugin and the fix', () => {
    const r = run({ STAT_HARNESS_STREAMING_POLICY_STRICT: '1' }, 'strict');
    expect(r.status, r.stderr).toBe(0);
    const p = pluginOf(r.stdout);
    expect(p.status).toBe('error');
    expect(p.reason).toMatch(/fixture_unbounded_loader/);
    expect(p.reason).toMatch(/rowLimit|iterBatches|allowlist/);
  });

  it('strict stage with a live allowlist entry: exempted', () => {
    writeFileSync(
      join(dir, 'allowlist.yaml'),
      'entries:\n  - policy: streaming.unbounded-loader\n    subject: fixture_unbounded_loader\n    reason: needs the full process list to build its lookup\n    owner: data-platform\n    expires: 2999-12-31\n',
    );
    const r = run({ STAT_HARNESS_STREAMING_POLICY_STRICT: '1' }, 'allowed');
    expect(r.status, r.stderr).toBe(0);
    expect(pluginOf(r.stdout).status).toBe('ok');
    expect(telemetryOf('allowed').unboundedLoadRows).toBe(2000);
  });

  it('an expired entry exempts nothing', () => {
    writeFileSync(
      join(dir, 'allowlist.yaml'),
      'entries:\n  - policy: streaming.unbounded-loader\n    subject: fixture_unbounded_loader\n    reason: temporary\n    owner: data-platform\n    expires: 2000-01-01\n',
    );
    const r = run({ STAT_HARNESS_STREAMING_POLICY_STRICT: '1' }, 'expired');
    expect(pluginOf(r.stdout).status).toBe('error');
  });
});
