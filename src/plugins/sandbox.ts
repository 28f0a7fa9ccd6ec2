/**
 * Node command line of a sandboxed plugin process (DESIGN.md "Traps"): the permission model
 * limits reads to the harness code, the plugin's own directory and the dataset's Arrow file,
 * and writes to the plugin's artifacts directory. No addons, no child processes, no worker
 * threads (all denied by --permission unless allowed), and node:sqlite switched off because
 * the permission model does not guard it.
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Package root (same relative position from src/plugins and dist/plugins). */
export const HARNESS_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The worker entry next to this module: worker.ts when running from source, worker.js when built. */
export const WORKER_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url));

/** What harness code a plugin process must read: its own sources/build, dependencies, schemas. */
export function harnessReadPaths(): string[] {
  return ['package.json', 'src', 'dist', 'node_modules', 'schemas'].map((p) => join(HARNESS_ROOT, p)).filter((p) => existsSync(p));
}

export interface SandboxOptions {
  /** Extra read-only paths (plugin directory, Arrow file). */
  read: readonly string[];
  /** Writable directories (the artifacts directory); empty for discovery. */
  write: readonly string[];
  memoryMb?: number;
}

export function sandboxArgs(options: SandboxOptions): string[] {
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : p);
  const read = [...new Set([...harnessReadPaths(), ...options.read, ...options.write].map(real))].sort();
  const write = [...new Set(options.write.map(real))].sort();
  const args = ['--permission', '--no-experimental-sqlite', '--disable-warning=ExperimentalWarning'];
  for (const p of read) args.push(`--allow-fs-read=${p}`);
  for (const p of write) args.push(`--allow-fs-write=${p}`);
  if (options.memoryMb !== undefined) args.push(`--max-old-space-size=${options.memoryMb}`);
  return args;
}

/** The environment a plugin sees: no NODE_OPTIONS (it could undo the sandbox), UTC clock. */
export function sandboxEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { TZ: 'UTC', LANG: 'C.UTF-8' };
  if (parent.PATH !== undefined) env.PATH = parent.PATH;
  for (const [k, v] of Object.entries(parent)) if (k.startsWith('STAT_HARNESS_') && v !== undefined) env[k] = v;
  return env;
}
