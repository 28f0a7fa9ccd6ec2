/** Evidence layer — public face: the run snapshot committed as the novelty reference in CI. */
export { buildSnapshot, readSnapshot, renderSnapshot, writeSnapshot, SNAPSHOT_KIND, SNAPSHOT_VERSION, type EvidenceSnapshot, type SnapshotPlugin } from './snapshot.ts';
