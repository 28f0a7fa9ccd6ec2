/**
 * Catalog-sync collector (plan Task 3.1b): the plugins discovered on disk against the plugin
 * catalog of record — the taxonomy mapping (plugin-class-taxonomy.yaml), which governance
 * keeps and which must name every plugin before any access audit. A catalog entry that was
 * not discovered becomes a subject of its own with `discovered: false` and `entryOnly: true`
 * when no plugin of the run carries that id either: the per-plugin policies are not applicable
 * to it (nothing to scan, no telemetry), so it yields exactly the catalog.in-sync failure.
 */
import type { TaxonomyMapping } from './taxonomy.ts';

export interface CatalogFacts {
  inCatalog: boolean;
  discovered: boolean;
  entryOnly: boolean;
}

/** `inRun`: the run executed a plugin with this id (it is a plugin subject even when no longer discovered). */
export function catalogFacts(id: string, catalog: TaxonomyMapping, discovered: ReadonlySet<string>, inRun = false): CatalogFacts {
  const isDiscovered = discovered.has(id);
  return { inCatalog: catalog.has(id), discovered: isDiscovered, entryOnly: !isDiscovered && !inRun };
}

/** Catalog ids with no discovered plugin, sorted. */
export function undiscoveredCatalogIds(catalog: TaxonomyMapping, discovered: ReadonlySet<string>): string[] {
  return [...catalog.keys()].filter((id) => !discovered.has(id)).sort();
}
