import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { definePlugin, describeSources, discoverPlugins, manifestProblems, pluginSources, selectPlugins, topologicalOrder, type DiscoveredPlugin, type PluginDefinition } from '../../src/plugins/index.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

const SDK = join(ROOT, 'src/index.ts');

function plugin(id: string, extra = ''): string {
  return `import { definePlugin } from '${SDK}';
export default definePlugin({ id: '${id}', version: '1.0.0', apiVersion: '1.0', class: 'supporting_signal_detectors', access: 'orchestration_only', ${extra}
  run() { return { status: 'ok', summary: '', metrics: {}, findings: [], recommendations: [] }; } });
`;
}

function dirWith(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function loadError(files: Record<string, string>): Promise<HarnessError> {
  const dir = dirWith(files);
  try {
    await discoverPlugins({ dirs: [dir], builtin: false });
  } catch (err) {
    expect(err).toBeInstanceOf(HarnessError);
    return err as HarnessError;
  }
  throw new Error('expected a load error');
}

describe('discovery', () => {
  it('finds the built-in plugins and plugin files and index modules in configured directories', async () => {
    const dir = dirWith({ 'a.ts': plugin('alpha_v1'), 'nested/index.ts': plugin('nested_v1'), '_helper.ts': 'export const x = 1;\n', 'notes.md': '# not a plugin' });
    const found = await discoverPlugins({ dirs: [dir] });
    const ids = found.map((p) => p.manifest.id);
    expect(ids).toContain('queue_wait_by_process_v1');
    expect(ids).toContain('alpha_v1');
    expect(ids).toContain('nested_v1');
    expect(found.find((p) => p.manifest.id === 'queue_wait_by_process_v1')!.origin).toBe('builtin');
  });

  it('orders by dependsOn, ties by id', async () => {
    const dir = dirWith({ 'c.ts': plugin('c_v1', "dependsOn: ['a_v1'],"), 'a.ts': plugin('a_v1', "dependsOn: ['b_v1'],"), 'b.ts': plugin('b_v1'), 'd.ts': plugin('d_v1') });
    const found = await discoverPlugins({ dirs: [dir], builtin: false });
    expect(found.map((p) => p.manifest.id)).toEqual(['b_v1', 'a_v1', 'c_v1', 'd_v1']);
    expect(selectPlugins(found, ['c_v1']).map((p) => p.manifest.id)).toEqual(['b_v1', 'a_v1', 'c_v1']);
  });

  it('reports duplicate ids naming both files', async () => {
    const err = await loadError({ 'one.ts': plugin('same_v1'), 'two.ts': plugin('same_v1') });
    expect(err.message).toMatch(/duplicate plugin id "same_v1" in .*one\.ts and .*two\.ts/);
    expect(err.exitCode).toBe(2);
  });

  it('reports a dependency cycle naming the files', async () => {
    const err = await loadError({ 'x.ts': plugin('x_v1', "dependsOn: ['y_v1'],"), 'y.ts': plugin('y_v1', "dependsOn: ['x_v1'],") });
    expect(err.message).toMatch(/dependency cycle: x_v1 \(.*x\.ts\) → y_v1 \(.*y\.ts\) → x_v1/);
  });

  it('reports an unknown dependency naming the file', async () => {
    const err = await loadError({ 'x.ts': plugin('x_v1', "dependsOn: ['ghost_v1'],") });
    expect(err.message).toMatch(/x\.ts: plugin "x_v1" depends on unknown plugin "ghost_v1"/);
  });

  it('explains non-erasable TypeScript (enum) with the fix', async () => {
    const err = await loadError({ 'e.ts': `enum Mode { A }\nexport default { id: 'e_v1', mode: Mode.A };\n` });
    expect(err.message).toMatch(/e\.ts uses TypeScript syntax that Node's type stripping cannot run .*`as const` objects/);
  });

  it('refuses a plugin written for a newer SDK major', async () => {
    const err = await loadError({ 'n.ts': plugin('n_v1').replace("apiVersion: '1.0'", "apiVersion: '2.0'") });
    expect(err.message).toMatch(/apiVersion 2\.0 is newer than this stat-harness SDK \(1\.0\); upgrade stat-harness/);
  });

  it('validates manifests with the schema (plain object without definePlugin)', async () => {
    const err = await loadError({
      'm.mjs': `export default { id: 'm_v1', version: '1.0.0', apiVersion: '1.0', class: 'direct_action_generator', access: 'orchestration_only', colour: 1, run() {} };\n`,
    });
    expect(err.message).toMatch(/m\.mjs: plugin "m_v1": .*class must be one of/);
    expect(err.message).toMatch(/unknown key "colour"/);
  });

  it('reports a module without a default export', async () => {
    const err = await loadError({ 'z.mjs': 'export const x = 1;\n' });
    expect(err.message).toMatch(/z\.mjs has no default export/);
  });

  it('fails on a missing plugin directory', async () => {
    await expect(discoverPlugins({ dirs: [join(tempDir(), 'missing')], builtin: false })).rejects.toThrow(/plugin directory .*missing \(plugins\.dirs\) does not exist/);
  });

  it('finds plugins in a package named in plugins.packages (statHarness.plugins in its package.json)', async () => {
    const project = dirWith({
      'node_modules/acme-plugins/package.json': JSON.stringify({ name: 'acme-plugins', version: '1.0.0', type: 'module', statHarness: { plugins: ['./lib/first.mjs'] } }),
      'node_modules/acme-plugins/lib/first.mjs': `export default { id: 'acme_first_v1', version: '1.0.0', apiVersion: '1.0', class: 'supporting_signal_detectors', access: 'orchestration_only', run() { return { status: 'ok', summary: '', metrics: {}, findings: [], recommendations: [] }; } };\n`,
    });
    const found = await discoverPlugins({ packages: ['acme-plugins'], rootDir: project, builtin: false });
    expect(found.map((p) => [p.manifest.id, p.origin])).toEqual([['acme_first_v1', 'package']]);
    await expect(discoverPlugins({ packages: ['acme-missing'], rootDir: project, builtin: false })).rejects.toThrow(/plugin package "acme-missing" \(plugins\.packages\) is not installed/);
  });

  it('collects every problem in one error', async () => {
    const err = await loadError({ 'a.ts': plugin('a_v1', "dependsOn: ['nope_v1'],"), 'b.mjs': 'export const x = 1;\n' });
    expect(err.message).toMatch(/^2 plugin load errors/);
  });
});

describe('definePlugin', () => {
  const base: PluginDefinition = { id: 'ok_v1', version: '1.0.0', apiVersion: '1.0', class: 'supporting_signal_detectors', access: 'iter_batches', run: () => ({ status: 'ok', summary: '', metrics: {}, findings: [], recommendations: [] }) };
  it('returns the definition unchanged', () => {
    const def = definePlugin({ ...base });
    expect(def.id).toBe('ok_v1');
  });
  it('names each bad field', () => {
    expect(() => definePlugin({ ...base, id: 'Bad-Id', access: 'everything' } as never)).toThrow(/id must be lower snake case.*access must be one of/);
    expect(() => definePlugin({ ...base, apiVersion: undefined } as never)).toThrow(/apiVersion is missing/);
  });
  it('manifestProblems requires run', () => {
    expect(manifestProblems({ id: 'a_v1', version: '1.0.0', apiVersion: '1.0', class: 'supporting_signal_detectors', access: 'iter_batches', hasRun: false })).toEqual([
      'run must be a function run(ctx) returning the result',
    ]);
  });
});

describe('discovery: modules that misbehave at import time are named', () => {
  it('a module calling process.exit(3) while being imported', async () => {
    const err = await loadError({ 'a.ts': plugin('fine_v1'), 'b_exits.ts': 'process.exit(3);\n' });
    expect(err.message).toMatch(/loading the plugin modules failed: \S*b_exits\.ts called process\.exit\(3\) while being imported/);
    expect(err.exitCode).toBe(2);
  });

  it('a module whose timer throws while it is being imported', async () => {
    const err = await loadError({ 'e_throws.ts': "setTimeout(() => { throw new Error('late boom'); }, 0);\nawait new Promise((r) => setTimeout(r, 200));\nexport default 1;\n" });
    expect(err.message).toMatch(/loading the plugin modules failed: \S*e_throws\.ts while being imported: uncaught exception: late boom/);
  });

  it('a module whose top-level await never settles', async () => {
    const err = await loadError({ 'c_waits.ts': 'await new Promise(() => {});\nexport default 1;\n' });
    expect(err.message).toMatch(/\S*c_waits\.ts never finished loading \(a top-level await that never settles\)/);
  });

  it('a module that keeps loading past the describe timeout', async () => {
    const dir = dirWith({ 'a.ts': plugin('fine_v1'), 'd_hangs.ts': 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\n' });
    const sources = pluginSources({ dirs: [dir], builtin: false });
    const err = await describeSources(sources, 1500).then(
      () => undefined,
      (e: unknown) => e as HarnessError,
    );
    expect(err).toBeInstanceOf(HarnessError);
    expect(err!.message).toMatch(/did not finish within 1500 ms while importing \S*d_hangs\.ts/);
  });
});

describe('topologicalOrder', () => {
  const p = (id: string, dependsOn: string[] = []): DiscoveredPlugin => ({
    manifest: { id, version: '1.0.0', apiVersion: '1.0', class: 'supporting_signal_detectors', access: 'iter_batches', dependsOn },
    file: `${id}.ts`,
    origin: 'dir',
    readRoots: [],
    sourceSha256: '',
    codeSha256: '',
  });
  it('finds a cycle among the rest', () => {
    const r = topologicalOrder([p('a', ['c']), p('b', ['a']), p('c', ['b']), p('d')]);
    expect(r.order.map((x) => x.manifest.id)).toEqual(['d']);
    expect(r.cycle).toEqual(['a', 'c', 'b', 'a']);
  });
});
