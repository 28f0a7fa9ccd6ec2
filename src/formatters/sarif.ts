/**
 * SARIF 2.1.0 for code-scanning UIs (GitHub, VS Code SARIF viewer, Azure DevOps).
 *
 * - Every policy is a rule in tool.driver.rules (ruleId = policy id, never collapsed the way
 *   conftest's `main/deny` is), with help text from remediation + docs.
 * - Problems (fail/unknown) and suppressed results (allowlisted/baselined) are results;
 *   suppressed ones carry `suppressions` with the reason, so UIs show them as dismissed.
 * - Passes and not-applicable results are omitted: not every consumer honours `kind`
 *   (a `pass` result can surface as an alert), and omission is valid everywhere. Their
 *   counts travel in run.properties.summary.
 * - `unknown` (a fact was missing) is `kind: fail` at its severity: the gate fails closed,
 *   and SARIF's `open` kind would force level `none`.
 */
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { stableStringify } from '../common/hash.ts';
import type { EvaluationReport, PolicyMeta, PolicyResult, ResultSeverity, SourceLocation } from '../policy/index.ts';
import { isProblem, isSuppressed, repoPath, resultMessage, sortedPolicies, sortedResults } from './shared.ts';
import type { FormatContext } from './types.ts';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
/** The uriBaseId every artifact location is relative to (GitHub's convention). */
export const SRCROOT = '%SRCROOT%';
/** partialFingerprints key: policy + subject + line-shift-proof location (see baseline). */
export const FINGERPRINT_KEY = 'policyFingerprint/v1';

const LEVEL: Record<ResultSeverity, Sarif.Result.level> = { error: 'error', warn: 'warning', info: 'note', off: 'none' };

/** `streaming.unbounded-loader` → `StreamingUnboundedLoader` (SARIF names are identifiers). */
export function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

