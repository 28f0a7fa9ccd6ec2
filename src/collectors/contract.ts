/**
 * Insight-contract collector: per plugin, the result status, the contract violations the run
 * recorded, and how many recommendations are actionable; per run, the autonomous-insight
 * counts of plan Sprint 5.2 (discovery recommendations, actionable plugins).
 */
import { compliantRecommendationIndexes, landmarkMatches, type Landmark } from '../insights/index.ts';
import type { Recommendation } from '../plugins/index.ts';
import type { ExecutionRow } from '../runs/index.ts';

export interface ContractFacts {
  status: string;
  violations: string[];
  recommendations: number;
  actionable: number;
  reason?: string;
}

export function contractFacts(execution: ExecutionRow): ContractFacts {
  const recs = Array.isArray(execution.result.recommendations) ? execution.result.recommendations : [];
  const out: ContractFacts = {
    status: execution.result.status,
    violations: [...execution.contractViolations].sort(),
    recommendations: recs.length,
    actionable: compliantRecommendationIndexes(execution.pluginId, execution.result).size,
  };
  if (execution.reason !== null && execution.reason !== '') out.reason = execution.reason;
  return out;
}

/** Contract-compliant recommendations of one execution. */
export function actionableRecommendations(execution: ExecutionRow): Recommendation[] {
  const keep = compliantRecommendationIndexes(execution.pluginId, execution.result);
  return execution.result.recommendations.filter((_, i) => keep.has(i));
}

export interface RunInsightFacts {
  insights: { discoveryRecommendations: number; actionablePlugins: number };
  contract: { recommendations: number; actionable: number };
}

/**
 * Run-level counts. A discovery recommendation is a compliant one that no landmark matches
 * (mode off loads no landmarks, so every compliant recommendation is a discovery); an
 * actionable plugin ended ok/degraded with at least one compliant recommendation.
 */
export function runInsightFacts(executions: readonly ExecutionRow[], landmarks: readonly Landmark[]): RunInsightFacts {
  let recommendations = 0;
  let actionable = 0;
  let discovery = 0;
  let plugins = 0;
  for (const e of executions) {
    const ok = actionableRecommendations(e);
    recommendations += Array.isArray(e.result.recommendations) ? e.result.recommendations.length : 0;
    actionable += ok.length;
    discovery += ok.filter((r) => !landmarks.some((l) => landmarkMatches(l, r))).length;
    if ((e.result.status === 'ok' || e.result.status === 'degraded') && ok.length > 0) plugins++;
  }
  return { insights: { discoveryRecommendations: discovery, actionablePlugins: plugins }, contract: { recommendations, actionable } };
}
