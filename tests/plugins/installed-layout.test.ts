import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefixSafeGrants } from '../../src/plugins/sandbox.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

/**
 * stat-harness installed as a dependency: <project>/node_modules/stat-harness holds the built
 * package, and its runtime dependencies are hoisted beside it (here linked to this checkout's
 * node_modules, as pnpm or `npm link` would). The plugin sandbox must grant them wherever they are.
 */
function installedProject(): string {
  const project = tempDir('stat-harness-installed-');
  const pkg = join(project, 'node_modules', 'stat-harness');
  mkdirSync(pkg, { recursive: true });
  for (const part of ['dist', 'schemas', 'package.json', 'plugin-class-taxonomy.yaml']) cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === 'stat-harness' || name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(project, 'node_modules', name));
  }
  return project;
}

describe('plugin sandbox in an installed (hoisted) layout', () => {
  it('runs the built-in plugins with their dependencies outside the package directory', () => {
    const project = installedProject();
    const r = spawnSync(process.execPath, [join(project, 'node_modules/stat-harness/dist/cli/stat-harness.js'), 'run', '--dataset', join(ROOT, 'fixtures/plugins/data/jobs-small.csv'), '--jobs', '2'], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    expect(r.stderr).not.toMatch(/outside what the plugin sandbox allows/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/run 1: \d+ plugins on dataset jobs-small/);
    expect(r.stdout).not.toMatch(/\d+ error/);
  }, 60_000);
});

describe('prefixSafeGrants', () => {
  it('grants a path that prefixes a sibling grant with a wildcard (Node denies the bare directory otherwise)', () => {
    expect(prefixSafeGrants(['/m/ajv-formats', '/m/ajv', '/m/yaml', '/m/ajv/sub'])).toEqual(['/m/ajv*', '/m/ajv-formats', '/m/ajv/sub', '/m/yaml']);
  });
});
