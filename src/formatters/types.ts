/**
 * The formatter contract: a formatter is a pure function of (report, context) → text.
 * No I/O and no clock, so the same report always renders to the same bytes.
 */
import type { EvaluationReport } from '../policy/index.ts';

export interface FormatContext {
  /** Repository root: locations are shown (and SARIF URIs written) relative to it. */
  cwd: string;
  /** ANSI colors (text format only); the CLI decides (TTY, NO_COLOR, --no-color). */
  color: boolean;
  /** `--max-warnings`: formats that print a verdict say when the warnings exceed it. */
  maxWarnings?: number;
  /**
   * `--quiet` (text to a terminal only): list only results failing at error severity; the
   * summary still counts everything. Machine formats ignore it: they are never filtered.
   */
  quiet?: boolean;
  /** Where the policies were loaded from (policy files are shown relative to cwd). */
  policiesDir?: string;
}

export type Formatter = (report: EvaluationReport, ctx: FormatContext) => string;
