/** `policy-eval [check]` and `policy-eval baseline write|check`: evaluate, format, exit 0/1/2. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { HarnessError } from '../../common/errors.ts';
import { formatReport, OUTPUT_FORMATS } from '../../formatters/index.ts';
import {
  baselineFrom,
  exitCodeFor,
  loadAllowlist,
  readBaseline,
  readFactsFile,
  renderExplain,
  runCheck,
  writeBaseline,
  type Allowlist,
  type Baseline,
  type EvaluationReport,
  type FactsDocument,
} from '../../policy/index.ts';
import { EXIT_FAILURES, EXIT_OK, EXIT_USAGE, globalOptions, PACKAGE_VERSION, useColor } from '../shared.ts';
import { collectRunFacts } from './facts.ts';
import { assertFormat, loadPolicySet, parseCount, policyConfig, writeOutput, type CommonPolicyOptions } from './policy-common.ts';

export interface CheckOptions extends CommonPolicyOptions {
  facts?: string;
  run?: string;
  reference?: string;
  requireReference?: boolean;
  format: string;
  output?: string;
  maxWarnings?: string;
  failOn: string;
  allowlist?: string | false;
  baseline?: string;
  explain?: boolean;
  allowEmpty?: boolean;
}

export const CHECK_EXAMPLES = `
Examples:
  $ policy-eval --facts facts.json
  $ policy-eval check --policies policies/ --facts facts.json --format sarif --output results.sarif
  $ policy-eval --facts facts.json --env STAT_HARNESS_STREAMING_POLICY_STRICT=1   # what would fail if strict
  $ policy-eval --facts facts.json --format github --max-warnings 0
  $ policy-eval --facts facts.json --explain 2> explain.txt

Exit codes: 0 no failing result; 1 failing results (or warnings over --max-warnings);
2 usage, config or load error, or nothing evaluated (unless --allow-empty).`;

export function addCheckOptions(cmd: Command): Command {
  return cmd
    .option('-p, --policies <paths...>', 'policy files or directories (default: policies.dir from the config)')
    .option('-f, --facts <file>', 'facts file (JSON, schemas/facts.schema.json)')
    .option('--run <id>', 'collect facts from a recorded run (stat-harness facts --run <id> shows them)')
    .option('--reference <snapshot.json>', 'with --run: novelty reference snapshot (stat-harness evidence snapshot)')
    .option('--require-reference', 'with --run: no reference run → novelty facts unknown (fail closed) instead of not applicable')
    .option('--format <format>', `output format: ${OUTPUT_FORMATS.join(' | ')}`, 'text')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--max-warnings <n>', 'exit 1 when more than n warnings fail')
    .option('--fail-on <severity>', 'lowest failing severity that exits 1: warn | error', 'error')
    .option('--allowlist <file>', 'allowlist (default: policies.allowlist from the config, when it exists)')
    .option('--no-allowlist', 'ignore the allowlist')
    .option('--baseline <file>', 'apply a baseline of accepted violations')
    .option('--now <date>', 'date for expiry checks, YYYY-MM-DD (default: today, recorded in the output)')
    .option('--engine <engine>', 'evaluator: fast (closures over the compiled rules) | jre (json-rules-engine)', 'fast')
    .option('--env <KEY=VALUE>', 'set an env toggle for this evaluation (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--explain', 'print each result’s condition trace to stderr')
    .option('--allow-empty', 'exit 0 when no policy or no subject was evaluated');
}

interface Evaluated {
  report: EvaluationReport;
  rawFailing: Baseline;
  empty: boolean;
}

async function evaluate(cmd: Command, opts: CheckOptions, withBaseline: Baseline | undefined): Promise<Evaluated> {
  if (opts.run !== undefined && opts.facts !== undefined) throw new HarnessError('usage', 'pass either --facts <file.json> or --run <id>, not both');
  if ((opts.reference !== undefined || opts.requireReference) && opts.run === undefined) {
    throw new HarnessError('usage', '--reference and --require-reference apply to --run <id> (a facts file already carries its novelty facts)');
  }
  if (opts.facts === undefined && opts.run === undefined) throw new HarnessError('usage', 'no facts: pass --facts <file.json> or --run <id>', { hint: 'run `policy-eval --help` for examples' });
  if (opts.failOn !== 'warn' && opts.failOn !== 'error') throw new HarnessError('usage', `--fail-on must be warn or error, got "${opts.failOn}"`);
  if (opts.maxWarnings !== undefined) parseCount(opts.maxWarnings, '--max-warnings');
  const config = policyConfig(cmd, opts);
  const { set, now } = loadPolicySet(opts, config);
  const facts: FactsDocument =
    opts.run !== undefined
      ? await collectRunFacts(config, { run: opts.run, ...(opts.reference === undefined ? {} : { reference: opts.reference }), ...(opts.requireReference ? { requireReference: true } : {}) })
      : readFactsFile(resolve(opts.facts!));
  let allowlist: Allowlist | undefined;
  if (opts.allowlist !== false) {
    const file = opts.allowlist === undefined ? config.policies.allowlist : resolve(opts.allowlist);
    if (opts.allowlist !== undefined || existsSync(file)) allowlist = loadAllowlist(file, displayPath(file));
  }
  const out = await runCheck({
    set,
    facts,
    env: config.env,
    now,
    version: PACKAGE_VERSION,
    ...(allowlist ? { allowlist } : {}),
    ...(withBaseline ? { baseline: withBaseline } : {}),
    ...(opts.explain ? { explain: true } : {}),
  });
  if (opts.explain) {
    for (const r of out.report.results) {
      if (r.explain?.violation) process.stderr.write(renderExplain(r, { ...(r.explain.applies ? { applies: r.explain.applies } : {}), violation: r.explain.violation }));
    }
  }
  // Post-allowlist results: allowlisted violations stay the allowlist's (expiring) business.
  return { report: out.report, rawFailing: baselineFrom(out.report.results), empty: set.policies.length === 0 || facts.subjects.length === 0 || out.raw.length === 0 };
}

function displayPath(file: string): string {
  const cwd = process.cwd();
  return file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
}

/**
 * --quiet narrows only what a person reads: the text format on the terminal lists just the
 * results failing at error severity (the summary still counts all). Machine formats and
 * --output files always carry every result — allowlisted ones included — so a JSON report
 * never disagrees with its own summary.
 */
