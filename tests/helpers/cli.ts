import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = {
  statHarness: join(ROOT, 'dist/cli/stat-harness.js'),
  policyEval: join(ROOT, 'dist/cli/policy-eval.js'),
} as const;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a built binary (tests/global-setup.ts builds dist/) with Node 24 and no TTY. */
export function runCli(bin: keyof typeof BIN, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [BIN[bin], ...args], {
    cwd: opts.cwd ?? ROOT,
    env,
    input: opts.input ?? '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory for one test. */
export function tempDir(prefix = 'stat-harness-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
