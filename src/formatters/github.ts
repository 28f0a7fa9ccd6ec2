/**
 * GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` annotation per
 * problem, grouped per subject (`::group::`), suppressed results as plain log lines with
 * their reason, and the summary counts last.
 *
 * Escaping is the actions toolkit's (`@actions/core` command.ts), which conftest mirrors:
 * data escapes `%`, `\r`, `\n`; properties additionally `:` and `,`. Spectral escaped only
 * `\n`, so a `,` or `:` in a title or path cut the annotation short. On top of that, other
 * control characters are made visible (`\u001b`) so a message cannot recolor the log.
 */
import type { EvaluationReport, PolicyResult } from '../policy/index.ts';
import {
  escapeControls,
  exceedsMaxWarnings,
  groupBy,
  isProblem,
  isSuppressed,
  plural,
  policyById,
  problemCount,
  repoPath,
  resultMessage,
  sortedResults,
  subjectLabel,
  suppressionText,
  warningCount,
} from './shared.ts';
import type { FormatContext } from './types.ts';

/** Message (data) part of a workflow command. */
export function escapeData(s: string): string {
  return escapeControls(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property value (`file=`, `title=`…) of a workflow command. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export type AnnotationCommand = 'error' | 'warning' | 'notice';

export interface AnnotationProperties {
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
  title?: string;
}

/** `::error file=a.ts,line=3,col=5,title=T::message` (property order as the toolkit's). */
export function workflowCommand(command: AnnotationCommand, props: AnnotationProperties, message: string): string {
  const order: (keyof AnnotationProperties)[] = ['file', 'line', 'endLine', 'col', 'endColumn', 'title'];
  const parts = order.filter((k) => props[k] !== undefined).map((k) => `${k}=${escapeProperty(String(props[k]))}`);
  return `::${command}${parts.length > 0 ? ` ${parts.join(',')}` : ''}::${escapeData(message)}`;
}

function commandFor(r: PolicyResult): AnnotationCommand {
  if (r.severity === 'error') return 'error';
  if (r.severity === 'warn') return 'warning';
  return 'notice';
}

function annotation(r: PolicyResult, title: string, ctx: FormatContext): string {
  const props: AnnotationProperties = { title };
  const loc = r.location;
  if (loc) {
    props.file = repoPath(loc.file, ctx.cwd);
    if (loc.line !== undefined) {
      props.line = loc.line;
      if (loc.endLine !== undefined && loc.endLine > loc.line) props.endLine = loc.endLine;
      if (loc.column !== undefined) props.col = loc.column;
      if (loc.endColumn !== undefined && (props.endLine !== undefined || loc.endColumn > (loc.column ?? 0))) props.endColumn = loc.endColumn;
    }
  }
  return workflowCommand(commandFor(r), props, `${resultMessage(r)} [${subjectLabel(r)}]`);
}

export function formatGithub(report: EvaluationReport, ctx: FormatContext): string {
  const policies = policyById(report);
  const shown = sortedResults(report.results).filter((r) => isProblem(r) || isSuppressed(r));
  const out: string[] = [];
  for (const group of groupBy(shown, subjectLabel)) {
    out.push(`::group::${escapeData(group.key)}`);
    for (const r of group.items) {
      const title = policies.get(r.policyId)?.title;
      if (isProblem(r)) {
        out.push(annotation(r, title ? `${r.policyId}: ${title}` : r.policyId, ctx));
      } else {
        // Plain log line, escaped like data so a message can never start a command line.
        out.push(escapeData(`${r.status} ${r.policyId}: ${resultMessage(r)} (${suppressionText(r)})`));
      }
    }
    out.push('::endgroup::');
  }
  const sum = report.summary;
  out.push(
    `policy-eval: ${plural(problemCount(report), 'problem')} (${plural(sum.failed.error, 'error')}, ${plural(sum.failed.warn, 'warning')}, ` +
      `${sum.failed.info} info; ${sum.unknown} of them unknown); ${plural(sum.results, 'result')}: ${sum.passed} passed, ` +
      `${sum.allowlisted} allowlisted, ${sum.baselined} baselined, ${sum.notApplicable} not applicable${(sum.off ?? 0) > 0 ? `, ${sum.off} switched off` : ''}; ` +
      `${sum.fixed} fixed baseline, ${sum.staleAllowlist} stale allowlist`,
  );
  if (exceedsMaxWarnings(report, ctx.maxWarnings)) {
    out.push(workflowCommand('error', { title: 'policy-eval' }, `too many warnings: ${warningCount(report)} (maximum: ${ctx.maxWarnings})`));
  }
  return `${out.join('\n')}\n`;
}
