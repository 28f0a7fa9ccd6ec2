/**
 * Stylish text, like ESLint's default formatter: results grouped by subject, one aligned
 * row per problem or suppressed result (location, severity, policy, message), and the
 * summary counts at the end. Passes and not-applicable results appear only in the counts.
 * The message is the last column so a multi-line message continues under itself.
 */
import type { EvaluationReport, PolicyResult } from '../policy/index.ts';
import {
  escapeControls,
  exceedsMaxWarnings,
  groupBy,
  isProblem,
  isSuppressed,
  lines,
  locationLabel,
  plural,
  problemCount,
  resultMessage,
  sortedResults,
  subjectLabel,
  suppressionText,
} from './shared.ts';
import type { FormatContext } from './types.ts';

interface Style {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  blue(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  underline(s: string): string;
}

function style(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (enabled && s !== '' ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    blue: wrap(34, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    underline: wrap(4, 24),
  };
}

function statusLabel(r: PolicyResult): string {
  if (r.status === 'allowlisted' || r.status === 'baselined') return r.status;
  switch (r.severity) {
    case 'error':
      return 'error';
    case 'warn':
      return 'warning';
    case 'info':
      return 'info';
    default:
      return 'off';
  }
}

function paintStatus(s: Style, r: PolicyResult, label: string): string {
  if (isSuppressed(r)) return s.dim(label);
  if (r.severity === 'error') return s.red(label);
  if (r.severity === 'warn') return s.yellow(label);
  return s.blue(label);
}

interface Row {
  result: PolicyResult;
  policy: string;
  where: string;
  label: string;
  messageLines: string[];
  /** The suppression reason, printed dimmed under the message. */
  noteLines: string[];
}

function rowFor(r: PolicyResult, ctx: FormatContext): Row {
  return {
    result: r,
    policy: escapeControls(r.policyId, false),
    where: r.location ? escapeControls(locationLabel(r.location, ctx.cwd), false) : '-',
    label: statusLabel(r),
    messageLines: lines(escapeControls(resultMessage(r))),
    noteLines: isSuppressed(r) ? lines(escapeControls(suppressionText(r))) : [],
  };
}

export function formatText(report: EvaluationReport, ctx: FormatContext): string {
  const s = style(ctx.color);
  const shown = sortedResults(report.results).filter(ctx.quiet === true ? (r) => isProblem(r) && r.severity === 'error' : (r) => isProblem(r) || isSuppressed(r));
  const out: string[] = [];

  for (const group of groupBy(shown, subjectLabel)) {
    const rows = group.items.map((r) => rowFor(r, ctx));
    const whereWidth = Math.max(...rows.map((r) => r.where.length));
    const labelWidth = Math.max(...rows.map((r) => r.label.length));
    const policyWidth = Math.max(...rows.map((r) => r.policy.length));
    out.push(s.underline(escapeControls(group.key, false)));
    for (const row of rows) {
      const head =
        `  ${s.dim(row.where.padEnd(whereWidth))}  ${paintStatus(s, row.result, row.label.padEnd(labelWidth))}  ` +
        `${s.dim(row.policy.padEnd(policyWidth))}  `;
      const indent = ' '.repeat(2 + whereWidth + 2 + labelWidth + 2 + policyWidth + 2);
      const [first = '', ...rest] = row.messageLines;
      out.push(`${head}${first}`.trimEnd());
      for (const line of rest) out.push(`${indent}${line}`.trimEnd());
      for (const line of row.noteLines) out.push(`${indent}${s.dim(line)}`.trimEnd());
    }
    out.push('');
  }

  out.push(...summaryLines(report, ctx, s));
  return `${out.join('\n')}\n`;
}

function summaryLines(report: EvaluationReport, ctx: FormatContext, s: Style): string[] {
  const sum = report.summary;
  const problems = problemCount(report);
  const out: string[] = [];
  const parts = `${plural(sum.failed.error, 'error')}, ${plural(sum.failed.warn, 'warning')}, ${sum.failed.info} info`;
  const unknown = sum.unknown > 0 ? `; ${sum.unknown} of them unknown (missing facts)` : '';
  if (problems > 0) {
    const color = sum.failed.error > 0 ? s.red : sum.failed.warn > 0 ? s.yellow : s.blue;
    out.push(color(s.bold(`✖ ${plural(problems, 'problem')} (${parts}${unknown})`)));
  } else {
    out.push(s.green(s.bold('✔ no problems')));
  }
  out.push(
    `  ${plural(sum.results, 'result')} for ${plural(sum.policies, 'policy', 'policies')} × ${plural(sum.subjects, 'subject')}: ` +
      `${sum.passed} passed, ${sum.allowlisted} allowlisted, ${sum.baselined} baselined, ${sum.notApplicable} not applicable` +
      ((sum.off ?? 0) > 0 ? `, ${sum.off} switched off (severity off)` : ''),
  );
  if (sum.fixed > 0) out.push(s.dim(`  ${plural(sum.fixed, 'baseline entry', 'baseline entries')} fixed: prune with \`policy-eval baseline write\``));
  if (sum.staleAllowlist > 0) out.push(s.dim(`  ${plural(sum.staleAllowlist, 'allowlist entry', 'allowlist entries')} matched nothing (stale)`));
  if (exceedsMaxWarnings(report, ctx.maxWarnings)) {
    out.push(s.red(`policy-eval found too many warnings (maximum: ${ctx.maxWarnings}).`));
  }
  return out;
}
