/**
 * Insights layer — public face: the insight contract (checkInsightContract), recommendation
 * signatures, the run-to-run novelty comparator and autonomous gate, and known-issue landmarks.
 * See docs/insight-contract.md for the rules these functions enforce.
 */
export {
  batchGroupSequenceId,
  checkBatchGroup,
  checkFinding,
  checkInsightContract,
  checkRecommendation,
  compliantRecommendationIndexes,
  formatContractViolation,
  hasModeledFigure,
  isCloseMonth,
  type ContractViolation,
} from './contract.ts';
export { canonicalWhere, normalizeRecommendationText, recommendationSignature, signatureComponents, SIGNATURE_VERSION, type SignatureInput } from './signature.ts';
export {
  compareSignatures,
  DEFAULT_JACCARD_MAX,
  DEFAULT_NOVELTY_MIN,
  evaluateAutonomousGate,
  type AutonomousGateCheck,
  type AutonomousGateInput,
  type AutonomousGateResult,
  type SignatureComparison,
} from './novelty.ts';
export { evaluateLandmarks, landmarkMatches, landmarksFromParsed, LANDMARK_STATUSES, loadKnownIssues, type Landmark, type LandmarkResult, type LandmarkStatus } from './landmarks.ts';
