/**
 * Novelty comparator (plan Sprint 5.1) and the autonomous-mode gate (Sprint 5.2), as pure
 * functions over signature sets. The policy engine evaluates the same conditions from facts;
 * these functions are what the collectors and the docs' examples are computed with.
 */

export interface SignatureComparison {
  newCount: number;
  droppedCount: number;
  unchangedCount: number;
  /** |reference ∩ current| / |reference ∪ current|; 1 when both are empty (nothing changed). */
  jaccard: number;
  /** Sorted. */
  new: string[];
  dropped: string[];
  unchanged: string[];
}

/** Set difference of two runs' signatures (duplicates ignored), every list sorted. */
export function compareSignatures(reference: readonly string[], current: readonly string[]): SignatureComparison {
  const ref = new Set(reference);
  const cur = new Set(current);
  const sorted = (xs: Iterable<string>) => [...xs].sort();
  const added = sorted([...cur].filter((s) => !ref.has(s)));
  const dropped = sorted([...ref].filter((s) => !cur.has(s)));
  const unchanged = sorted([...cur].filter((s) => ref.has(s)));
  const union = added.length + dropped.length + unchanged.length;
  return {
    newCount: added.length,
    droppedCount: dropped.length,
    unchangedCount: unchanged.length,
    jaccard: union === 0 ? 1 : roundRatio(unchanged.length / union),
    new: added,
    dropped,
    unchanged,
  };
}

/** Six decimals: enough to compare with 0.95 and stable across platforms in hashed output. */
function roundRatio(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export const DEFAULT_NOVELTY_MIN = 1;
export const DEFAULT_JACCARD_MAX = 0.95;

export interface AutonomousGateInput {
  knownIssuesMode: 'on' | 'off';
  /** Contract-compliant recommendations of the run. */
  discoveryRecommendations: number;
  /** Plugins (status ok/degraded) with at least one compliant recommendation. */
  actionablePlugins: number;
  /** Comparison with the reference run; undefined when there is no reference run. */
  novelty?: SignatureComparison;
  /** STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN (default 1; 0 disables the novelty condition). */
  noveltyMin?: number;
  jaccardMax?: number;
}

export interface AutonomousGateCheck {
  name: 'discovery_recommendations' | 'actionable_plugins' | 'novelty';
  status: 'pass' | 'fail' | 'not_applicable';
  detail: string;
}

export interface AutonomousGateResult {
  status: 'pass' | 'fail' | 'not_applicable';
  checks: AutonomousGateCheck[];
}

/**
 * The autonomous-mode fail conditions of docs/insight-contract.md. Only mode `off` is gated
 * (with landmarks on, a run may legitimately just confirm known issues). Without a reference
 * run the novelty check is not_applicable — never a pass by accident, never a first-run failure.
 */
export function evaluateAutonomousGate(input: AutonomousGateInput): AutonomousGateResult {
  if (input.knownIssuesMode === 'on') {
    return { status: 'not_applicable', checks: [{ name: 'novelty', status: 'not_applicable', detail: 'known-issues mode is on; the autonomous gate applies to mode off only' }] };
  }
  const noveltyMin = input.noveltyMin ?? DEFAULT_NOVELTY_MIN;
  const jaccardMax = input.jaccardMax ?? DEFAULT_JACCARD_MAX;
  const checks: AutonomousGateCheck[] = [
    {
      name: 'discovery_recommendations',
      status: input.discoveryRecommendations > 0 ? 'pass' : 'fail',
      detail: `${input.discoveryRecommendations} contract-compliant recommendation(s); need > 0`,
    },
    {
      name: 'actionable_plugins',
      status: input.actionablePlugins > 0 ? 'pass' : 'fail',
      detail: `${input.actionablePlugins} actionable plugin(s); need > 0`,
    },
  ];
  const n = input.novelty;
  if (n === undefined) {
    checks.push({ name: 'novelty', status: 'not_applicable', detail: 'no reference run to compare with' });
  } else {
    const pass = n.newCount >= noveltyMin || n.jaccard <= jaccardMax;
    checks.push({
      name: 'novelty',
      status: pass ? 'pass' : 'fail',
      detail: `new_count ${n.newCount} (need >= ${noveltyMin}) or jaccard ${n.jaccard} (need <= ${jaccardMax})`,
    });
  }
  return { status: checks.some((c) => c.status === 'fail') ? 'fail' : 'pass', checks };
}
