/**
 * Baseline of accepted violations. Fingerprints are policy id + subject + a location that
 * survives line shifts: file + enclosing function + hash of the whitespace-normalized call
 * text — never line numbers. New violations fail; baselined ones are reported as such;
 * baseline entries that match nothing any more are counted as fixed (prune candidates).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { hash } from 'node:crypto';
import { stableStringify } from '../common/hash.ts';
import { validateDocument } from '../common/schema.ts';
import type { PolicyResult, SourceLocation, SubjectKind } from './result.ts';

export interface BaselineEntry {
  fingerprint: string;
  policy: string;
  subject: string;
  file?: string;
  function?: string;
}

export interface Baseline {
  version: 1;
  entries: BaselineEntry[];
}

/**
 * `occurrence` (> 0) tells apart identical sites (same file, function and call text) of one
 * violation, counted in source order; the first site has none, so its fingerprint is the plain one.
 */
export function fingerprintFor(policyId: string, subject: { kind: SubjectKind; id: string }, location?: SourceLocation, occurrence = 0): string {
  // One hash over all parts; the call text is whitespace-normalized so reformatting keeps it.
  const snippet = location?.snippet === undefined ? '' : location.snippet.replace(/\s+/g, ' ').trim();
  const base = `${policyId}\u0000${subject.kind}:${subject.id}\u0000${location?.file ?? ''}\u0000${location?.function ?? ''}\u0000${snippet}`;
  const parts = occurrence > 0 ? `${base}\u0000#${occurrence}` : base;
  // crypto.hash: the one-shot form, several times cheaper than createHash per result.
  return hash('sha256', parts, 'hex').slice(0, 32);
}

export function readBaseline(file: string): Baseline {
  if (!existsSync(file)) throw new HarnessError('file-not-found', `baseline ${file} does not exist`, { file, hint: 'create it with `policy-eval baseline write`' });
  if (statSync(file).isDirectory()) throw new HarnessError('usage', `--baseline ${file} is a directory, not a baseline file`, { file, hint: 'pass --baseline <file.json>' });
  const text = readFileSync(file, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HarnessError('baseline-not-json', `baseline is not valid JSON: ${(err as Error).message}`, { file, hint: 'regenerate it with `policy-eval baseline write`' });
  }
  validateDocument('baseline.schema.json', { file, value, positionOf: () => ({ line: 1, column: 1 }) }, 'baseline');
  return value as Baseline;
}

/** Baseline of every currently failing (status fail) result, sorted, no timestamps. */
export function baselineFrom(results: readonly PolicyResult[]): Baseline {
  const byFp = new Map<string, BaselineEntry>();
  for (const r of results) {
    // Every non-pass result has a fingerprint; the check only narrows the type.
    if (r.status !== 'fail' || r.fingerprint === undefined || r.policyId.startsWith('allowlist.')) continue;
    const e: BaselineEntry = { fingerprint: r.fingerprint, policy: r.policyId, subject: `${r.subject.kind}:${r.subject.id}` };
    if (r.location?.file !== undefined) e.file = r.location.file;
    if (r.location?.function !== undefined) e.function = r.location.function;
    byFp.set(r.fingerprint, e);
  }
  return { version: 1, entries: [...byFp.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1)) };
}

export function writeBaseline(file: string, baseline: Baseline): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new HarnessError('usage', `--baseline ${file} is a directory, not a baseline file`, { file, hint: 'pass --baseline <file.json>' });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${stableStringify(baseline, 2)}\n`);
}

export function applyBaseline(results: PolicyResult[], baseline: Baseline): { results: PolicyResult[]; fixed: BaselineEntry[] } {
  const known = new Map(baseline.entries.map((e) => [e.fingerprint, e]));
  const matched = new Set<string>();
  const out = results.map((r) => {
    if (r.status !== 'fail' || r.fingerprint === undefined || !known.has(r.fingerprint)) return r;
    matched.add(r.fingerprint);
    return { ...r, status: 'baselined' as const, suppression: { kind: 'baseline' as const, reason: 'accepted in the baseline' } };
  });
  return { results: out, fixed: baseline.entries.filter((e) => !matched.has(e.fingerprint)) };
}
