/**
 * Redaction: configured columns and param keys are replaced by `h:` + the first 16 hex of
 * sha256(salt, value) before anything is stored, so equal values stay equal (joins, counts,
 * de-duplication still work) while the originals never reach the store. Time columns cannot
 * be redacted (they must stay times). The salt itself is never recorded.
 */
import { createHash } from 'node:crypto';
import { HarnessError } from '../../common/errors.ts';
import { didYouMeanSuffix } from '../../common/suggest.ts';
import { CANONICAL_ROLES, TIME_ROLES, type CanonicalRole } from '../../config/roles.ts';
import type { ColumnMapping } from './mapping.ts';

export interface RedactionConfig {
  columns: readonly string[];
  paramKeys: readonly string[];
  salt: string;
}

export interface RedactionPlan {
  roles: ReadonlySet<CanonicalRole>;
  extras: ReadonlySet<string>;
  paramKeys: ReadonlySet<string>;
  hash: (value: string) => string;
  /** What datasets.redaction_json records. */
  record: { method: string; columns: string[]; paramKeys: string[]; salted: boolean } | Record<string, never>;
}

export function redactValue(salt: string, value: string): string {
  return `h:${createHash('sha256').update(salt).update('\u0000').update(value).digest('hex').slice(0, 16)}`;
}

export function planRedaction(config: RedactionConfig, mapping: ColumnMapping, file: string): RedactionPlan {
  const roles = new Set<CanonicalRole>();
  const extras = new Set<string>();
  const known = [...CANONICAL_ROLES, ...Object.values(mapping.roles), ...mapping.extras];
  for (const name of config.columns) {
    const asRole = (CANONICAL_ROLES as readonly string[]).includes(name)
      ? (name as CanonicalRole)
      : (Object.entries(mapping.roles).find(([, col]) => col === name)?.[0] as CanonicalRole | undefined);
    if (asRole !== undefined) {
      if (TIME_ROLES.includes(asRole)) {
        throw new HarnessError('config', `ingest.redact.columns: ${name} is the time column ${asRole}, which cannot be redacted`, { hint: 'remove it from ingest.redact.columns' });
      }
      roles.add(asRole);
    } else if (mapping.extras.includes(name)) {
      extras.add(name);
    } else {
      throw new HarnessError('config', `ingest.redact.columns: "${name}" is neither a canonical role nor a column of ${file}${didYouMeanSuffix(name, known)}`, {
        hint: 'name a role (e.g. user_id) or a source column',
      });
    }
  }
  const paramKeys = new Set(config.paramKeys);
  const active = roles.size + extras.size + paramKeys.size > 0;
  const salt = config.salt;
  const cache = new Map<string, string>();
  return {
    roles,
    extras,
    paramKeys,
    hash: (value) => {
      let h = cache.get(value);
      if (h === undefined) {
        h = redactValue(salt, value);
        if (cache.size < 1_000_000) cache.set(value, h);
      }
      return h;
    },
    record: active
      ? { method: 'sha256-16', columns: [...roles, ...extras].sort(), paramKeys: [...paramKeys].sort(), salted: salt !== '' }
      : {},
  };
}

/** Rewrite the values of redacted keys inside a raw params string, leaving every other byte as it was. */
export function redactParamsText(text: string, keys: ReadonlySet<string>, hash: (v: string) => string): string {
  let out = '';
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf(';', start);
    if (end < 0) end = n;
    const seg = text.slice(start, end);
    const eq = seg.indexOf('=');
    out += eq > 0 && keys.has(seg.slice(0, eq).trim()) ? `${seg.slice(0, eq + 1)}${hash(seg.slice(eq + 1))}` : seg;
    if (end < n) out += ';';
    start = end + 1;
  }
  return out;
}
