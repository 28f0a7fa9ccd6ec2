/**
 * Plugin discovery: built-in plugins, the directories in `plugins.dirs` and the packages in
 * `plugins.packages`. Plugin modules are never imported into the harness process: a
 * sandboxed describe process loads them and reports their declarations, which are validated
 * here with ajv (schemas/plugin-manifest.schema.json). Duplicate ids, cycles and unknown
 * dependencies are load errors naming the files; the result is in dependency order.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../common/errors.ts';
import { describeSchemaErrors, schemaKeysAt, schemaValidator } from '../common/schema.ts';
import { didYouMeanSuffix } from '../common/suggest.ts';
import { moduleGraphSha256 } from './code-hash.ts';
import type { DescribedFile } from './protocol.ts';
import { runWorker } from './process.ts';
import { apiVersionProblems } from './sdk.ts';
import type { PluginManifest } from './types.ts';

export type PluginOrigin = 'builtin' | 'dir' | 'package';

export interface PluginSource {
  file: string;
  origin: PluginOrigin;
  /** Directories/files the plugin process may read besides the harness itself. */
  readRoots: string[];
}

export interface DiscoveredPlugin {
  manifest: PluginManifest;
  file: string;
  origin: PluginOrigin;
  readRoots: string[];
  /** sha256 of the plugin module's own source (recorded per execution). */
  sourceSha256: string;
  /** sha256 of the plugin's module graph: its source and every module it reaches by relative import (the run's code hash). */
  codeSha256: string;
}

export interface DiscoveryOptions {
  dirs?: readonly string[];
  packages?: readonly string[];
  /** Directory package names are resolved from (the config file's directory). */
  rootDir?: string;
  /** Include the built-in plugins (default true). */
  builtin?: boolean;
}

export const BUILTIN_DIR = fileURLToPath(new URL('./builtin/', import.meta.url));
const PLUGIN_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

function isPluginFile(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('_')) return false;
  if (/\.d\.m?ts$/.test(name) || /\.(test|spec)\.m?[jt]s$/.test(name)) return false;
  return PLUGIN_EXTENSIONS.some((e) => name.endsWith(e));
}

/**
 * Plugin modules in a directory: its top-level plugin files and `<subdir>/index.{ts,js,…}`.
 * Names starting with `_` or `.` (files and directories) are helpers, never plugins.
 */
export function pluginFilesIn(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.isFile() && isPluginFile(entry.name)) out.push(join(dir, entry.name));
    else if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.') && !entry.name.startsWith('_')) {
      const index = PLUGIN_EXTENSIONS.map((e) => join(dir, entry.name, `index${e}`)).find((f) => existsSync(f));
      if (index) out.push(index);
    }
  }
  return out;
}

/** Every plugin module the configuration names (no code is loaded). */
export function pluginSources(options: DiscoveryOptions = {}): PluginSource[] {
  const sources: PluginSource[] = [];
  if (options.builtin ?? true) {
    for (const file of pluginFilesIn(BUILTIN_DIR)) sources.push({ file, origin: 'builtin', readRoots: [] });
  }
  for (const dir of options.dirs ?? []) {
    let st;
    try {
      st = statSync(dir);
    } catch {
      throw new HarnessError('plugin-dir', `plugin directory ${dir} (plugins.dirs) does not exist`, { hint: 'fix plugins.dirs in the config file; paths are relative to the config file' });
    }
    if (!st.isDirectory()) throw new HarnessError('plugin-dir', `plugin directory ${dir} (plugins.dirs) is not a directory`);
    const real = realpathSync(dir);
    for (const file of pluginFilesIn(real)) sources.push({ file, origin: 'dir', readRoots: [real] });
  }
  for (const name of options.packages ?? []) sources.push(...packageSources(name, options.rootDir ?? process.cwd()));
  return sources;
}

