/**
 * allowlist.yaml: accepted exceptions (policy + subject + reason + owner + expiry). Loading is
 * strict (blank reason/owner, impossible dates, over-broad globs are config errors at their
 * line); applying it is pure: a failing result matched by a live entry becomes `allowlisted`
 * (still reported, with the reason); expired entries fail, entries expiring within 14 days
 * warn, entries that matched nothing are stale.
 */
import { existsSync } from 'node:fs';
import picomatch from 'picomatch';
import { HarnessError } from '../common/errors.ts';
import { parseIsoDate } from '../common/parse.ts';
import { validateDocument } from '../common/schema.ts';
import { didYouMeanSuffix } from '../common/suggest.ts';
import type { ParsedYaml } from '../common/yaml.ts';
import { parseWithDisplayPath, RESERVED_POLICY_PREFIX } from './loader.ts';

export { RESERVED_POLICY_PREFIX };
import { DAY_MS } from './operators.ts';
import type { PolicyMeta, PolicyResult, SubjectKind } from './result.ts';

export const EXPIRY_WARNING_DAYS = 14;

/** The streaming policy whose allowlist entries also let a plugin load() unbounded at run time. */
export const UNBOUNDED_LOADER_POLICY = 'streaming.unbounded-loader';

export interface AllowlistEntry {
  policy: string;
  subject: string;
  reason: string;
  owner: string;
  expires: string;
  /** Where the entry is written (for results about the entry itself). */
  file: string;
  line: number;
  /** Whether the subject is a glob (not an exact id). */
  glob: boolean;
  matches(subjectId: string): boolean;
}

export interface Allowlist {
  file: string;
  entries: AllowlistEntry[];
}

export const ALLOWLIST_POLICIES = {
  expired: 'allowlist.expired',
  expiring: 'allowlist.expiring',
  stale: 'allowlist.stale',
  overBroad: 'allowlist.over-broad',
} as const;

/** Characters that start a wildcard, class, group or brace set in a picomatch glob. */
const WILDCARD_START = new Set(['*', '?', '[', '(', '{', '|']);
const MAX_BRACE_EXPANSIONS = 64;

/** Expand brace sets (`{a,b}`, nested) into their alternatives; ranges (`{1..9}`) stay as a wildcard. */
function expandBraces(pattern: string): string[] | undefined {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '{') {
      if (depth++ === 0) open = i;
    } else if (ch === '}' && depth > 0 && --depth === 0) {
      const body = pattern.slice(open + 1, i);
      if (body.includes('..') || !body.includes(',')) return [pattern.slice(0, open) + '*' + pattern.slice(i + 1)].flatMap((p) => expandBraces(p) ?? []);
      const alternatives: string[] = [];
      let d = 0;
      let start = 0;
      for (let j = 0; j <= body.length; j++) {
        const c = body[j];
        if (c === '\\') j++;
        else if (c === '{') d++;
        else if (c === '}') d--;
        else if ((c === ',' && d === 0) || j === body.length) {
          alternatives.push(body.slice(start, j));
          start = j + 1;
        }
      }
      const out: string[] = [];
      for (const alt of alternatives) {
        const expanded = expandBraces(pattern.slice(0, open) + alt + pattern.slice(i + 1));
        if (expanded === undefined) return undefined;
        out.push(...expanded);
        if (out.length > MAX_BRACE_EXPANSIONS) return undefined;
      }
      return out;
    }
  }
  return [pattern];
}

/** The literal characters a glob starts with, before its first wildcard (escapes honoured). */
function literalPrefix(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      out += pattern[++i];
      continue;
    }
    if (WILDCARD_START.has(ch) || ((ch === '+' || ch === '@' || ch === '!') && pattern[i + 1] === '(')) break;
    out += ch;
  }
  return out;
}

/**
 * Why an allowlist subject glob is over-broad, or undefined when it is narrow. The rule
 * (docs/policy-language.md "Allowlist"): an exact id is always fine; a glob must not be
 * negated (`!x` matches every subject but x), must not use extglobs (`!(x)`, `+(x)`, `@(x)`,
 * `*(x)`, `?(x)`), and every alternative of its brace sets must start with at least one
 * literal character (`p*`, `legacy_*_v1`, `{legacy,old}_*` are narrow; `*_v1`, `{*,abc}`,
 * `[a-z]*` are not): a subject is then pinned down by where its id starts.
 */