function render(cmd: Command, opts: CheckOptions, report: EvaluationReport): void {
  const g = globalOptions(cmd);
  const toTerminal = opts.format === 'text' && opts.output === undefined;
  const text = formatReport(opts.format, report, {
    cwd: process.cwd(),
    color: toTerminal && useColor(process.stdout, g),
    ...(toTerminal && g.quiet ? { quiet: true } : {}),
    ...(opts.maxWarnings === undefined ? {} : { maxWarnings: parseCount(opts.maxWarnings, '--max-warnings') }),
  });
  writeOutput(text, opts.output);
}

function emptyCheck(opts: CheckOptions, empty: boolean): number | undefined {
  if (!empty || opts.allowEmpty) return undefined;
  process.stderr.write('error [nothing-evaluated] no policy was evaluated against any subject (no policies, no subjects, or no policy for the subjects’ kinds)\n  hint: check --policies and --facts, or pass --allow-empty\n');
  return EXIT_USAGE;
}

export async function checkAction(cmd: Command, opts: CheckOptions): Promise<number> {
  assertFormat(opts.format);
  const baseline = opts.baseline === undefined ? undefined : readBaseline(resolve(opts.baseline));
  const { report, empty } = await evaluate(cmd, opts, baseline);
  const bad = emptyCheck(opts, empty);
  if (bad !== undefined) return bad;
  render(cmd, opts, report);
  if (baseline && report.summary.fixed > 0 && !globalOptions(cmd).quiet) {
    process.stderr.write(`note: ${report.summary.fixed} baseline entr${report.summary.fixed === 1 ? 'y no longer matches' : 'ies no longer match'} a violation; run \`policy-eval baseline write\` to prune\n`);
  }
  return exitCodeFor(report, { failOn: opts.failOn as 'warn' | 'error', ...(opts.maxWarnings === undefined ? {} : { maxWarnings: parseCount(opts.maxWarnings, '--max-warnings') }) }) === 0 ? EXIT_OK : EXIT_FAILURES;
}

export async function baselineAction(cmd: Command, mode: string, opts: CheckOptions): Promise<number> {
  const config = policyConfig(cmd, opts);
  const file = opts.baseline === undefined ? config.policies.baseline : resolve(opts.baseline);
  if (mode === 'write') {
    const { baseline: _ignored, ...withoutBaseline } = opts;
    const { rawFailing, empty } = await evaluate(cmd, withoutBaseline, undefined);
    const bad = emptyCheck(opts, empty);
    if (bad !== undefined) return bad;
    writeBaseline(file, rawFailing);
    process.stdout.write(`wrote ${rawFailing.entries.length} fingerprint${rawFailing.entries.length === 1 ? '' : 's'} to ${displayPath(file)}\n`);
    return EXIT_OK;
  }
  if (mode === 'check') return checkAction(cmd, { ...opts, baseline: file });
  throw new HarnessError('usage', `baseline takes "write" or "check", got "${mode}"`);
}
