/**
 * Known-issues leakage collector: in known-issues mode off no landmark id, landmark title or
 * known-issue section may appear in any output of the run. Scans every file the run wrote
 * (its report directory, plugin artifacts included) for the landmarks of the known-issues
 * file, and the harness-written reports for known-issue sections; reports how many landmarks
 * the run's report.json says were loaded.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { loadKnownIssues, type Landmark } from '../insights/index.ts';
import { REPORT_FILES } from '../report/index.ts';

/** Bytes read per file: reports are small; a huge artifact is scanned on its head only. */
export const LEAK_SCAN_MAX_BYTES = 32 * 1024 * 1024;

export interface KnownIssuesFacts {
  /** `file: landmark id` (or `file: known-issues section`), sorted, unique. */
  leaks: string[];
  landmarksLoaded: number;
}

/** Landmarks to look for: the known-issues file's, or none when it does not exist. */
export function landmarksForScan(file: string): Landmark[] {
  return existsSync(file) ? loadKnownIssues(file) : [];
}

function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Files under dir, recursively, sorted by relative path. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function readHead(file: string): string {
  const size = statSync(file).size;
  if (size <= LEAK_SCAN_MAX_BYTES) return readFileSync(file, 'utf8');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(LEAK_SCAN_MAX_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const SECTION_PATTERNS: readonly RegExp[] = [/^#{1,6}[ \t]*known[ \t_-]*issues?\b/im, /"known_issues"\s*:/, /^\s*known_issues\s*:/m];

/** Leaks in one file's text (`rel` is its path in the run directory). */
export function leaksInText(rel: string, text: string, landmarks: readonly Landmark[], checkSections: boolean): string[] {
  const out: string[] = [];
  const folded = fold(text);
  for (const l of landmarks) {
    // Ids match as whole tokens (an id inside a longer identifier is not that id).
    const id = new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(l.id)}(?![A-Za-z0-9_-])`);
    if (id.test(text) || folded.includes(fold(l.title))) out.push(`${rel}: ${l.id}`);
  }
  if (checkSections && SECTION_PATTERNS.some((p) => p.test(text))) out.push(`${rel}: known-issues section`);
  return out;
}

/** The run's report.json, or undefined when it is missing or not a JSON object. */
function readReport(outDir: string): { known_issues?: { landmarks?: unknown } } | undefined {
  const file = join(outDir, 'report.json');
  if (!existsSync(file)) return undefined;
  try {
    const report: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof report === 'object' && report !== null && !Array.isArray(report) ? report : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a run directory cannot vouch for "no leak": the harness-written reports (and every file
 * its manifest.json lists) must all be present and report.json must parse, otherwise a run
 * whose reports were deleted would read as leak-free. Undefined when the outputs are complete.
 */
export function runOutputsProblem(outDir: string): string | undefined {
  if (!existsSync(outDir)) return `the run directory ${outDir} does not exist`;
  const expected = new Set<string>(REPORT_FILES);
  const manifestFile = join(outDir, 'manifest.json');
  if (existsSync(manifestFile)) {
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    } catch {
      return `${manifestFile} is not JSON`;
    }
    const files = typeof manifest === 'object' && manifest !== null ? (manifest as { files?: unknown }).files : undefined;
    if (Array.isArray(files)) for (const f of files) if (typeof f === 'string') expected.add(f);
  }
  const missing = [...expected].filter((f) => !existsSync(join(outDir, f))).sort();
  if (missing.length > 0) return `${outDir} lacks ${missing.join(', ')}`;
  if (readReport(outDir) === undefined) return `${join(outDir, 'report.json')} is not a JSON object`;
  return undefined;
}

/**
 * Scan a run's output directory. The run manifest records the mode by name and plugin
 * artifacts are the plugins' own free text, so only the harness-written reports are checked
 * for known-issue sections; every file is checked for landmark ids and titles. Undefined
 * (facts left out → the policy is `unknown`, fail-closed) when the outputs are incomplete or
 * unreadable (runOutputsProblem).
 */
export function scanRunOutputs(outDir: string, landmarks: readonly Landmark[]): KnownIssuesFacts | undefined {
  if (runOutputsProblem(outDir) !== undefined) return undefined;
  const report = readReport(outDir)!;
  const leaks = new Set<string>();
  for (const file of listFiles(outDir)) {
    const rel = relative(outDir, file).split(sep).join('/');
    const reportFile = rel !== 'manifest.json' && !rel.startsWith('artifacts/');
    for (const leak of leaksInText(rel, readHead(file), landmarks, reportFile)) leaks.add(leak);
  }
  // The known_issues section (with its landmarks) exists only when the run loaded them.
  const listed = report.known_issues?.landmarks;
  return { leaks: [...leaks].sort(), landmarksLoaded: Array.isArray(listed) ? listed.length : 0 };
}