export function overBroadGlobReason(pattern: string): string | undefined {
  if (pattern.startsWith('!')) return 'a negated pattern matches every subject except the ones it names';
  if (/(^|[^\\])[!+@*?]\(/.test(pattern)) return 'extglob groups such as !(…), +(…), @(…) are not allowed';
  const alternatives = expandBraces(pattern);
  if (alternatives === undefined) return `its brace sets expand to more than ${MAX_BRACE_EXPANSIONS} alternatives`;
  for (const alt of alternatives) {
    if (literalPrefix(alt) === '' && alt !== '') return alternatives.length > 1 ? `its alternative "${alt}" does not start with a literal character` : 'it does not start with a literal character';
  }
  return undefined;
}

/** True when a subject glob is over-broad (see overBroadGlobReason). */
export function isOverBroadGlob(pattern: string): boolean {
  return overBroadGlobReason(pattern) !== undefined;
}

export function loadAllowlist(file: string, displayFile = file): Allowlist {
  if (!existsSync(file)) throw new HarnessError('file-not-found', `allowlist ${displayFile} does not exist`, { file: displayFile, hint: 'create it (entries: []) or pass --allowlist <file>' });
  const parsed = parseWithDisplayPath(file, displayFile);
  return defineAllowlist({ ...parsed, file: displayFile });
}

export function defineAllowlist(doc: Pick<ParsedYaml, 'file' | 'value' | 'positionOf'>): Allowlist {
  const fail = (code: string, message: string, path: (string | number)[], hint?: string): never => {
    throw new HarnessError(code, message, { file: doc.file, ...doc.positionOf(path), ...(hint === undefined ? {} : { hint }) });
  };
  const raw = doc.value ?? { entries: [] };
  const rawEntries = (raw as { entries?: unknown }).entries;
  // Human-first checks before the schema: the commonest mistakes get a message naming the entry.
  if (Array.isArray(rawEntries)) {
    rawEntries.forEach((e, i) => {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) return;
      const entry = e as Record<string, unknown>;
      const label = `allowlist entry ${i + 1}${typeof entry['policy'] === 'string' ? ` (${entry['policy']} / ${String(entry['subject'])})` : ''}`;
      for (const key of ['reason', 'owner'] as const) {
        const v = entry[key];
        if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
          fail(`allowlist-missing-${key}`, `${label} has no ${key}`, v === undefined ? ['entries', i] : ['entries', i, key], key === 'reason' ? 'every exception needs a written justification' : 'name the person or team who answers for the exception');
        }
      }
      const expires = entry['expires'];
      if (typeof expires === 'string' && parseIsoDate(expires) === undefined) {
        fail('allowlist-bad-date', `${label}: expires "${expires}" is not a real calendar date (YYYY-MM-DD)`, ['entries', i, 'expires']);
      }
      const subject = entry['subject'];
      const broad = typeof subject === 'string' ? overBroadGlobReason(subject) : undefined;
      if (broad !== undefined) {
        fail('allowlist-broad-subject', `${label}: subject "${String(subject)}" is over-broad: ${broad}`, ['entries', i, 'subject'], 'name the subject, or use a glob that starts with literal characters such as legacy_*_v1');
      }
    });
  }
  validateDocument('allowlist.schema.json', doc, 'allowlist');
  const entries = ((raw as { entries: Omit<AllowlistEntry, 'file' | 'line' | 'matches'>[] }).entries ?? []).map((e, i) => {
    const isMatch = picomatch(e.subject, { dot: true });
    const glob = picomatch.scan(e.subject).isGlob;
    return { ...e, file: doc.file, line: doc.positionOf(['entries', i]).line, glob, matches: (id: string) => id === e.subject || isMatch(id) };
  });
  return { file: doc.file, entries };
}

export function daysUntil(dateIso: string, nowMs: number): number {
  return Math.round((parseIsoDate(dateIso)! - nowMs) / DAY_MS);
}

export function allowlistMetas(file: string): PolicyMeta[] {
  const base = { owner: 'governance', subject: 'repo' as const, file, line: 1, tags: ['allowlist'] };
  return [
    { ...base, id: ALLOWLIST_POLICIES.expired, title: 'Allowlist entries must not be expired', stage: 'fail', remediation: 'fix the violation, or renew the entry with a new reason and date' },
    { ...base, id: ALLOWLIST_POLICIES.expiring, title: 'Allowlist entries expiring within 14 days', stage: 'warn', remediation: 'plan the fix or renew the entry before it expires' },
    { ...base, id: ALLOWLIST_POLICIES.stale, title: 'Allowlist entries must match a failing result', stage: 'warn', remediation: 'remove the entry: the exception is no longer needed' },
    {
      ...base,
      id: ALLOWLIST_POLICIES.overBroad,
      title: 'Allowlist globs must not match every evaluated subject',
      stage: 'warn',
      remediation: 'name the subjects the exception is for; a glob that matches every subject switches the policy off',
    },
  ];
}

