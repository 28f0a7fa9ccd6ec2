/**
 * Known-issue landmarks (known-issues.yaml): recommendations a run is expected to produce,
 * checked only in known-issues mode `on`. Loading is strict (schema + positions); evaluation
 * is a pure function of the landmarks and the run's compliant recommendations.
 */
import { HarnessError } from '../common/errors.ts';
import { validateDocument } from '../common/schema.ts';
import { parseYamlFile, type ParsedYaml } from '../common/yaml.ts';
import type { ActionType, Recommendation, RecommendationWhere } from '../plugins/types.ts';
import { checkRecommendation } from './contract.ts';
import { recommendationSignature } from './signature.ts';

export interface Landmark {
  id: string;
  title: string;
  description?: string;
  plugin_id?: string;
  kind?: string;
  action_type?: ActionType;
  where?: RecommendationWhere;
  contains?: string;
  /** Default 1. */
  min_count: number;
  max_count?: number;
}

export const LANDMARK_STATUSES = ['confirmed', 'missing', 'below_min', 'over_limit'] as const;
export type LandmarkStatus = (typeof LANDMARK_STATUSES)[number];

export interface LandmarkResult {
  id: string;
  title: string;
  status: LandmarkStatus;
  /** Matching recommendations in the run. */
  count: number;
  min_count: number;
  max_count?: number;
  /** Signatures of the matching recommendations, sorted. */
  matched_signatures: string[];
}

interface RawLandmark extends Omit<Landmark, 'min_count'> {
  min_count?: number;
}

/** Load and validate known-issues.yaml; landmarks come back sorted by id. */
export function loadKnownIssues(file: string): Landmark[] {
  return landmarksFromParsed(parseYamlFile(file));
}

/** Validation of an already-parsed document (tests and callers with in-memory YAML). */
export function landmarksFromParsed(parsed: ParsedYaml): Landmark[] {
  validateDocument('known-issues.schema.json', parsed, 'known-issues file');
  const raw = (parsed.value as { landmarks: RawLandmark[] }).landmarks;
  const fail = (code: string, message: string, path: (string | number)[], hint: string): never => {
    const pos = parsed.positionOf(path);
    throw new HarnessError(code, message, { file: parsed.file, line: pos.line, column: pos.column, hint });
  };
  const firstIndex = new Map<string, number>();
  const out: Landmark[] = raw.map((l, i) => {
    const prev = firstIndex.get(l.id);
    if (prev !== undefined) fail('duplicate-landmark', `landmark id "${l.id}" is used twice (landmarks ${prev} and ${i})`, ['landmarks', i, 'id'], 'give each landmark its own id');
    firstIndex.set(l.id, i);
    if (l.plugin_id === undefined && l.kind === undefined && l.action_type === undefined && l.where === undefined && l.contains === undefined) {
      fail('landmark-matches-everything', `landmark "${l.id}" has no matcher, so every recommendation would count`, ['landmarks', i], 'add at least one of plugin_id, kind, action_type, where, contains');
    }
    const min = l.min_count ?? 1;
    if (l.max_count !== undefined && l.max_count < min) {
      fail('landmark-bad-range', `landmark "${l.id}" has max_count ${l.max_count} below min_count ${min}`, ['landmarks', i, 'max_count'], 'make max_count >= min_count (min_count defaults to 1)');
    }
    const landmark: Landmark = { id: l.id, title: l.title, min_count: min };
    if (l.description !== undefined) landmark.description = l.description;
    if (l.plugin_id !== undefined) landmark.plugin_id = l.plugin_id;
    if (l.kind !== undefined) landmark.kind = l.kind;
    if (l.action_type !== undefined) landmark.action_type = l.action_type;
    if (l.where !== undefined) landmark.where = l.where;
    if (l.contains !== undefined) landmark.contains = l.contains;
    if (l.max_count !== undefined) landmark.max_count = l.max_count;
    return landmark;
  });
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Case-insensitive text comparison that ignores whitespace layout but keeps numbers (ids contain digits). */
function foldText(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** `needle` occurs in `hay` in order (other elements may sit between). */
function isOrderedSubsequence(needle: readonly string[], hay: readonly string[]): boolean {
  let j = 0;
  for (const h of hay) if (j < needle.length && h === needle[j]) j++;
  return j === needle.length;
}

export function landmarkMatches(landmark: Landmark, rec: Recommendation): boolean {
  if (landmark.plugin_id !== undefined && rec.plugin_id !== landmark.plugin_id) return false;
  if (landmark.kind !== undefined && rec.kind !== landmark.kind) return false;
  if (landmark.action_type !== undefined && rec.action_type !== landmark.action_type) return false;
  const w = landmark.where;
  if (w !== undefined) {
    const rw = rec.where ?? {};
    if (w.process_ids !== undefined && !isOrderedSubsequence(w.process_ids, rw.process_ids ?? [])) return false;
    for (const k of ['machine', 'close_month', 'key', 'user_id', 'hour_of_day'] as const) {
      if (w[k] !== undefined && rw[k] !== w[k]) return false;
    }
  }
  if (landmark.contains !== undefined && !foldText(rec.text).includes(foldText(landmark.contains))) return false;
  return true;
}

/**
 * Status of each landmark against the run's recommendations. Only recommendations that
 * satisfy the insight contract count (others are skipped here, whatever the caller passes):
 * fewer than min_count matches is `missing` (none) or `below_min`; more than max_count
 * is `over_limit`; otherwise `confirmed`. Sorted by landmark id.
 */
export function evaluateLandmarks(landmarks: readonly Landmark[], recommendations: readonly Recommendation[]): LandmarkResult[] {
  const usable = recommendations.filter((r) => typeof r === 'object' && r !== null && checkRecommendation(String(r.plugin_id), r, '').length === 0);
  return [...landmarks]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((l) => {
      const matched = [...new Set(usable.filter((r) => landmarkMatches(l, r)).map((r) => recommendationSignature(r)))].sort();
      const count = matched.length;
      let status: LandmarkStatus = 'confirmed';
      if (count < l.min_count) status = count === 0 ? 'missing' : 'below_min';
      else if (l.max_count !== undefined && count > l.max_count) status = 'over_limit';
      const result: LandmarkResult = { id: l.id, title: l.title, status, count, min_count: l.min_count, matched_signatures: matched };
      if (l.max_count !== undefined) result.max_count = l.max_count;
      return result;
    });
}
