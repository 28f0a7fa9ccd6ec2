/**
 * Novelty collector (plan Sprint 5.1/5.2): the run's recommendation signatures against a
 * reference — the stored reference run (runs layer selectReferenceRun: same dataset
 * fingerprint, mode off, same plugin set and seed, different code/config) or, in CI, a
 * committed evidence snapshot (--reference). With no reference the facts say
 * `novelty.reference: false` and why, so insight.autonomous-novelty is not_applicable with
 * that reason; with --require-reference `novelty.reference` is left out instead, so every
 * policy that needs it is `unknown` (fail-closed) naming the missing fact.
 */
import { HarnessError } from '../common/errors.ts';
import type { EvidenceSnapshot } from '../evidence/index.ts';
import { compareSignatures } from '../insights/index.ts';
import type { RunRow } from '../runs/index.ts';

export interface NoveltyReference {
  /** Run id, or `snapshot:<file>`. */
  id: string;
  signatures: readonly string[];
}

export interface NoveltyFacts {
  reference?: boolean;
  referenceRunId?: string;
  /** Why there is no reference (only when there is none). */
  referenceReason?: string;
  newCount?: number;
  droppedCount?: number;
  unchangedCount?: number;
  jaccard?: number;
}

export function noveltyFacts(current: readonly string[], reference: NoveltyReference | undefined, reason: string, requireReference = false): NoveltyFacts {
  if (reference === undefined) {
    return requireReference ? { referenceReason: `${reason} (and --require-reference was given)` } : { reference: false, referenceReason: reason };
  }
  const c = compareSignatures(reference.signatures, current);
  return { reference: true, referenceRunId: reference.id, newCount: c.newCount, droppedCount: c.droppedCount, unchangedCount: c.unchangedCount, jaccard: c.jaccard };
}

/**
 * Whether a snapshot may serve as the run's reference, by the same rules as a stored run.
 * A snapshot of another dataset, seed or plugin set, or of a mode-on or unfinished run, is a
 * wrong file (exit 2); an identical rerun is simply not a reference (returns the reason).
 */
export function snapshotReference(snapshot: EvidenceSnapshot, run: RunRow, file: string): { reference?: NoveltyReference; reason: string } {
  const mismatches: string[] = [];
  if (snapshot.dataset.fingerprint !== run.datasetFingerprint) mismatches.push(`dataset fingerprint ${snapshot.dataset.fingerprint.slice(0, 12)}… vs the run's ${run.datasetFingerprint.slice(0, 12)}…`);
  if (snapshot.seed !== run.seed) mismatches.push(`seed ${snapshot.seed} vs ${run.seed}`);
  if (snapshot.run.pluginIdsHash !== run.pluginIdsHash) mismatches.push('a different plugin-id set');
  if (snapshot.knownIssuesMode !== 'off') mismatches.push('known-issues mode on (a reference is a mode-off run)');
  if (snapshot.run.status !== 'completed') mismatches.push(`run status ${snapshot.run.status} (a reference is a completed run)`);
  if (mismatches.length > 0) {
    throw new HarnessError('reference-mismatch', `reference snapshot cannot serve as the reference of run ${run.id}: ${mismatches.join('; ')}`, {
      file,
      hint: 'regenerate it from a comparable run: stat-harness evidence snapshot --run <id> --out <file>',
    });
  }
  if (snapshot.run.codeHash === run.codeHash && snapshot.run.configHash === run.configHash) {
    return { reason: `the snapshot ${file} has the run's own code and config hashes (an identical rerun is not a prior run)` };
  }
  return { reference: { id: `snapshot:${file}`, signatures: snapshot.signatures }, reason: `snapshot ${file}` };
}
