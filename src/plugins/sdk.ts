/**
 * The plugin SDK entry point: `definePlugin` returns its argument unchanged (so authors get
 * full type inference) after checking the declaration, so a typo in `class` or `access`
 * fails when the module is loaded, naming the field, instead of surfacing later as a policy
 * finding. It must stay dependency-light: it runs inside every sandboxed plugin process.
 */
import { HarnessError } from '../common/errors.ts';
import { ACCESS_CONTRACTS, PLUGIN_API_VERSION, PLUGIN_CLASSES, type PluginDefinition } from './types.ts';

export const PLUGIN_ID_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const API_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Problems with a plugin declaration, one sentence each (empty when valid). */
export function definitionProblems(def: unknown): string[] {
  if (def === null || typeof def !== 'object') return ['a plugin definition must be an object passed to definePlugin({...})'];
  const d = def as Record<string, unknown>;
  const out: string[] = [];
  const id = d['id'];
  if (typeof id !== 'string' || !PLUGIN_ID_PATTERN.test(id)) out.push(`id must be lower snake case matching ${PLUGIN_ID_PATTERN.source}; got ${JSON.stringify(id)}`);
  if (typeof d['version'] !== 'string' || !SEMVER.test(d['version'])) out.push(`version must be a semantic version such as "1.0.0"; got ${JSON.stringify(d['version'])}`);
  out.push(...apiVersionProblems(d['apiVersion']));
  if (!(PLUGIN_CLASSES as readonly unknown[]).includes(d['class'])) out.push(`class must be one of ${PLUGIN_CLASSES.join(', ')}; got ${JSON.stringify(d['class'])}`);
  if (!(ACCESS_CONTRACTS as readonly unknown[]).includes(d['access'])) out.push(`access must be one of ${ACCESS_CONTRACTS.join(', ')}; got ${JSON.stringify(d['access'])}`);
  const deps = d['dependsOn'];
  if (deps !== undefined && (!Array.isArray(deps) || deps.some((x) => typeof x !== 'string' || !PLUGIN_ID_PATTERN.test(x)))) {
    out.push('dependsOn must be an array of plugin ids');
  }
  if (typeof d['run'] !== 'function') out.push('run must be a function run(ctx) returning the result');
  return out;
}

/** `apiVersion` must be declared and not newer (major) than this SDK. */
export function apiVersionProblems(apiVersion: unknown): string[] {
  if (apiVersion === undefined) return [`apiVersion is missing: declare the SDK version the plugin was written for (apiVersion: '${PLUGIN_API_VERSION}')`];
  if (typeof apiVersion !== 'string' || !API_VERSION.test(apiVersion)) return [`apiVersion must look like "MAJOR.MINOR"; got ${JSON.stringify(apiVersion)}`];
  const [major, minor] = apiVersion.split('.').map(Number) as [number, number];
  const [sdkMajor, sdkMinor] = PLUGIN_API_VERSION.split('.').map(Number) as [number, number];
  if (major > sdkMajor || (major === sdkMajor && minor > sdkMinor)) {
    return [`apiVersion ${apiVersion} is newer than this stat-harness SDK (${PLUGIN_API_VERSION}); upgrade stat-harness to run this plugin`];
  }
  if (major < sdkMajor) return [`apiVersion ${apiVersion} is an older major than this SDK (${PLUGIN_API_VERSION}); port the plugin to the current SDK`];
  return [];
}

export function definePlugin<T extends PluginDefinition>(definition: T): T {
  const problems = definitionProblems(definition);
  if (problems.length > 0) {
    const id = typeof (definition as { id?: unknown })?.id === 'string' ? ` "${(definition as { id: string }).id}"` : '';
    throw new HarnessError('plugin-definition', `invalid plugin${id}: ${problems.join('; ')}`, {
      hint: 'see the Plugin SDK section of the README and schemas/plugin-manifest.schema.json',
    });
  }
  return definition;
}
