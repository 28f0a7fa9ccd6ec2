/**
 * plugin-class-taxonomy.yaml maps every built-in plugin to the class its definePlugin
 * declares, validates against its schema, and the schema rejects what governance must not
 * write (an unknown class, a class without a rationale).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTaxonomy } from '../../../src/collectors/index.ts';
import { HarnessError } from '../../../src/common/index.ts';
import { BUILTIN_DIR, pluginFilesIn, type PluginDefinition } from '../../../src/plugins/index.ts';
import { ROOT, tempDir } from '../../helpers/cli.ts';

const TAXONOMY = join(ROOT, 'plugin-class-taxonomy.yaml');

describe('plugin-class-taxonomy.yaml', () => {
  it('starts with the yaml-language-server $schema comment', () => {
    expect(readFileSync(TAXONOMY, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=schemas/plugin-class-taxonomy.schema.json');
  });

  it('maps every built-in plugin, each to the class it declares, and nothing else', async () => {
    const mapping = loadTaxonomy(TAXONOMY)!;
    const files = pluginFilesIn(BUILTIN_DIR);
    // The shared helpers folder has no index file, so discovery never takes it for a plugin.
    expect(files.map((f) => basename(f))).not.toContain('lib');
    const declared = new Map<string, string>();
    for (const f of files) {
      const def = ((await import(pathToFileURL(f).href)) as { default: PluginDefinition }).default;
      declared.set(def.id, def.class);
    }
    expect(declared.has('queue_wait_by_process_v1')).toBe(true);
    expect(declared.size).toBeGreaterThanOrEqual(6);
    expect(new Map([...mapping].sort())).toEqual(new Map([...declared].sort()));
  });

  it('refuses an unknown class or a class without a rationale, with the line', () => {
    const dir = tempDir();
    const bad = join(dir, 'taxonomy.yaml');
    writeFileSync(bad, 'version: 1\nclasses:\n  direct_action_generators:\n    rationale: short\nplugins:\n  x_v1: direct_action_generators\n');
    expect(() => loadTaxonomy(bad)).toThrow(HarnessError);
    writeFileSync(bad, 'version: 1\nclasses:\n  direct_action_generators:\n    rationale: a long enough rationale for the class\nplugins:\n  x_v1: magic_class\n');
    let err: unknown;
    try {
      loadTaxonomy(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).line).toBe(6);
  });
});