function packageSources(name: string, rootDir: string): PluginSource[] {
  let pkgJson: string;
  try {
    pkgJson = createRequire(join(rootDir, 'noop.js')).resolve(`${name}/package.json`);
  } catch {
    throw new HarnessError('plugin-package', `plugin package "${name}" (plugins.packages) is not installed where ${rootDir} can resolve it`, {
      hint: `npm install ${name}`,
    });
  }
  const pkgDir = dirname(realpathSync(pkgJson));
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { main?: string; statHarness?: { plugins?: unknown } };
  const entries = pkg.statHarness?.plugins ?? [pkg.main ?? 'index.js'];
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'string')) {
    throw new HarnessError('plugin-package', `${pkgJson}: "statHarness.plugins" must be an array of module paths`);
  }
  // Plugin packages may import their own dependencies: allow the node_modules they live in.
  const nodeModules = pkgDir.slice(0, pkgDir.lastIndexOf('node_modules') + 'node_modules'.length);
  return (entries as string[]).map((e) => {
    const file = resolve(pkgDir, e);
    if (!existsSync(file)) throw new HarnessError('plugin-package', `${pkgJson}: plugin module ${e} does not exist`);
    return { file, origin: 'package' as const, readRoots: [pkgDir, nodeModules] };
  });
}

/** Load every plugin's declaration in one sandboxed process. */
export async function describeSources(sources: readonly PluginSource[], timeoutMs = 60_000): Promise<DescribedFile[]> {
  if (sources.length === 0) return [];
  const read = [...new Set(sources.flatMap((s) => [...s.readRoots, s.file]))];
  const outcome = await runWorker({ mode: 'describe', files: sources.map((s) => s.file) }, { read, write: [] }, { timeoutMs });
  if (outcome.terminal?.type !== 'described') {
    const t = outcome.terminal;
    const at = outcome.loading === undefined ? '' : ` while importing ${outcome.loading}`;
    const why =
      t?.type === 'failed'
        ? `failed: ${t.reason}`
        : outcome.killedFor === 'timeout'
          ? `did not finish within ${timeoutMs} ms${at}`
          : outcome.signal !== null
            ? `was killed by signal ${outcome.signal}${at}`
            : `ended with exit code ${outcome.exitCode}${at}`;
    const output = outcome.stderr.trim().split('\n').slice(0, 3).join(' | ');
    throw new HarnessError('plugin-load', `loading the plugin modules ${why}${output ? ` (stderr: ${output})` : ''}`, {
      hint: 'a plugin module must not do work (or call process.exit) at import time',
    });
  }
  return outcome.terminal.files;
}

/** Manifest problems of one declaration (schema + SDK version), one sentence each. */
export function manifestProblems(manifest: Record<string, unknown>): string[] {
  const { hasRun, ...decl } = manifest;
  const out: string[] = [];
  const validate = schemaValidator('plugin-manifest.schema.json');
  if (!validate(decl)) {
    out.push(...describeSchemaErrors(validate.errors ?? [], (p) => schemaKeysAt(validate.schema, p)).map((p) => p.message));
  }
  if (decl['apiVersion'] !== undefined) out.push(...apiVersionProblems(decl['apiVersion']).filter((p) => !p.startsWith('apiVersion must look')));
  if (hasRun !== true) out.push('run must be a function run(ctx) returning the result');
  return out;
}

/**
 * Turn described modules into a validated registry in dependency order (ties broken by id,
 * so the order is deterministic). All problems are collected and reported together.
 */
