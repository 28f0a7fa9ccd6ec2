/**
 * Stable JSON: the EvaluationReport itself (schemas/policy-report.schema.json), keys sorted
 * at every level and results/policies in the shared order, so equal reports are equal
 * bytes and a saved report can be read back (`parseReportJson`) and re-rendered.
 */
import { HarnessError } from '../common/errors.ts';
import { stableStringify } from '../common/hash.ts';
import { describeSchemaErrors, schemaKeysAt, schemaValidator } from '../common/schema.ts';
import type { EvaluationReport } from '../policy/index.ts';
import { sortedPolicies, sortedResults } from './shared.ts';
import type { FormatContext } from './types.ts';

export const REPORT_SCHEMA = 'policy-report.schema.json';

export function formatJson(report: EvaluationReport, _ctx: FormatContext): string {
  const normalized: EvaluationReport = {
    ...report,
    policies: sortedPolicies(report.policies),
    results: sortedResults(report.results),
  };
  return `${stableStringify(normalized, 2)}\n`;
}

/**
 * Read a report written by `--format json` (for re-rendering in another format). Anything
 * that is not such a report is a HarnessError naming the file and the first problem.
 */
export function parseReportJson(text: string, file: string): EvaluationReport {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new HarnessError('report-json', `${file} is not JSON: ${(err as Error).message}`, {
      file,
      hint: 'pass a file written by `policy-eval --format json`',
    });
  }
  const validate = schemaValidator(REPORT_SCHEMA);
  if (!validate(value)) {
    const problems = describeSchemaErrors(validate.errors ?? [], (p) => schemaKeysAt(validate.schema, p));
    const first = problems[0]!;
    const rest = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new HarnessError('report-schema', `${file} is not a policy-eval report: ${first.message}${rest}`, {
      file,
      hint: `the file must match schemas/${REPORT_SCHEMA} (written by \`policy-eval --format json\`)`,
    });
  }
  return value as EvaluationReport;
}
