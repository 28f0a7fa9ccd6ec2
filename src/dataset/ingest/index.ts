/** Ingest: CSV / JSONL / Arrow IPC logs → a normalized, fingerprinted dataset version. */
export { ingestFile, type IngestOptions, type IngestResult } from './ingest.ts';
export { parseMapFlags, resolveMapping, autoRole, type ColumnMapping } from './mapping.ts';
export { parseParams, type ParsedParams } from './params.ts';
export { createTimestampParser, isoUtc, type TimestampParser } from './timestamps.ts';
export { redactValue } from './redaction.ts';
export { datasetFingerprint, FINGERPRINT_DOMAIN } from './fingerprint.ts';
export { INPUT_FORMATS, type InputFormat } from './source.ts';
