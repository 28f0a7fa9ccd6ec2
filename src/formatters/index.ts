/**
 * The formatters layer's public face: every `policy-eval --format` value mapped to a pure
 * formatter, in one typed registry (an unknown format is a usage error, never a silent
 * fallback to text as in conftest).
 */
import { HarnessError } from '../common/errors.ts';
import { didYouMeanSuffix } from '../common/suggest.ts';
import type { EvaluationReport } from '../policy/index.ts';
import { formatGithub } from './github.ts';
import { formatJson } from './json.ts';
import { formatJunit } from './junit.ts';
import { formatMarkdown } from './markdown.ts';
import { formatSarif } from './sarif.ts';
import { formatText } from './text.ts';
import type { FormatContext, Formatter } from './types.ts';

export type { FormatContext, Formatter } from './types.ts';
export { parseReportJson, REPORT_SCHEMA } from './json.ts';
export { escapeData, escapeProperty, workflowCommand } from './github.ts';
export { exceedsMaxWarnings, warningCount } from './shared.ts';

export const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'junit', 'github', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const FORMATTERS: Readonly<Record<OutputFormat, Formatter>> = {
  text: formatText,
  json: formatJson,
  sarif: formatSarif,
  junit: formatJunit,
  github: formatGithub,
  markdown: formatMarkdown,
};

/** Conventional file extension per format (for `--output` defaults and goldens). */
export const FORMAT_EXTENSIONS: Readonly<Record<OutputFormat, string>> = {
  text: 'txt',
  json: 'json',
  sarif: 'sarif',
  junit: 'xml',
  github: 'github.txt',
  markdown: 'md',
};

export function isOutputFormat(value: string): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(value);
}

/** Check a `--format` value before any work: an unknown one is a usage error (exit 2) with a did-you-mean. */
export function parseOutputFormat(format: string): OutputFormat {
  if (isOutputFormat(format)) return format;
  throw new HarnessError('usage', `unknown output format "${format}"${didYouMeanSuffix(format, OUTPUT_FORMATS)}`, {
    hint: `--format must be one of ${OUTPUT_FORMATS.join(', ')}`,
  });
}

/** Render a report; an unknown format is a usage error (exit 2), never a fallback to text. */
export function formatReport(format: string, report: EvaluationReport, ctx: FormatContext): string {
  return FORMATTERS[parseOutputFormat(format)](report, ctx);
}
