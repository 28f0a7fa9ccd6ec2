import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.ts';

/** Processes whose command line mentions `needle` (the run's unique temp directory). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

describe('stat-harness run interrupted', () => {
  it('SIGTERM stops the plugin processes and records the run as failed', async () => {
    const work = tempDir();
    writeFileSync(join(work, '.statharnessrc.yaml'), `store: store/h.db\nplugins:\n  dirs: [${JSON.stringify(join(ROOT, 'fixtures/plugins/runtime'))}]\n  timeoutMs: 600000\n`);
    const child = spawn(process.execPath, [BIN.statHarness, 'run', '--dataset', join(ROOT, 'fixtures/plugins/data/jobs-small.csv'), '--plugins', 'fixture_hangs', '--out', 'out'], {
      cwd: work,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The artifacts directory is created just before the plugin process starts.
    const artifacts = join(work, 'out', 'artifacts', 'fixture_hangs');
    while (!existsSync(artifacts)) await new Promise((r) => setTimeout(r, 50));
    while (processesMentioning(artifacts).length === 0) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toMatch(/run 1 interrupted by SIGTERM; plugin processes stopped/);
    expect(processesMentioning(artifacts)).toEqual([]);
    const show = runCli('statHarness', ['runs', 'show', '1', '--format', 'json'], { cwd: work });
    expect(JSON.parse(show.stdout)).toMatchObject({ status: 'failed', failure: 'interrupted by SIGTERM' });
  });
});