export function buildRegistry(sources: readonly PluginSource[], described: readonly DescribedFile[]): DiscoveredPlugin[] {
  const errors: string[] = [];
  const plugins: DiscoveredPlugin[] = [];
  const fileOf = new Map<string, string>();
  described.forEach((d, i) => {
    const source = sources[i]!;
    if (d.error !== undefined) {
      errors.push(d.error);
      return;
    }
    for (const m of d.manifests) {
      const problems = manifestProblems(m as unknown as Record<string, unknown>);
      const label = typeof m.id === 'string' ? `plugin "${m.id}"` : 'plugin';
      if (problems.length > 0) {
        errors.push(`${d.file}: ${label}: ${problems.join('; ')}`);
        continue;
      }
      const { hasRun: _hasRun, ...manifest } = m;
      const previous = fileOf.get(manifest.id);
      if (previous !== undefined) {
        errors.push(`duplicate plugin id "${manifest.id}" in ${previous} and ${d.file}; plugin ids must be unique`);
        continue;
      }
      fileOf.set(manifest.id, d.file);
      plugins.push({
        manifest,
        file: d.file,
        origin: source.origin,
        readRoots: source.readRoots,
        sourceSha256: createHash('sha256').update(readFileSync(d.file)).digest('hex'),
        codeSha256: moduleGraphSha256(d.file),
      });
    }
  });
  const ids = new Set(plugins.map((p) => p.manifest.id));
  for (const p of plugins) {
    for (const dep of p.manifest.dependsOn ?? []) {
      if (!ids.has(dep)) errors.push(`${p.file}: plugin "${p.manifest.id}" depends on unknown plugin "${dep}"`);
    }
  }
  if (errors.length === 0) {
    const ordered = topologicalOrder(plugins);
    if (ordered.cycle) errors.push(`dependency cycle: ${ordered.cycle.map((id) => `${id} (${fileOf.get(id)})`).join(' → ')}`);
    else return ordered.order;
  }
  throw new HarnessError('plugin-load', `${errors.length} plugin load error${errors.length > 1 ? 's' : ''}:\n  ${errors.join('\n  ')}`, {
    hint: 'fix the plugin modules named above (see schemas/plugin-manifest.schema.json)',
  });
}

/** Kahn's algorithm with an id-sorted ready set; on a cycle, returns one cycle's ids. */
export function topologicalOrder(plugins: readonly DiscoveredPlugin[]): { order: DiscoveredPlugin[]; cycle?: string[] } {
  const byId = new Map(plugins.map((p) => [p.manifest.id, p]));
  const indegree = new Map(plugins.map((p) => [p.manifest.id, (p.manifest.dependsOn ?? []).filter((d) => byId.has(d)).length]));
  const dependents = new Map<string, string[]>();
  for (const p of plugins) for (const d of p.manifest.dependsOn ?? []) dependents.set(d, [...(dependents.get(d) ?? []), p.manifest.id]);
  const ready = [...indegree].filter(([, n]) => n === 0).map(([id]) => id).sort();
  const order: DiscoveredPlugin[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(byId.get(id)!);
    for (const next of dependents.get(id) ?? []) {
      const n = indegree.get(next)! - 1;
      indegree.set(next, n);
      if (n === 0) {
        ready.push(next);
        ready.sort();
      }
    }
  }
  if (order.length === plugins.length) return { order };
  return { order, cycle: findCycle(plugins.filter((p) => indegree.get(p.manifest.id)! > 0), byId) };
}

function findCycle(remaining: readonly DiscoveredPlugin[], byId: ReadonlyMap<string, DiscoveredPlugin>): string[] {
  const left = new Set(remaining.map((p) => p.manifest.id));
  // Walk dependencies from the smallest id until a node repeats: that loop is a cycle.
  let id = [...left].sort()[0]!;
  const path: string[] = [];
  while (!path.includes(id)) {
    path.push(id);
    id = (byId.get(id)!.manifest.dependsOn ?? []).filter((d) => left.has(d)).sort()[0]!;
  }
  return [...path.slice(path.indexOf(id)), id];
}

/** Discover, describe and order the plugins the configuration names. */
export async function discoverPlugins(options: DiscoveryOptions = {}): Promise<DiscoveredPlugin[]> {
  const sources = pluginSources(options);
  const described = await describeSources(sources);
  return buildRegistry(sources, described);
}

/** Select plugins by id (plus their dependencies, transitively), keeping dependency order. */
export function selectPlugins(registry: readonly DiscoveredPlugin[], ids: readonly string[]): DiscoveredPlugin[] {
  const byId = new Map(registry.map((p) => [p.manifest.id, p]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    const known = registry.map((p) => p.manifest.id);
    const first = unknown[0]!;
    const suggestion = didYouMeanSuffix(first, known);
    throw new HarnessError('unknown-plugin', `unknown plugin id${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}${suggestion}`, {
      hint: `known plugins: ${[...known].sort().join(', ') || '(none)'}`,
    });
  }
  const wanted = new Set<string>();
  const add = (id: string): void => {
    if (wanted.has(id)) return;
    wanted.add(id);
    for (const d of byId.get(id)!.manifest.dependsOn ?? []) add(d);
  };
  ids.forEach(add);
  return registry.filter((p) => wanted.has(p.manifest.id));
}
