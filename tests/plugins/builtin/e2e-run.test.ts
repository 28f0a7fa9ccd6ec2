/**
 * The real binary (dist/cli/stat-harness.js, built by tests/global-setup.ts) runs the built-in
 * analysis plugins in their sandboxed processes on a synthesized log, and the answers file
 * lists each planted batch sequence with its exact process ids in run order, key and close.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeLog, type SynthTruth } from '../../../src/dataset/index.ts';
import { runCli, tempDir, type CliResult } from '../../helpers/cli.ts';

const PLUGINS = ['batch_input_clusters_v1', 'duplicate_runs_v1', 'failing_process_v1', 'slow_machine_v1', 'close_peak_queueing_v1'];

let dir: string;
let truth: SynthTruth;
let run: CliResult;

beforeAll(() => {
  dir = tempDir('builtin-e2e-');
  writeFileSync(join(dir, '.statharnessrc.yaml'), 'store: store/harness.db\nplugins:\n  timeoutMs: 60000\n');
  truth = synthesizeLog({ rows: 20_000, seed: 11, out: join(dir, 'log.csv'), months: 2 }).truth;
  run = runCli('statHarness', ['run', '--dataset', 'log.csv', '--plugins', PLUGINS.join(','), '--out', 'out', '--format', 'json'], { cwd: dir });
}, 180_000);

describe('stat-harness run with the built-in analysis plugins', () => {
  it('runs every plugin to ok in its sandbox', () => {
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { plugins: { id: string; status: string; exitReason: string }[] };
    expect(summary.plugins.map((p) => [p.id, p.status, p.exitReason]).sort()).toEqual(PLUGINS.map((id) => [id, 'ok', 'completed']).sort());
  });

  it('answers_recommendations.md lists each planted sequence with its process ids in order, key and close month', () => {
    const md = readFileSync(join(dir, 'out/answers_recommendations.md'), 'utf8');
    expect(truth.batchInputClusters.length).toBeGreaterThan(0);
    for (const c of truth.batchInputClusters) {
      const ordered = c.processIds.map((id, i) => `${i + 1}. \`${id}\``).join(', ');
      expect(md).toContain(`  - Ordered processes: ${ordered}\n  - Key: \`${c.key}\`\n  - Close-month cohort ${c.closeMonth}: `);
    }
    const plain = readFileSync(join(dir, 'out/answers_recommendations_plain.md'), 'utf8');
    for (const c of truth.batchInputClusters) expect(plain).toContain(c.processIds.map((id, i) => `${i + 1}. \`${id}\``).join('\n'));
  });

  it('names the planted slow machine and failing process in the technical answers', () => {
    const md = readFileSync(join(dir, 'out/answers_recommendations.md'), 'utf8');
    expect(md).toContain(`machine \`${truth.slowMachine.machineId}\``);
    expect(md).toContain(`process \`${truth.failingProcess.processId}\``);
  });
});
