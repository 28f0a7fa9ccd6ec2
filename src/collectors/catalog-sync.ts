/**
 * Catalog-sync collector (plan Task 3.1b): the plugins discovered on disk against the plugin
 * catalog of record — the taxonomy mapping (plugin-class-taxonomy.yaml), which governance
 * keeps and which must name every plugin before any access audit. A catalog entry that was
 * not discovered becomes a subject of its own with `discovered: false`.
 */
import type { TaxonomyMapping } from './taxonomy.ts';

export interface CatalogFacts {
  inCatalog: boolean;
  discovered: boolean;
}

export function catalogFacts(id: string, catalog: TaxonomyMapping, discovered: ReadonlySet<string>): CatalogFacts {
  return { inCatalog: catalog.has(id), discovered: discovered.has(id) };
}

/** Catalog ids with no discovered plugin, sorted. */
export function undiscoveredCatalogIds(catalog: TaxonomyMapping, discovered: ReadonlySet<string>): string[] {
  return [...catalog.keys()].filter((id) => !discovered.has(id)).sort();
}
