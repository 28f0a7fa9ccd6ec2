/**
 * Collectors layer entry: the fact catalog, and the collectors that turn a stored run, the
 * plugin sources and the run's outputs into facts (collectFacts).
 */
export * from './catalog.ts';
export { collectFacts, type CollectedFacts, type CollectedSubject, type CollectOptions } from './collect.ts';
export { createScanProject, scanFiles, scanPlugins, scanSourceFor, type AccessClass, type AccessLocation, type PluginScan, type PluginScanTarget, type ScanWalker } from './static-scan.ts';
export { datasetFacts, telemetryFacts, type DatasetFacts, type TelemetryFacts } from './telemetry.ts';
export { actionableRecommendations, contractFacts, runInsightFacts, type ContractFacts, type RunInsightFacts } from './contract.ts';
export { noveltyFacts, snapshotReference, type NoveltyFacts, type NoveltyReference } from './novelty.ts';
export { loadTaxonomy, taxonomyFacts, taxonomyFromParsed, TAXONOMY_SCHEMA, type TaxonomyFacts, type TaxonomyMapping } from './taxonomy.ts';
export { catalogFacts, undiscoveredCatalogIds, type CatalogFacts } from './catalog-sync.ts';
export { landmarksForScan, leaksInText, runOutputsProblem, scanRunOutputs, LEAK_SCAN_MAX_BYTES, type KnownIssuesFacts } from './known-issues.ts';
