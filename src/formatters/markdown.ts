/**
 * Markdown for a PR comment (GitHub-flavored): a verdict line, a counts table, a table of
 * problems, and collapsible <details> for suppressed, not-applicable and passing results.
 * Every text cell is escaped: a message must not end a table row (`|`, line breaks), open
 * HTML (`<`), format text or links (`*`, `_`, `~`, `` ` ``, `[`), or mention people (`@`).
 */
import type { EvaluationReport, PolicyResult } from '../policy/index.ts';
import {
  escapeControls,
  exceedsMaxWarnings,
  isProblem,
  isSuppressed,
  lines,
  locationLabel,
  notApplicableText,
  plural,
  problemCount,
  resultMessage,
  sortedResults,
  subjectLabel,
  warningCount,
} from './shared.ts';
import type { FormatContext } from './types.ts';

/** One table cell of inline text. */
export function escapeMarkdownCell(s: string): string {
  const escaped = escapeControls(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/[\\`*_[\]|~]/g, (ch) => `\\${ch}`);
  return lines(escaped).join('<br>');
}

/** Inline code for identifiers (policy ids, paths): backticks inside are replaced. */
function code(s: string): string {
  return `\`${escapeControls(s, false).replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const SEVERITY_LABEL = { error: '🔴 error', warn: '🟡 warning', info: '🔵 info', off: 'off' } as const;

function where(r: PolicyResult, ctx: FormatContext): string {
  return r.location ? code(locationLabel(r.location, ctx.cwd)) : '';
}

function details(summary: string, body: string[]): string[] {
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>', ''];
}

export function formatMarkdown(report: EvaluationReport, ctx: FormatContext): string {
  const sum = report.summary;
  const results = sortedResults(report.results);
  const problems = results.filter(isProblem);
  const suppressed = results.filter(isSuppressed);
  const notApplicable = results.filter((r) => r.status === 'not_applicable');
  const passed = results.filter((r) => r.status === 'pass');
  // A violation whose severity resolved to `off` is neither a problem nor a pass.
  const switchedOff = results.filter((r) => !isProblem(r) && (r.status === 'fail' || r.status === 'unknown'));
  const total = problemCount(report);

  const out: string[] = [];
  out.push(total > 0 ? `### ❌ policy-eval: ${plural(total, 'problem')}` : '### ✅ policy-eval: no problems', '');
  if (exceedsMaxWarnings(report, ctx.maxWarnings)) {
    out.push(`> **Too many warnings:** ${warningCount(report)} (maximum: ${ctx.maxWarnings}).`, '');
  }
  out.push(
    ...table(
      ['Result', 'Count'],
      [
        ['Failed (error)', String(sum.failed.error)],
        ['Failed (warning)', String(sum.failed.warn)],
        ['Failed (info)', String(sum.failed.info)],
        ['↳ of which unknown (missing facts)', String(sum.unknown)],
        ['Allowlisted', String(sum.allowlisted)],
        ['Baselined', String(sum.baselined)],
        ['Not applicable', String(sum.notApplicable)],
        ['Passed', String(sum.passed)],
        ['**Total**', `**${sum.results}**`],
      ],
    ),
    '',
    `${plural(sum.policies, 'policy', 'policies')} × ${plural(sum.subjects, 'subject')} evaluated` +
      (sum.fixed > 0 ? ` · ${plural(sum.fixed, 'baseline entry', 'baseline entries')} fixed (prune them)` : '') +
      (sum.staleAllowlist > 0 ? ` · ${plural(sum.staleAllowlist, 'stale allowlist entry', 'stale allowlist entries')}` : '') +
      '.',
    '',
  );

  if (problems.length > 0) {
    out.push(
      '#### Problems',
      '',
      ...table(
        ['Severity', 'Policy', 'Subject', 'Location', 'Message'],
        problems.map((r) => [
          r.status === 'unknown' ? `${SEVERITY_LABEL[r.severity]} (unknown)` : SEVERITY_LABEL[r.severity],
          code(r.policyId),
          code(subjectLabel(r)),
          where(r, ctx),
          escapeMarkdownCell(resultMessage(r)),
        ]),
      ),
      '',
    );
  }
  if (suppressed.length > 0) {
    out.push(
      ...details(
        `Suppressed (${suppressed.length})`,
        table(
          ['Status', 'Policy', 'Subject', 'Reason', 'Owner', 'Expires', 'Message'],
          suppressed.map((r) => [
            r.status,
            code(r.policyId),
            code(subjectLabel(r)),
            escapeMarkdownCell(r.suppression?.reason ?? 'no reason recorded'),
            escapeMarkdownCell(r.suppression?.owner ?? ''),
            escapeMarkdownCell(r.suppression?.expires ?? ''),
            escapeMarkdownCell(resultMessage(r)),
          ]),
        ),
      ),
    );
  }
  if (notApplicable.length > 0) {
    out.push(
      ...details(
        `Not applicable (${notApplicable.length})`,
        table(
          ['Policy', 'Subject', 'Reason'],
          notApplicable.map((r) => [code(r.policyId), code(subjectLabel(r)), escapeMarkdownCell(notApplicableText(r))]),
        ),
      ),
    );
  }
  if (switchedOff.length > 0) {
    out.push(
      ...details(
        `Severity off (${switchedOff.length})`,
        table(
          ['Policy', 'Subject', 'Message'],
          switchedOff.map((r) => [code(r.policyId), code(subjectLabel(r)), escapeMarkdownCell(resultMessage(r))]),
        ),
      ),
    );
  }
  if (passed.length > 0) {
    out.push(...details(`Passed (${passed.length})`, table(['Policy', 'Subject'], passed.map((r) => [code(r.policyId), code(subjectLabel(r))]))));
  }
  return `${out.join('\n').trimEnd()}\n`;
}
