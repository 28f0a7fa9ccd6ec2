/**
 * Severity resolution, in exactly one place (DESIGN.md "Policies"): an env mapping whose
 * variable is set wins, else the stage's default (warn → warn, fail → error), else
 * severity.default.
 */
import type { EnvToggles } from '../config/index.ts';
import type { PolicyStage, ResultSeverity } from './result.ts';
import type { PolicyDefinition } from './types.ts';

export const STAGE_SEVERITY: Readonly<Record<PolicyStage, ResultSeverity>> = { warn: 'warn', fail: 'error' };

export interface SeverityResolution {
  severity: ResultSeverity;
  /** What decided it, for docs and explain: "env STAT_HARNESS_STREAMING_POLICY_STRICT=1", "stage warn", "default". */
  by: string;
}

export function resolveSeverity(def: Pick<PolicyDefinition, 'severity'> & { meta: { stage?: PolicyStage } }, env: Pick<EnvToggles, 'raw'>): SeverityResolution {
  for (const { name, map } of def.severity.env) {
    const value = env.raw[name as keyof EnvToggles['raw']];
    if (value !== undefined && Object.hasOwn(map, value)) return { severity: map[value]!, by: `env ${name}=${value}` };
  }
  if (def.meta.stage !== undefined) return { severity: STAGE_SEVERITY[def.meta.stage], by: `stage ${def.meta.stage}` };
  // The loader requires stage or severity.default, so this default is never reached in practice.
  return { severity: def.severity.default ?? 'error', by: 'severity.default' };
}
