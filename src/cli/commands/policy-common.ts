/** What the policy-eval subcommands share: config + env overrides, --now, loading and compiling. */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { HarnessError } from '../../common/errors.ts';
import { parseIsoDate, parseStrictInteger } from '../../common/parse.ts';
import { didYouMeanSuffix } from '../../common/suggest.ts';
import { ENV_TOGGLE_NAMES, parseEnvToggles, type HarnessConfig } from '../../config/index.ts';
import { buildPolicySet, compilePolicies, ENGINES, loadPolicies, type CompiledPolicy, type EngineName, type PolicySet } from '../../policy/index.ts';
import { formatReport, isOutputFormat } from '../../formatters/index.ts';
import { configFor } from '../shared.ts';

export interface CommonPolicyOptions {
  policies?: string[];
  env?: string[];
  now?: string;
  engine?: string;
}

/** `--env KEY=VALUE` (repeatable): a dry run of a toggle flip ("what would fail if strict"). */
export function collectEnv(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The loaded config with --env overrides applied on top of the process env (parsed strictly, once). */
export function policyConfig(cmd: Command, opts: CommonPolicyOptions): HarnessConfig {
  const config = configFor(cmd);
  if (!opts.env || opts.env.length === 0) return config;
  const overrides: Record<string, string> = {};
  for (const pair of opts.env) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0) throw new HarnessError('usage', `--env expects KEY=VALUE, got "${pair}"`);
    if (!(ENV_TOGGLE_NAMES as readonly string[]).includes(key)) {
      throw new HarnessError('usage', `--env ${key}: not an env toggle${didYouMeanSuffix(key, ENV_TOGGLE_NAMES)}`, { hint: `toggles: ${ENV_TOGGLE_NAMES.join(', ')}` });
    }
    overrides[key] = pair.slice(eq + 1);
  }
  return { ...config, env: parseEnvToggles({ ...process.env, ...overrides }) };
}

export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}

export function parseNow(value: string | undefined): { now: string; nowMs: number } {
  const now = value ?? todayIso();
  const nowMs = parseIsoDate(now);
  if (nowMs === undefined) throw new HarnessError('usage', `--now must be a real calendar date YYYY-MM-DD, got "${now}"`);
  return { now, nowMs };
}

export function parseEngine(value: string | undefined): EngineName {
  const v = value ?? 'fast';
  if (!(ENGINES as readonly string[]).includes(v)) throw new HarnessError('usage', `--engine must be one of ${ENGINES.join(', ')}, got "${v}"${didYouMeanSuffix(v, ENGINES)}`);
  return v as EngineName;
}

export function parseCount(value: string, flag: string): number {
  const n = parseStrictInteger(value);
  if (n === undefined || n < 0) throw new HarnessError('usage', `${flag} must be an integer >= 0, got "${value}"`);
  return n;
}

export function policyPaths(opts: CommonPolicyOptions, config: HarnessConfig): string[] {
  const paths = opts.policies && opts.policies.length > 0 ? opts.policies.map((p) => resolve(p)) : [config.policies.dir];
  for (const p of paths) if (!existsSync(p)) throw new HarnessError('policies-not-found', `policies path ${p} does not exist`, { hint: 'pass --policies <dir|file> or set policies.dir in .statharnessrc.yaml' });
  return paths;
}

export function loadCompiled(opts: CommonPolicyOptions, config: HarnessConfig): CompiledPolicy[] {
  return compilePolicies(loadPolicies(policyPaths(opts, config), { config, cwd: process.cwd() }));
}

export function loadPolicySet(opts: CommonPolicyOptions, config: HarnessConfig): { set: PolicySet; now: string } {
  const { now, nowMs } = parseNow(opts.now);
  return { set: buildPolicySet(loadCompiled(opts, config), { engine: parseEngine(opts.engine), nowMs }), now };
}

export function findPolicy(policies: readonly CompiledPolicy[], id: string): CompiledPolicy {
  const p = policies.find((c) => c.def.meta.id === id);
  if (!p) {
    const ids = policies.map((c) => c.def.meta.id);
    throw new HarnessError('unknown-policy', `no policy "${id}"${didYouMeanSuffix(id, ids)}`, { hint: `policies: ${ids.join(', ')}` });
  }
  return p;
}

export function writeOutput(text: string, output: string | undefined): void {
  if (output === undefined) {
    process.stdout.write(text);
    return;
  }
  // A directory (or a file where a parent directory should be) is the user's mistake, not a bug.
  if (existsSync(output) && statSync(output).isDirectory()) throw new HarnessError('usage', `--output ${output} is a directory`, { hint: 'pass a file path, e.g. --output results.sarif' });
  try {
    mkdirSync(dirname(resolve(output)), { recursive: true });
    writeFileSync(output, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EACCES' || code === 'EROFS' || code === 'EISDIR') {
      throw new HarnessError('usage', `cannot write --output ${output}: ${code}`, { hint: 'pass a writable file path' });
    }
    throw err;
  }
}

/**
 * Reject an unknown --format before any work (exit 2 with the formatters' did-you-mean),
 * never falling back to text. formatReport raises that error before it reads the report.
 */
export function assertFormat(format: string): void {
  if (!isOutputFormat(format)) formatReport(format, undefined as never, { cwd: '', color: false });
}
