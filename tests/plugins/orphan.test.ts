import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orphanCpuSeconds, runWorker } from '../../src/plugins/process.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

/** Alive and not a zombie (a container's pid 1 may never reap an orphan). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('plugin processes outlive no runner', () => {
  it('a waiting plugin process exits by itself when its runner is SIGKILLed', async () => {
    const dir = tempDir();
    const artifacts = join(dir, 'artifacts');
    const script = join(dir, 'runner.ts');
    writeFileSync(
      script,
      `import { discoverPlugins, runPlugins } from ${JSON.stringify(join(ROOT, 'src/plugins/index.ts'))};
const plugins = await discoverPlugins({ dirs: [${JSON.stringify(join(ROOT, 'fixtures/plugins/orphan'))}], builtin: false });
await runPlugins({ plugins, dataset: null, seed: 0, config: { largeRows: 1000, timezone: 'UTC', closeWindow: { startDay: 20, endDay: 5 } }, artifactsRoot: ${JSON.stringify(artifacts)}, timeoutMs: 600_000, memoryMb: 256 });
`,
    );
    const runner = spawn(process.execPath, [script], { stdio: 'ignore' });
    const pidFile = join(artifacts, 'fixture_waits_forever', 'pid');
    let pid = 0;
    try {
      await waitFor('the plugin to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 30_000);
      pid = Number(readFileSync(pidFile, 'utf8'));
      expect(running(pid)).toBe(true);
      runner.kill('SIGKILL');
      // Generous bound: the watchdog checks every 250 ms; without it the process never exits.
      await waitFor('the orphaned plugin process to exit', () => !running(pid), 15_000);
    } finally {
      runner.kill('SIGKILL');
      if (pid > 0 && running(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});

describe('a spinning plugin process is bounded in CPU time even when nobody watches it', () => {
  it('dies at its RLIMIT_CPU (set through the /bin/sh wrapper) without the runner killing it', async () => {
    const artifacts = tempDir();
    const outcome = await runWorker(
      {
        mode: 'run',
        file: join(ROOT, 'fixtures/plugins/spin/spins.ts'),
        pluginId: 'fixture_spins',
        artifacts,
        seed: 0,
        config: { largeRows: 1000, timezone: 'UTC', closeWindow: { startDay: 20, endDay: 5 }, plugin: {} },
        dependencies: {},
        dataset: null,
      },
      { read: [join(ROOT, 'fixtures/plugins/spin')], write: [artifacts] },
      { timeoutMs: 60_000, cpuSeconds: 1 },
    );
    expect(outcome.killedFor).toBeUndefined();
    expect(['SIGXCPU', 'SIGKILL']).toContain(outcome.signal);
  }, 60_000);

  it('the default bound cannot fire before the wall-clock timeout (CPU time <= wall time x cores)', () => {
    expect(orphanCpuSeconds(60_000)).toBeGreaterThanOrEqual(60 * 2 + 10);
  });
});
