/**
 * Recommendation signatures: the identity of an insight across runs (docs/insight-contract.md
 * "New insight"). Two recommendations are the same insight when they come from the same
 * plugin, are of the same kind and action type, target exactly the same things, and say the
 * same thing once the wording noise (case, whitespace, the modeled numbers) is removed.
 */
import { sha256Hex, stableStringify } from '../common/hash.ts';
import type { Recommendation, RecommendationWhere } from '../plugins/types.ts';

/** Bumped if the normalization ever changes, so old and new signatures never compare equal by accident. */
export const SIGNATURE_VERSION = 1;

/**
 * Text normalization of the contract: Unicode NFKC, lower case, every number (integers,
 * decimals, thousands separators, exponents, a trailing %) replaced by `#`, whitespace runs
 * collapsed to one space, trimmed, trailing sentence punctuation dropped. Numbers go because a
 * rerun that refines "saves 1,200 s" into "saves 1,150 s" is not a new insight.
 */
export function normalizeRecommendationText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\d+(?:[.,]\d+)*(?:e[+-]?\d+)?%?/g, '#')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/[.!;:,\s]+$/u, '');
}

/** `where` with only the contract's target keys, empty values dropped; process order is kept (it is the run order). */
export function canonicalWhere(where: RecommendationWhere | undefined): RecommendationWhere {
  const w = where ?? {};
  const out: RecommendationWhere = {};
  if (w.process_ids !== undefined && w.process_ids.length > 0) out.process_ids = [...w.process_ids];
  if (w.machine !== undefined && w.machine !== '') out.machine = w.machine;
  if (w.close_month !== undefined && w.close_month !== '') out.close_month = w.close_month;
  if (w.key !== undefined && w.key !== '') out.key = w.key;
  if (w.user_id !== undefined && w.user_id !== '') out.user_id = w.user_id;
  if (w.hour_of_day !== undefined) out.hour_of_day = w.hour_of_day;
  return out;
}

export type SignatureInput = Pick<Recommendation, 'plugin_id' | 'kind' | 'action_type' | 'where' | 'text'>;

/** The components a signature is the hash of (exposed so reports and the docs can show them). */
export function signatureComponents(rec: SignatureInput): { v: number; plugin_id: string; kind: string; action_type: string; where: RecommendationWhere; text_hash: string } {
  return {
    v: SIGNATURE_VERSION,
    plugin_id: rec.plugin_id,
    kind: rec.kind,
    action_type: rec.action_type,
    where: canonicalWhere(rec.where),
    text_hash: sha256Hex(normalizeRecommendationText(rec.text)),
  };
}

/** sha256 (hex) of the signature components serialized with sorted keys. */
export function recommendationSignature(rec: SignatureInput): string {
  return sha256Hex(stableStringify(signatureComponents(rec)));
}
