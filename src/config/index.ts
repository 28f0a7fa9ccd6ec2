/**
 * Configuration: `.statharnessrc.yaml` found by cosmiconfig (searching up to the project
 * root), validated completely by ajv against schemas/config.schema.json before anything
 * runs, merged with defaults, paths resolved against the config file's directory. The env
 * toggles are parsed here too (config/env.ts) so a bad value fails before any work starts.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { cosmiconfigSync } from 'cosmiconfig';
import { HarnessError } from '../common/errors.ts';
import { validateDocument } from '../common/schema.ts';
import { parseYamlFile, parseYamlText } from '../common/yaml.ts';
import type { CanonicalRole } from './roles.ts';
import { parseEnvToggles, type EnvToggles } from './env.ts';

export * from './env.ts';
export * from './roles.ts';

export interface HarnessConfig {
  /** The config file used, or undefined when running on defaults. */
  file: string | undefined;
  /** Directory relative paths are resolved against. */
  rootDir: string;
  store: string;
  largeRows: number;
  timezone: string;
  closeWindow: { startDay: number; endDay: number };
  ingest: {
    map: Record<string, CanonicalRole>;
    redact: { columns: string[]; paramKeys: string[]; salt: string };
  };
  plugins: { dirs: string[]; packages: string[]; jobs: number | undefined; timeoutMs: number; memoryMb: number };
  knownIssues: { mode: 'on' | 'off'; file: string };
  policies: { dir: string; allowlist: string; baseline: string; taxonomy: string };
  env: EnvToggles;
}

interface RawConfig {
  store?: string;
  largeRows?: number;
  timezone?: string;
  closeWindow?: { startDay?: number; endDay?: number };
  ingest?: { map?: Record<string, CanonicalRole>; redact?: { columns?: string[]; paramKeys?: string[]; salt?: string } };
  plugins?: { dirs?: string[]; packages?: string[]; jobs?: number; timeoutMs?: number; memoryMb?: number };
  knownIssues?: { mode?: 'on' | 'off'; file?: string };
  policies?: { dir?: string; allowlist?: string; baseline?: string; taxonomy?: string };
}

export const CONFIG_SEARCH_PLACES = ['.statharnessrc.yaml', '.statharnessrc.yml', '.statharnessrc.json', '.statharnessrc'];

export interface LoadConfigOptions {
  cwd?: string;
  /** Explicit config file (--config); must exist. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadConfigOptions = {}): HarnessConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = parseEnvToggles(options.env ?? process.env);
  let file: string | undefined;
  let raw: RawConfig = {};
  if (options.configFile !== undefined) {
    file = resolve(cwd, options.configFile);
    raw = readConfigFile(file);
  } else {
    const explorer = cosmiconfigSync('statharness', {
      searchPlaces: CONFIG_SEARCH_PLACES,
      searchStrategy: 'project',
      loaders: { '.yaml': strictYamlLoader, '.yml': strictYamlLoader, '.json': strictYamlLoader, noExt: strictYamlLoader },
    });
    const found = explorer.search(cwd);
    if (found && !found.isEmpty) {
      file = found.filepath;
      raw = (found.config ?? {}) as RawConfig;
    } else if (found) {
      file = found.filepath;
    }
  }
  const rootDir = file ? dirname(file) : cwd;
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(rootDir, p));
  const closeWindow = { startDay: raw.closeWindow?.startDay ?? 20, endDay: raw.closeWindow?.endDay ?? 5 };
  if (closeWindow.endDay >= closeWindow.startDay) {
    throw new HarnessError('config', `closeWindow.endDay (${closeWindow.endDay}) must be before closeWindow.startDay (${closeWindow.startDay})`, {
      ...(file === undefined ? {} : { file }),
    });
  }
  assertTimeZone(raw.timezone ?? 'UTC', file);
  return {
    file,
    rootDir,
    store: at(raw.store ?? '.stat-harness/harness.db'),
    largeRows: raw.largeRows ?? 1_000_000,
    timezone: raw.timezone ?? 'UTC',
    closeWindow,
    ingest: {
      map: { ...(raw.ingest?.map ?? {}) },
      redact: {
        columns: raw.ingest?.redact?.columns ?? [],
        paramKeys: raw.ingest?.redact?.paramKeys ?? [],
        salt: raw.ingest?.redact?.salt ?? '',
      },
    },
    plugins: {
      dirs: (raw.plugins?.dirs ?? []).map(at),
      packages: raw.plugins?.packages ?? [],
      jobs: raw.plugins?.jobs,
      timeoutMs: raw.plugins?.timeoutMs ?? 300_000,
      memoryMb: raw.plugins?.memoryMb ?? 2048,
    },
    knownIssues: { mode: raw.knownIssues?.mode ?? 'off', file: at(raw.knownIssues?.file ?? 'known-issues.yaml') },
    policies: {
      dir: at(raw.policies?.dir ?? 'policies'),
      allowlist: at(raw.policies?.allowlist ?? 'allowlist.yaml'),
      baseline: at(raw.policies?.baseline ?? '.stat-harness/baseline.json'),
      taxonomy: at(raw.policies?.taxonomy ?? 'plugin-class-taxonomy.yaml'),
    },
    env,
  };
}

/** Known-issues run mode: CLI flag > env > config > off. */
export function resolveKnownIssuesMode(config: HarnessConfig, flag?: string): 'on' | 'off' {
  if (flag !== undefined) {
    if (flag !== 'on' && flag !== 'off') throw new HarnessError('usage', `--known-issues must be "on" or "off", got "${flag}"`);
    return flag;
  }
  return config.env.knownIssuesMode ?? config.knownIssues.mode;
}

export function assertTimeZone(tz: string, file?: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new HarnessError('config', `unknown time zone "${tz}"`, {
      ...(file === undefined ? {} : { file }),
      hint: 'use an IANA zone name such as UTC or Europe/Berlin',
    });
  }
}

function readConfigFile(file: string): RawConfig {
  const parsed = parseYamlFile(file);
  validateDocument('config.schema.json', parsed, 'configuration');
  return (parsed.value ?? {}) as RawConfig;
}

function strictYamlLoader(filepath: string, content: string): unknown {
  const parsed = parseYamlText(content.replace(/^\uFEFF/, ''), filepath);
  if (parsed.value === null || parsed.value === undefined) return {};
  validateDocument('config.schema.json', parsed, 'configuration');
  return parsed.value;
}
