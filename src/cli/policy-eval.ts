#!/usr/bin/env node
/** `policy-eval`: evaluate YAML policies against collected facts. Wiring only. */
import { Command } from 'commander';
import { action, configureProgram } from './shared.ts';
import { addCheckOptions, baselineAction, CHECK_EXAMPLES, checkAction, type CheckOptions } from './commands/policy-check.ts';
import { compileAction, docAction, explainAction, formatAction, testAction } from './commands/policy-tools.ts';
import { OUTPUT_FORMATS } from '../formatters/index.ts';

const program = configureProgram(new Command(), 'policy-eval', 'Evaluate stat-harness policies (YAML → json-rules-engine) against facts.');
program.addHelpText('after', CHECK_EXAMPLES);

const collect = (v: string, prev: string[] = []) => [...prev, v];
const common = (cmd: Command) =>
  cmd
    .option('-p, --policies <paths...>', 'policy files or directories (default: policies.dir from the config)')
    .option('--env <KEY=VALUE>', 'set an env toggle (repeatable)', collect)
    .option('--now <date>', 'date for daysUntil/expiry, YYYY-MM-DD (default: today)')
    .option('--engine <engine>', 'evaluator: fast | jre', 'fast');

addCheckOptions(program.command('check', { isDefault: true }).description('evaluate policies against facts (the default command)'))
  .addHelpText('after', CHECK_EXAMPLES)
  .action(action(async (opts: CheckOptions, cmd: Command) => checkAction(cmd, opts)));

common(program.command('compile <policy-id>').description('print the compiled json-rules-engine rule of a policy'))
  .addHelpText('after', '\nExample:\n  $ policy-eval compile streaming.unbounded-loader')
  .action(action((id: string, opts, cmd: Command) => compileAction(cmd, id, opts)));

common(program.command('explain <policy-id>').description('show the condition tree with each fact value and outcome for one subject'))
  .requiredOption('-s, --subject <id>', 'subject id')
  .requiredOption('-f, --facts <file>', 'facts file (JSON)')
  .addHelpText('after', '\nExample:\n  $ policy-eval explain streaming.unbounded-loader --subject legacy_loader_v1 --facts facts.json')
  .action(action(async (id: string, opts, cmd: Command) => explainAction(cmd, id, opts)));

common(program.command('test [paths...]').description('run policy unit tests (default: <policies>/tests/*.test.yaml)'))
  .option('--allow-only', 'accept cases skipped by `only: true` (otherwise they fail the run, as in CI)')
  .addHelpText('after', '\nExample:\n  $ policy-eval test\n  $ policy-eval test policies/tests/streaming.unbounded-loader.test.yaml')
  .action(action(async (paths: string[], opts, cmd: Command) => testAction(cmd, paths, opts)));

common(program.command('doc').description('generate docs/policies.md from the policy files'))
  .option('-o, --output <file>', 'output file (default: docs/policies.md)')
  .option('--check', 'exit 1 when the file is not current (for CI)')
  .action(action((opts, cmd: Command) => docAction(cmd, opts)));

addCheckOptions(program.command('baseline <mode>').description('write: record current violations as accepted; check: fail only on new ones'))
  .addHelpText('after', '\nExamples:\n  $ policy-eval baseline write --facts facts.json\n  $ policy-eval baseline check --facts facts.json --baseline .stat-harness/baseline.json')
  .action(action(async (mode: string, opts: CheckOptions, cmd: Command) => baselineAction(cmd, mode, opts)));

program
  .command('format')
  .description('re-render a saved JSON report in another format')
  .requiredOption('--from <file>', 'report written by --format json')
  .option('--format <format>', `output format: ${OUTPUT_FORMATS.join(' | ')}`, 'text')
  .option('-o, --output <file>', 'write to a file instead of stdout')
  .addHelpText('after', '\nExample:\n  $ policy-eval format --from results.json --format sarif --output results.sarif')
  .action(action((opts, cmd: Command) => formatAction(cmd, opts)));

await program.parseAsync(process.argv);