function isHttpUrl(s: string | undefined): s is string {
  if (s === undefined) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

function helpFor(p: PolicyMeta): Sarif.MultiformatMessageString {
  const text: string[] = [];
  const md: string[] = [`**${p.title}** (owner: ${p.owner}, stage: ${p.stage})`];
  if (p.description) {
    text.push(p.description);
    md.push('', p.description);
  }
  if (p.remediation) {
    text.push(`Remediation: ${p.remediation}`);
    md.push('', `**Remediation:** ${p.remediation}`);
  }
  if (p.docs) {
    text.push(`Docs: ${p.docs}`);
    md.push('', isHttpUrl(p.docs) ? `[Documentation](${p.docs})` : `Documentation: \`${p.docs}\``);
  }
  if (text.length === 0) text.push(p.title);
  return { text: text.join('\n'), markdown: md.join('\n') };
}

function ruleFor(p: PolicyMeta, cwd: string): Sarif.ReportingDescriptor {
  const rule: Sarif.ReportingDescriptor = {
    id: p.id,
    name: ruleName(p.id),
    shortDescription: { text: p.title },
    fullDescription: { text: p.description ?? p.title },
    help: helpFor(p),
    defaultConfiguration: { level: p.stage === 'fail' ? 'error' : 'warning' },
    properties: { tags: [...p.tags].sort(), owner: p.owner, stage: p.stage, subject: p.subject, file: repoPath(p.file, cwd), line: p.line },
  };
  if (isHttpUrl(p.docs)) rule.helpUri = p.docs;
  return rule;
}

/** A result whose policy is not in report.policies (e.g. the engine's `allowlist.expired`). */
function syntheticRule(id: string): Sarif.ReportingDescriptor {
  return {
    id,
    name: ruleName(id),
    shortDescription: { text: id },
    fullDescription: { text: `${id} (reported by policy-eval itself, not by a policy file)` },
    help: { text: id },
    properties: { tags: ['policy-eval'] },
  };
}

/** A repo-relative path as a relative URI reference (each segment percent-encoded). */
export function artifactUri(file: string, cwd: string): Sarif.ArtifactLocation {
  const path = repoPath(file, cwd);
  if (path.startsWith('/') || /^[A-Za-z]:\//.test(path)) return { uri: pathToFileURL(path).href };
  return { uri: path.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function locationFor(loc: SourceLocation, cwd: string): Sarif.Location {
  const physical: Sarif.PhysicalLocation = { artifactLocation: artifactUri(loc.file, cwd) };
  if (loc.line !== undefined) {
    const region: Sarif.Region = { startLine: loc.line };
    if (loc.column !== undefined) region.startColumn = loc.column;
    if (loc.endLine !== undefined && loc.endLine >= loc.line) region.endLine = loc.endLine;
    const sameLine = (loc.endLine ?? loc.line) === loc.line;
    if (loc.endColumn !== undefined && (!sameLine || loc.endColumn > (loc.column ?? 1))) region.endColumn = loc.endColumn;
    if (loc.snippet !== undefined) region.snippet = { text: loc.snippet };
    physical.region = region;
  }
  const out: Sarif.Location = { physicalLocation: physical };
  if (loc.function !== undefined) out.logicalLocations = [{ name: loc.function, kind: 'function' }];
  return out;
}

function suppressionFor(r: PolicyResult): Sarif.Suppression {
  const reason = r.suppression?.reason ?? 'no reason recorded';
  const s: Sarif.Suppression = {
    kind: 'external',
    status: 'accepted',
    justification: r.status === 'baselined' ? `baselined: ${reason}` : `allowlisted: ${reason}`,
  };
  const props: Record<string, string> = { source: r.status === 'baselined' ? 'baseline' : 'allowlist' };
  if (r.suppression?.owner !== undefined) props['owner'] = r.suppression.owner;
  if (r.suppression?.expires !== undefined) props['expires'] = r.suppression.expires;
  s.properties = props;
  return s;
}

function resultFor(r: PolicyResult, ruleIndex: number, ctx: FormatContext): Sarif.Result {
  const subject = `${r.subject.kind} ${r.subject.id}`;
  const text = resultMessage(r) || `${r.policyId} failed for ${subject}`;
  const out: Sarif.Result = {
    ruleId: r.policyId,
    ruleIndex,
    kind: 'fail',
    level: LEVEL[r.severity],
    message: { text },
  };
  if (r.location) out.locations = [locationFor(r.location, ctx.cwd)];
  if (r.fingerprint !== undefined && r.fingerprint !== '') out.partialFingerprints = { [FINGERPRINT_KEY]: r.fingerprint };
  if (isSuppressed(r)) out.suppressions = [suppressionFor(r)];
  const props: Record<string, unknown> = { subject: { kind: r.subject.kind, id: r.subject.id }, status: r.status, severity: r.severity };
  if (r.missingFacts && r.missingFacts.length > 0) props['missingFacts'] = r.missingFacts;
  out.properties = props;
  return out;
}

export function buildSarif(report: EvaluationReport, ctx: FormatContext): Sarif.Log {
  const rules = sortedPolicies(report.policies).map((p) => ruleFor(p, ctx.cwd));
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const reported = sortedResults(report.results).filter((r) => isProblem(r) || isSuppressed(r));
  for (const r of reported) {
    if (!index.has(r.policyId)) {
      index.set(r.policyId, rules.length);
      rules.push(syntheticRule(r.policyId));
    }
  }
  const run: Sarif.Run = {
    tool: {
      driver: {
        name: report.tool.name,
        fullName: 'stat-harness policy-eval',
        version: report.tool.version,
        semanticVersion: report.tool.version,
        rules,
      },
    },
    originalUriBaseIds: { [SRCROOT]: { uri: `${pathToFileURL(ctx.cwd).href.replace(/\/?$/, '/')}` } },
    columnKind: 'utf16CodeUnits',
    results: reported.map((r) => resultFor(r, index.get(r.policyId)!, ctx)),
    properties: { now: report.now, summary: report.summary },
  };
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

export function formatSarif(report: EvaluationReport, ctx: FormatContext): string {
  // Sorted keys: the bytes must not depend on the key order of the report it was given.
  return `${stableStringify(buildSarif(report, ctx), 2)}\n`;
}