export interface AllowlistScope {
  /** Loaded policies and the subject kind each evaluates. */
  policies: readonly { id: string; subject: SubjectKind }[];
  /** Every evaluated subject. */
  subjects: readonly { kind: SubjectKind; id: string }[];
}

/**
 * Apply the allowlist to evaluated results (in place order preserved) and append the
 * allowlist's own results (expired / expiring / stale / over-broad), sorted by the caller.
 * Over-broad: a glob entry (not an exact id) that matches every evaluated subject of its
 * policy's kind, when there are two or more, is a warning — it passes the structural check
 * at load time, but here it switches the policy off. It still suppresses.
 */
export function applyAllowlist(results: PolicyResult[], allowlist: Allowlist, nowMs: number, scope: AllowlistScope): PolicyResult[] {
  const loadedPolicyIds = scope.policies.map((p) => p.id);
  const kindOf = new Map(scope.policies.map((p) => [p.id, p.subject]));
  const idsOfKind = new Map<SubjectKind, string[]>();
  for (const s of scope.subjects) {
    const list = idsOfKind.get(s.kind) ?? [];
    list.push(s.id);
    idsOfKind.set(s.kind, list);
  }
  const used = new Set<AllowlistEntry>();
  const live = allowlist.entries.filter((e) => daysUntil(e.expires, nowMs) >= 0);
  const out = results.map((r) => {
    if (r.status !== 'fail' && r.status !== 'unknown') return r;
    const entry = live.find((e) => e.policy === r.policyId && e.matches(r.subject.id));
    if (!entry) return r;
    used.add(entry);
    return { ...r, status: 'allowlisted' as const, suppression: { kind: 'allowlist' as const, reason: entry.reason, owner: entry.owner, expires: entry.expires } };
  });
  for (const e of allowlist.entries) {
    const days = daysUntil(e.expires, nowMs);
    const location = { file: e.file, line: e.line };
    const subject = { kind: 'repo' as const, id: `${e.policy}/${e.subject}` };
    const fingerprint = `allowlist:${e.policy}:${e.subject}`;
    if (days < 0) {
      out.push({ policyId: ALLOWLIST_POLICIES.expired, subject, status: 'fail', severity: 'error', fingerprint, location, message: `allowlist entry for ${e.policy} / ${e.subject} expired on ${e.expires} (owner ${e.owner}); the exception no longer applies` });
      continue;
    }
    if (days <= EXPIRY_WARNING_DAYS) {
      out.push({ policyId: ALLOWLIST_POLICIES.expiring, subject, status: 'fail', severity: 'warn', fingerprint, location, message: `allowlist entry for ${e.policy} / ${e.subject} expires on ${e.expires} (in ${days} day${days === 1 ? '' : 's'}; owner ${e.owner})` });
    }
    if (!used.has(e)) {
      const known = loadedPolicyIds.includes(e.policy) ? '' : ` (no loaded policy has this id${didYouMeanSuffix(e.policy, loadedPolicyIds)})`;
      out.push({ policyId: ALLOWLIST_POLICIES.stale, subject, status: 'fail', severity: 'warn', fingerprint, location, message: `allowlist entry for ${e.policy} / ${e.subject} matches no failing result${known}; remove it` });
    }
    const kind = kindOf.get(e.policy);
    const ids = kind === undefined ? [] : (idsOfKind.get(kind) ?? []);
    if (e.glob && ids.length > 1 && ids.every((id) => e.matches(id))) {
      out.push({
        policyId: ALLOWLIST_POLICIES.overBroad,
        subject,
        status: 'fail',
        severity: 'warn',
        fingerprint,
        location,
        message: `allowlist entry for ${e.policy} / ${e.subject} matches all ${ids.length} evaluated ${kind} subjects, which switches the policy off; name the subjects it is for`,
      });
    }
  }
  return out;
}

/**
 * Plugin ids (of `pluginIds`) that a live (not expired) allowlist entry of the streaming policy
 * exempts: in strict streaming mode the accessor lets exactly these load() without a rowLimit,
 * so the run-time guard and the policy gate honour the same written exceptions.
 */
export function unboundedLoadExemptions(allowlist: Allowlist, pluginIds: readonly string[], nowMs: number): string[] {
  const live = allowlist.entries.filter((e) => e.policy === UNBOUNDED_LOADER_POLICY && daysUntil(e.expires, nowMs) >= 0);
  return pluginIds.filter((id) => live.some((e) => e.matches(id))).sort();
}
