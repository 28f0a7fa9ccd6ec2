import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relativeSpecifiers, resolveRelative } from '../../src/plugins/code-hash.ts';
import { BUILTIN_DIR, discoverPlugins, harnessRuntimeSha256, moduleGraph } from '../../src/plugins/index.ts';
import { codeHash } from '../../src/runs/execute.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

const SDK = join(ROOT, 'src/index.ts');

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

const PLUGIN = `import { definePlugin } from '${SDK}';
import { answer } from './lib/helper.ts';
export default definePlugin({ id: 'graph_v1', version: '1.0.0', apiVersion: '1.0', class: 'supporting_signal_detectors', access: 'orchestration_only',
  run() { return { status: 'ok', summary: String(answer()), metrics: {}, findings: [], recommendations: [] }; } });
`;

describe('code hash: a plugin is its module graph', () => {
  it('changes when a helper the plugin imports changes, not when an unrelated file does', async () => {
    const dir = tempDir();
    write(dir, {
      'graph.ts': PLUGIN,
      '_lib/unused.ts': 'export const x = 1;\n',
      'lib/helper.ts': "import { base } from '../_shared.ts';\nexport function answer(): number { return base + 1; }\n",
      '_shared.ts': 'export const base = 41;\n',
    });
    const before = (await discoverPlugins({ dirs: [dir], builtin: false }))[0]!;
    write(dir, { '_lib/unused.ts': 'export const x = 2;\n' });
    const unrelated = (await discoverPlugins({ dirs: [dir], builtin: false }))[0]!;
    write(dir, { '_shared.ts': 'export const base = 40;\n' });
    const changed = (await discoverPlugins({ dirs: [dir], builtin: false }))[0]!;

    expect(unrelated.codeSha256).toBe(before.codeSha256);
    expect(changed.codeSha256).not.toBe(before.codeSha256);
    // The entry file itself did not change: its own hash cannot tell the runs apart.
    expect(changed.sourceSha256).toBe(before.sourceSha256);
    expect(codeHash([changed], '0.1.0', 'r')).not.toBe(codeHash([before], '0.1.0', 'r'));
    expect(codeHash([unrelated], '0.1.0', 'r')).toBe(codeHash([before], '0.1.0', 'r'));
  });

  it("follows a built-in plugin into its ./lib helpers", () => {
    const graph = moduleGraph(join(BUILTIN_DIR, 'batch_input_clusters.ts'));
    expect(graph).toContain(join(BUILTIN_DIR, 'batch_input_clusters.ts'));
    expect(graph.some((f) => f.startsWith(join(BUILTIN_DIR, 'lib/')))).toBe(true);
  });

  it('finds relative specifiers of every import form and resolves .js to .ts', () => {
    const src = `import a from './a.js';\nexport * from "../b";\nimport './side.ts';\nconst c = await import('./c.mjs');\nconst d = require("./d");\nimport e from 'pkg';\n`;
    expect(relativeSpecifiers(src)).toEqual(['../b', './a.js', './c.mjs', './d', './side.ts']);
    const dir = tempDir();
    write(dir, { 'a.ts': '', 'd/index.js': '', 'x.ts': '' });
    expect(resolveRelative(join(dir, 'x.ts'), './a.js')).toBe(join(dir, 'a.ts'));
    expect(resolveRelative(join(dir, 'x.ts'), './d')).toBe(join(dir, 'd/index.js'));
    expect(resolveRelative(join(dir, 'x.ts'), './missing')).toBeUndefined();
  });
});

describe('code hash: the harness runtime plugins execute', () => {
  it('covers the common, dataset and plugins layers, but not built-in plugins (hashed by their graphs) or other layers', () => {
    const root = tempDir();
    write(root, { 'common/a.ts': '1', 'dataset/accessor.ts': '1', 'plugins/worker.ts': '1', 'plugins/builtin/p.ts': '1', 'report/r.ts': '1' });
    const base = harnessRuntimeSha256(root);
    write(root, { 'plugins/builtin/p.ts': '22', 'report/r.ts': '22' });
    expect(harnessRuntimeSha256(root)).toBe(base);
    write(root, { 'dataset/accessor.ts': '22' }); // another size: the per-file cache is keyed by mtime and size
    expect(harnessRuntimeSha256(root)).not.toBe(base);
  });
});
