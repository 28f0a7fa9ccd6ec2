/**
 * JUnit XML for CI test-report views (Jenkins, GitLab, Azure DevOps, dorny/test-reporter).
 * Shape follows the Jenkins JUnit schema (fixtures/formatters/junit/jenkins-junit.xsd):
 * one <testsuite> per policy, one <testcase> per subject; problems (fail/unknown at error or
 * warn severity, like ESLint's junit formatter) are <failure>s; allowlisted, baselined and
 * not-applicable results are <skipped> with the reason as text (that schema gives
 * <skipped> no attributes). No timestamps, hostnames or durations: no clock in formatters.
 */
import type { EvaluationReport, PolicyMeta, PolicyResult } from '../policy/index.ts';
import {
  groupBy,
  isProblem,
  isSuppressed,
  locationLabel,
  notApplicableText,
  repoPath,
  resultMessage,
  sortedPolicies,
  sortedResults,
  subjectLabel,
  suppressionText,
} from './shared.ts';
import type { FormatContext } from './types.ts';

/**
 * Characters XML 1.0 cannot carry at all, not even as character references: C0 controls
 * other than tab/LF/CR, U+FFFE/U+FFFF and unpaired surrogates. They become visible `\uXXXX`.
 */
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function visible(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Text content: `&`, `<`, `>` (so `]]>` cannot appear) and forbidden characters. */
export function escapeXmlText(s: string): string {
  return s.replace(XML_FORBIDDEN, visible).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Attribute values: also quotes, and tab/CR/LF as character references — a parser would
 * otherwise normalize them to spaces and a multi-line message would lose its lines.
 */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function attrs(pairs: [string, string | number | undefined][]): string {
  return pairs
    .filter((p): p is [string, string | number] => p[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`)
    .join('');
}

/** Body of a <failure>: message, where, the suppression/fingerprint facts a reader needs. */
function failureBody(r: PolicyResult, ctx: FormatContext): string {
  const out = [resultMessage(r)];
  if (r.location) {
    const where = locationLabel(r.location, ctx.cwd);
    out.push(`at ${where}${r.location.function ? ` (in ${r.location.function})` : ''}`);
  }
  out.push(`severity: ${r.severity}, status: ${r.status}`);
  if (r.fingerprint !== undefined && r.fingerprint !== '') out.push(`fingerprint: ${r.fingerprint}`);
  return out.join('\n');
}

function skippedText(r: PolicyResult): string {
  if (isSuppressed(r)) return `${suppressionText(r)} — ${resultMessage(r)}`;
  return notApplicableText(r);
}

interface CaseOutcome {
  failures: PolicyResult[];
  skipped: PolicyResult[];
  /** Results that neither fail nor skip but are worth a line (fail at info/off severity). */
  notes: PolicyResult[];
}

function classify(results: readonly PolicyResult[]): CaseOutcome {
  const out: CaseOutcome = { failures: [], skipped: [], notes: [] };
  for (const r of results) {
    if (isProblem(r) && (r.severity === 'error' || r.severity === 'warn')) out.failures.push(r);
    else if (isSuppressed(r) || r.status === 'not_applicable') out.skipped.push(r);
    else if (r.status === 'fail' || r.status === 'unknown') out.notes.push(r);
  }
  return out;
}

function testcase(policyId: string, subject: string, results: PolicyResult[], ctx: FormatContext): { xml: string[]; failed: boolean; skipped: boolean } {
  const c = classify(results);
  const open = `    <testcase${attrs([
    ['name', subject],
    ['classname', policyId],
  ])}`;
  const body: string[] = [];
  // A case that fails is not also skipped: suppressed siblings go to system-out instead.
  const skipped = c.skipped.length > 0 && c.skipped.length === results.length;
  if (skipped) body.push(`      <skipped>${escapeXmlText(c.skipped.map(skippedText).join('\n'))}</skipped>`);
  for (const r of c.failures) {
    const type = r.severity === 'error' ? 'error' : 'warning';
    body.push(`      <failure${attrs([['type', type], ['message', resultMessage(r)]])}>${escapeXmlText(failureBody(r, ctx))}</failure>`);
  }
  const outLines = [...c.notes.map((r) => `${r.severity}: ${resultMessage(r)}`), ...(skipped ? [] : c.skipped.map(skippedText))];
  if (outLines.length > 0) body.push(`      <system-out>${escapeXmlText(outLines.join('\n'))}</system-out>`);
  const xml = body.length === 0 ? [`${open}/>`] : [`${open}>`, ...body, '    </testcase>'];
  return { xml, failed: c.failures.length > 0, skipped };
}

function testsuite(id: string, policy: PolicyMeta | undefined, results: PolicyResult[], ctx: FormatContext) {
  const cases = groupBy(results, subjectLabel).map((g) => testcase(id, g.key, g.items, ctx));
  const failures = cases.filter((c) => c.failed).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const props: [string, string][] = policy
    ? [
        ['title', policy.title],
        ['owner', policy.owner],
        ['stage', policy.stage],
        ['subject', policy.subject],
        ['file', `${repoPath(policy.file, ctx.cwd)}:${policy.line}`],
        ['tags', [...policy.tags].sort().join(',')],
        ...(policy.docs ? ([['docs', policy.docs]] as [string, string][]) : []),
      ]
    : [['title', `${id} (reported by policy-eval itself)`]];
  const xml = [
    `  <testsuite${attrs([
      ['name', id],
      ['tests', cases.length],
      ['failures', failures],
      ['errors', 0],
      ['skipped', skipped],
    ])}>`,
    '    <properties>',
    ...props.map(([name, value]) => `      <property${attrs([['name', name], ['value', value]])}/>`),
    '    </properties>',
    ...cases.flatMap((c) => c.xml),
    '  </testsuite>',
  ];
  return { xml, tests: cases.length, failures, skipped };
}

export function formatJunit(report: EvaluationReport, ctx: FormatContext): string {
  const byPolicy = new Map(sortedPolicies(report.policies).map((p) => [p.id, [] as PolicyResult[]]));
  const meta = new Map(report.policies.map((p) => [p.id, p]));
  for (const r of sortedResults(report.results)) {
    let list = byPolicy.get(r.policyId);
    if (!list) byPolicy.set(r.policyId, (list = []));
    list.push(r);
  }
  const ids = [...byPolicy.keys()].sort();
  const suites = ids.map((id) => testsuite(id, meta.get(id), byPolicy.get(id)!, ctx));
  const total = suites.reduce((n, s) => n + s.tests, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  // The Jenkins schema has no `skipped` on <testsuites>; each <testsuite> carries its own.
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs([
      ['name', report.tool.name],
      ['tests', total],
      ['failures', failures],
      ['errors', 0],
    ])}>`,
    ...suites.flatMap((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}
