/**
 * Taxonomy collector (plan Task 4.1): plugin-class-taxonomy.yaml (config policies.taxonomy,
 * owned by governance) is the source of truth for plugin classes; definePlugin({ class }) is
 * the author's declaration. The file is read strictly (src/common/yaml.ts) and validated with
 * schemas/plugin-class-taxonomy.schema.json when that schema exists. When the file is absent
 * the taxonomy facts are simply missing, so taxonomy.class-mapped is `unknown` (fail-closed).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { SCHEMAS_DIR, validateDocument } from '../common/schema.ts';
import { parseYamlFile, type ParsedYaml } from '../common/yaml.ts';

export const TAXONOMY_SCHEMA = 'plugin-class-taxonomy.schema.json';

/** plugin id → class, as the taxonomy maps it. */
export type TaxonomyMapping = ReadonlyMap<string, string>;

export interface TaxonomyFacts {
  declaredClass: string;
  mappedClass?: string;
  mapped: boolean;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The mapping, from the shapes a taxonomy file can take: `plugins: { <id>: <class> | { class } }`,
 * `plugins: [ { id, class } ]`, or `classes: [ { id|name, plugins: [ids] } ]` /
 * `classes: { <class>: { plugins: [ids] } }`. A plugin mapped twice is an error with its position.
 */
export function taxonomyFromParsed(parsed: ParsedYaml): Map<string, string> {
  const out = new Map<string, string>();
  const put = (id: unknown, cls: unknown, path: (string | number)[]): void => {
    if (typeof id !== 'string' || typeof cls !== 'string') return;
    const prev = out.get(id);
    if (prev !== undefined && prev !== cls) {
      const pos = parsed.positionOf(path);
      throw new HarnessError('taxonomy', `plugin "${id}" is mapped to two classes (${prev} and ${cls})`, { file: parsed.file, line: pos.line, column: pos.column, hint: 'map every plugin to exactly one class' });
    }
    out.set(id, cls);
  };
  const doc = parsed.value;
  if (!isRec(doc)) throw new HarnessError('taxonomy', 'the plugin class taxonomy must be a mapping', { file: parsed.file, line: 1, column: 1 });
  const plugins = doc['plugins'];
  if (isRec(plugins)) {
    for (const [id, v] of Object.entries(plugins)) put(id, isRec(v) ? v['class'] : v, ['plugins', id]);
  } else if (Array.isArray(plugins)) {
    plugins.forEach((p, i) => isRec(p) && put(p['id'] ?? p['plugin'], p['class'], ['plugins', i]));
  }
  const classes = doc['classes'];
  const fromClass = (cls: string, c: unknown, path: (string | number)[]): void => {
    if (!isRec(c) || !Array.isArray(c['plugins'])) return;
    (c['plugins'] as unknown[]).forEach((id, j) => put(isRec(id) ? id['id'] : id, cls, [...path, 'plugins', j]));
  };
  if (Array.isArray(classes)) classes.forEach((c, i) => isRec(c) && fromClass(String(c['id'] ?? c['name'] ?? ''), c, ['classes', i]));
  else if (isRec(classes)) for (const [cls, c] of Object.entries(classes)) fromClass(cls, c, ['classes', cls]);
  if (plugins === undefined && classes === undefined) {
    throw new HarnessError('taxonomy', 'the plugin class taxonomy maps no plugins: expected a "plugins" or "classes" key', {
      file: parsed.file,
      line: 1,
      column: 1,
      hint: `see schemas/${TAXONOMY_SCHEMA}`,
    });
  }
  return out;
}

/** Load the taxonomy, or undefined when the file does not exist. */
export function loadTaxonomy(file: string): Map<string, string> | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = parseYamlFile(file);
  if (existsSync(join(SCHEMAS_DIR, TAXONOMY_SCHEMA))) validateDocument(TAXONOMY_SCHEMA, parsed, 'plugin class taxonomy');
  return taxonomyFromParsed(parsed);
}

export function taxonomyFacts(declaredClass: string, mapping: TaxonomyMapping, id: string): TaxonomyFacts {
  const mappedClass = mapping.get(id);
  return mappedClass === undefined ? { declaredClass, mapped: false } : { declaredClass, mappedClass, mapped: true };
}
