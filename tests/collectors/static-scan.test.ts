import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createScanProject, scanPlugins, scanSourceFor, type PluginScan } from '../../src/collectors/index.ts';
import { ROOT } from '../helpers/cli.ts';

const FIX = join(ROOT, 'fixtures/collectors');
let scans: Map<string, PluginScan>;
let morph: Map<string, PluginScan>;
/** Plugins of fixtures/collectors/scan/indirect_access.ts (review M5: indirect and untyped access). */
const INDIRECT = ['indirect_call', 'indirect_call_bounded', 'cast_any', 'cast_any_bounded', 'reflect_apply', 'bound', 'any_param', 'look_alike', 'any_ctx', 'any_ctx_destructured', 'unknown_cast', 'computed_key', 'typed_pick'];
const TARGETS = [
  { id: 'fixture_unbounded_loader', file: join(FIX, 'plugins/unbounded_loader.ts') },
  { id: 'fixture_aliased_access', file: join(FIX, 'plugins/aliased_access.ts') },
  { id: 'fixture_registry_bounded', file: join(FIX, 'plugins/registry.ts') },
  { id: 'fixture_registry_maybe', file: join(FIX, 'plugins/registry.ts') },
  { id: 'fixture_orchestrator', file: join(FIX, 'plugins/orchestrator.ts') },
  { id: 'fixture_js_a', file: join(FIX, 'scan/plain_js.mjs') },
  { id: 'fixture_js_b', file: join(FIX, 'scan/plain_js.mjs') },
  { id: 'fixture_lookalike', file: join(FIX, 'scan/text_lookalike.ts') },
  { id: 'fixture_helpers_bounded', file: join(FIX, 'scan/registry_helpers.ts') },
  { id: 'fixture_helpers_direct', file: join(FIX, 'scan/registry_helpers.ts') },
  { id: 'fixture_helpers_table', file: join(FIX, 'scan/registry_helpers.ts') },
  { id: 'queue_wait_by_process_v1', file: join(ROOT, 'src/plugins/builtin/queue_wait_by_process.ts') },
  ...INDIRECT.map((id) => ({ id, file: join(FIX, 'scan/indirect_access.ts') })),
];

beforeAll(() => {
  scans = scanPlugins(TARGETS, { repoRoot: ROOT });
  morph = scanPlugins(TARGETS, { repoRoot: ROOT, walker: 'ts-morph' }, createScanProject());
}, 120_000);

