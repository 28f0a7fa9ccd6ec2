import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';

describe('stat-harness demo (the README first command)', () => {
  it('synthesizes, ingests, runs the built-in plugins and prints ranked, exact recommendations', () => {
    const cwd = tempDir();
    const r = runCli('statHarness', ['demo', '--rows', '30000', '--seed', '42'], { cwd });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1\. synthesized 30,000 job runs/);
    expect(r.stdout).toMatch(/2\. ingested dataset 1 /);
    expect(r.stdout).toMatch(/ran \d+ plugins/);
    const report = join(cwd, '.stat-harness/demo/report');
    for (const f of ['report.json', 'report.md', 'answers_recommendations.md', 'answers_recommendations_plain.md', 'manifest.json']) {
      expect(existsSync(join(report, f)), f).toBe(true);
    }
    // The planted batch-input cluster comes back with its exact process ids in run order.
    const truth = JSON.parse(readFileSync(join(cwd, '.stat-harness/demo/demo-queue-log.csv.truth.json'), 'utf8')) as {
      batchInputClusters: { processIds: string[]; key: string }[];
    };
    const cluster = truth.batchInputClusters[0]!;
    const answers = readFileSync(join(report, 'answers_recommendations.md'), 'utf8');
    expect(answers).toContain(cluster.processIds.map((id) => `\`${id}\``).join(' → '));
    expect(answers).toContain(cluster.key);
  });

  it('rejects a bad --rows with exit 2', () => {
    const r = runCli('statHarness', ['demo', '--rows', 'many'], { cwd: tempDir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--rows must be an integer');
  });
});
