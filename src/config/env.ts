import { HarnessError } from '../common/errors.ts';
import { parseStrictInteger } from '../common/parse.ts';

/**
 * The three rollout toggles of the plan, parsed and validated in exactly one place.
 * They act through policy severities/thresholds (STREAMING_POLICY_STRICT, NOVELTY_MIN) and
 * as a run mode (KNOWN_ISSUES_MODE); nothing else reads process.env for them.
 */
export const ENV_TOGGLES = {
  STAT_HARNESS_KNOWN_ISSUES_MODE: { values: ['on', 'off'], description: 'known-issue landmarks loaded and reported (run mode)' },
  STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN: { values: 'integer >= 0', description: 'minimum new autonomous insights vs the reference run' },
  STAT_HARNESS_STREAMING_POLICY_STRICT: { values: ['0', '1'], description: '1 = unbounded loads in large-dataset mode fail (phase B)' },
} as const;

export type EnvToggleName = keyof typeof ENV_TOGGLES;
export const ENV_TOGGLE_NAMES = Object.keys(ENV_TOGGLES) as EnvToggleName[];

export interface EnvToggles {
  knownIssuesMode?: 'on' | 'off';
  noveltyMin?: number;
  streamingPolicyStrict?: boolean;
  /** The raw strings of the toggles that are set (policy severities map on these). */
  raw: Partial<Record<EnvToggleName, string>>;
}

export function parseEnvToggles(env: NodeJS.ProcessEnv = process.env): EnvToggles {
  const raw: Partial<Record<EnvToggleName, string>> = {};
  const out: EnvToggles = { raw };
  const bad = (name: EnvToggleName, value: string, expected: string): never => {
    throw new HarnessError('invalid-env', `${name}=${JSON.stringify(value)} is not valid; expected ${expected}`, {
      hint: `set ${name} to ${expected}, or unset it`,
    });
  };
  const ki = env.STAT_HARNESS_KNOWN_ISSUES_MODE;
  if (ki !== undefined && ki !== '') {
    const v = ki.trim().toLowerCase();
    if (v !== 'on' && v !== 'off') bad('STAT_HARNESS_KNOWN_ISSUES_MODE', ki, '"on" or "off"');
    out.knownIssuesMode = v as 'on' | 'off';
    raw.STAT_HARNESS_KNOWN_ISSUES_MODE = v;
  }
  const nm = env.STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN;
  if (nm !== undefined && nm !== '') {
    const n = parseStrictInteger(nm);
    if (n === undefined || n < 0) bad('STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN', nm, 'an integer >= 0');
    out.noveltyMin = n!;
    raw.STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN = String(n);
  }
  const sp = env.STAT_HARNESS_STREAMING_POLICY_STRICT;
  if (sp !== undefined && sp !== '') {
    const v = sp.trim();
    if (v !== '0' && v !== '1') bad('STAT_HARNESS_STREAMING_POLICY_STRICT', sp, '"0" or "1"');
    out.streamingPolicyStrict = v === '1';
    raw.STAT_HARNESS_STREAMING_POLICY_STRICT = v;
  }
  return out;
}
