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

/**
 * A GitHub comment is limited to 65,536 characters and one over it is not posted at all, so
 * the comment has a character budget: long tables are cut (deterministically) with a pointer
 * to the full report, problems get the largest share, and one message cell is capped.
 */
export const MAX_COMMENT_CHARS = 60_000;
/** Kept free for the collapsible sections while the problems table is filled. */
const DETAILS_RESERVE = 12_000;
export const MAX_DETAIL_ROWS = 50;
export const MAX_MESSAGE_CHARS = 500;

interface Budget {
  remaining: number;
}

/**
 * A table within the budget: `reserve` characters are left for what follows, and with
 * `shareOf: n` the table takes at most 1/n of what is left (n sections still to come).
 */
function table(header: string[], rows: string[][], budget: Budget, opts: { maxRows?: number; reserve?: number; shareOf?: number } = {}): string[] {
  const out = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  const limit = Math.floor((budget.remaining - (opts.reserve ?? 0)) / (opts.shareOf ?? 1));
  let used = out.join('\n').length + 1;
  let shown = 0;
  for (const r of rows) {
    const line = `| ${r.join(' | ')} |`;
    if (shown >= (opts.maxRows ?? Infinity) || used + line.length + 1 > limit) break;
    out.push(line);
    used += line.length + 1;
    shown++;
  }
  if (rows.length > shown) out.push('', `…and ${rows.length - shown} more (see the JSON or SARIF report for all of them).`);
  budget.remaining -= used;
  return out;
}

/** A message cell, cut before escaping so no escape sequence is split. */
function messageCell(text: string): string {
  const chars = [...text];
  return escapeMarkdownCell(chars.length > MAX_MESSAGE_CHARS ? `${chars.slice(0, MAX_MESSAGE_CHARS).join('')}…` : text);
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
  const budget: Budget = { remaining: MAX_COMMENT_CHARS - 2_000 };
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
        ...((sum.off ?? 0) > 0 ? [['Switched off (severity off)', String(sum.off)]] : []),
        ['Passed', String(sum.passed)],
        ['**Total**', `**${sum.results}**`],
      ],
      budget,
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
          messageCell(resultMessage(r)),
        ]),
        budget,
        { reserve: DETAILS_RESERVE },
      ),
      '',
    );
  }
  // Collapsible sections still to render share what the problems left.
  let sectionsLeft = [suppressed, notApplicable, switchedOff, passed].filter((list) => list.length > 0).length;
  const share = () => ({ maxRows: MAX_DETAIL_ROWS, shareOf: sectionsLeft-- });
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
            messageCell(resultMessage(r)),
          ]),
          budget,
          share(),
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
          notApplicable.map((r) => [code(r.policyId), code(subjectLabel(r)), messageCell(notApplicableText(r))]),
          budget,
          share(),
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
          switchedOff.map((r) => [code(r.policyId), code(subjectLabel(r)), messageCell(resultMessage(r))]),
          budget,
          share(),
        ),
      ),
    );
  }
  if (passed.length > 0) {
    out.push(...details(`Passed (${passed.length})`, table(['Policy', 'Subject'], passed.map((r) => [code(r.policyId), code(subjectLabel(r))]), budget, share())));
  }
  return `${out.join('\n').trimEnd()}\n`;
}