describe('static scan (type-resolved)', () => {
  it('classifies a load() without rowLimit as unbounded, with file, line, column, function and snippet', () => {
    expect(scans.get('fixture_unbounded_loader')).toEqual({
      id: 'fixture_unbounded_loader',
      classes: ['dataset_loader_unbounded'],
      locations: [
        { file: 'fixtures/collectors/plugins/unbounded_loader.ts', line: 11, column: 17, function: 'run', snippet: "ctx.dataset.load({ columns: ['process_id'] })", class: 'dataset_loader_unbounded' },
      ],
      sites: 'fixtures/collectors/plugins/unbounded_loader.ts:11 run',
      files: ['fixtures/collectors/plugins/unbounded_loader.ts'],
    });
  });

  it('follows aliases, destructuring (renamed) and a helper module taking the accessor as a parameter', () => {
    const s = scans.get('fixture_aliased_access')!;
    expect(s.classes).toEqual(['dataset_loader_bounded', 'iter_batches', 'sql_assist']);
    expect(s.locations.map((l) => [l.file, l.line, l.function, l.class])).toEqual([
      ['fixtures/collectors/plugins/_lib/helpers.ts', 5, 'firstRows', 'dataset_loader_bounded'],
      ['fixtures/collectors/plugins/aliased_access.ts', 15, 'run', 'iter_batches'],
      ['fixtures/collectors/plugins/aliased_access.ts', 17, 'run', 'sql_assist'],
    ]);
  });

  it('attributes sites of a registry module to the plugin whose definePlugin call holds them; a possibly-undefined rowLimit is unbounded', () => {
    expect(scans.get('fixture_registry_bounded')!.locations.map((l) => [l.line, l.class])).toEqual([[17, 'dataset_loader_bounded']]);
    expect(scans.get('fixture_registry_maybe')!.locations.map((l) => [l.line, l.class])).toEqual([
      [29, 'dataset_loader_unbounded'],
      [30, 'dataset_loader_unbounded'],
    ]);
  });

  it('module-level helpers belong only to the plugins that reach them (directly or through a dispatch table)', () => {
    const at = (id: string) => scans.get(id)!.locations.map((l) => [l.line, l.function, l.class]);
    expect(at('fixture_helpers_bounded')).toEqual([[10, 'loadSome', 'dataset_loader_bounded']]);
    expect(at('fixture_helpers_direct')).toEqual([[6, 'loadAll', 'dataset_loader_unbounded']]);
    expect(at('fixture_helpers_table')).toEqual([[6, 'loadAll', 'dataset_loader_unbounded']]);
  });

  it('a plugin without access is orchestration_only; info() and text lookalikes are not access', () => {
    expect(scans.get('fixture_orchestrator')).toMatchObject({ classes: ['orchestration_only'], locations: [], sites: 'no dataset access' });
    expect(scans.get('fixture_lookalike')).toMatchObject({ classes: ['orchestration_only'], locations: [] });
  });

  it('resolves JavaScript plugins importing the SDK by package name; dynamic registry ids share the module’s sites', () => {
    for (const id of ['fixture_js_a', 'fixture_js_b']) {
      expect(scans.get(id)!.locations.map((l) => [l.file, l.line, l.class])).toEqual([['fixtures/collectors/scan/plain_js.mjs', 16, 'iter_batches']]);
    }
  });

  it('indirect or untyped access is never bounded/clean: method references, casts, any/unknown and look-alike slots (fail-closed)', () => {
    const at = (id: string) => scans.get(id)!.locations.map((l) => [l.line, l.class, l.snippet]);
    expect(at('indirect_call')).toEqual([[23, 'dataset_loader_unbounded', "ctx.dataset.load.call(ctx.dataset, { columns: ['process_id'] })"]]);
    // `.call(thisArg, options)` keeps its options checkable; a cast to any keeps the call's arguments checkable.
    expect(at('indirect_call_bounded')).toEqual([[24, 'dataset_loader_bounded', "ctx.dataset.load.call(ctx.dataset, { columns: ['process_id'], rowLimit: 10 })"]]);
    expect(at('cast_any')).toEqual([[26, 'dataset_loader_unbounded', "(ctx.dataset as any).load({ columns: ['process_id'] })"]]);
    expect(at('cast_any_bounded')).toEqual([[28, 'dataset_loader_bounded', "(ctx.dataset as any).load({ columns: ['process_id'], rowLimit: 10 })"]]);
    expect(at('reflect_apply')).toEqual([[29, 'dataset_loader_unbounded', expect.stringMatching(/^Reflect\.apply\(ctx\.dataset\.load, /)]]);
    // A bound method may be called anywhere with anything: the reference is unbounded, whatever one call passes.
    expect(at('bound')).toEqual([
      [30, 'dataset_loader_unbounded', 'ctx.dataset.load.bind'],
      [30, 'dataset_loader_bounded', "load({ columns: ['process_id'], rowLimit: 1 })"],
    ]);
    expect(at('any_param')).toEqual([[31, 'dataset_loader_unbounded', 'untyped(ctx.dataset)']]);
    expect(at('look_alike')).toEqual([[32, 'dataset_loader_unbounded', 'lookAlike(ctx.dataset)']]);
    expect(at('any_ctx')).toEqual([[34, 'dataset_loader_unbounded', "ctx.dataset.load({ columns: ['process_id'] })"]]);
    expect(at('any_ctx_destructured')).toEqual([[36, 'dataset_loader_unbounded', '{ dataset }']]);
    expect(at('unknown_cast')).toEqual([[37, 'dataset_loader_unbounded', 'ctx as unknown']]);
    expect(at('computed_key')).toEqual([[38, 'dataset_loader_unbounded', "ctx.dataset[k]({ columns: ['process_id'] })"]]);
    for (const id of INDIRECT.filter((i) => !i.endsWith('_bounded') && i !== 'typed_pick')) expect(scans.get(id)!.classes, id).toContain('dataset_loader_unbounded');
  });

  it('typed narrowing that keeps the accessor (Pick, a cast chain back to DatasetAccessor, passing ctx on) and info() stay exact', () => {
    expect(scans.get('typed_pick')!.locations.map((l) => [l.line, l.function, l.class])).toEqual([[19, 'pick', 'dataset_loader_bounded']]);
  });

  it('maps a compiled module of the harness build back to its TypeScript source', () => {
    expect(scanSourceFor(join(ROOT, 'dist/plugins/builtin/queue_wait_by_process.js'))).toBe(join(ROOT, 'src/plugins/builtin/queue_wait_by_process.ts'));
    expect(scanSourceFor(join(ROOT, 'dist/plugins/builtin/no_such_plugin.js'))).toBe(join(ROOT, 'dist/plugins/builtin/no_such_plugin.js'));
    expect(scanSourceFor(join(FIX, 'plugins/orchestrator.ts'))).toBe(join(FIX, 'plugins/orchestrator.ts'));
  });

  it('scans built-in plugins', () => {
    expect(scans.get('queue_wait_by_process_v1')!.locations[0]).toMatchObject({ file: 'src/plugins/builtin/queue_wait_by_process.ts', class: 'iter_batches', function: 'run' });
  });

  it('the ts-morph walk and the compiler-node walk agree', () => {
    expect([...morph]).toEqual([...scans]);
  });

  it('a missing plugin file is a HarnessError naming the plugin', () => {
    expect(() => scanPlugins([{ id: 'ghost', file: join(FIX, 'plugins/nope.ts') }], { repoRoot: ROOT })).toThrow(/plugin "ghost": source file .*nope\.ts does not exist/);
  });
});
