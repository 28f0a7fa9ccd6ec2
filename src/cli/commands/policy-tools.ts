/** `policy-eval compile | explain | test | doc | format`. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { HarnessError } from '../../common/errors.ts';
import { didYouMeanSuffix } from '../../common/suggest.ts';
import { formatReport, parseReportJson } from '../../formatters/index.ts';
import { evaluateOne, loadPolicies, readFactsFile, renderExplain, renderPolicyDocs, runPolicyTests } from '../../policy/index.ts';
import { EXIT_FAILURES, EXIT_OK, globalOptions, paint, useColor } from '../shared.ts';
import { assertFormat, findPolicy, loadCompiled, loadPolicySet, parseEngine, parseNow, policyConfig, policyPaths, writeOutput, type CommonPolicyOptions } from './policy-common.ts';

export function compileAction(cmd: Command, id: string, opts: CommonPolicyOptions): number {
  const config = policyConfig(cmd, opts);
  const policy = findPolicy(loadCompiled(opts, config), id);
  process.stdout.write(`${JSON.stringify(policy.rule, null, 2)}\n`);
  return EXIT_OK;
}

export async function explainAction(cmd: Command, id: string, opts: CommonPolicyOptions & { subject?: string; facts?: string }): Promise<number> {
  if (opts.facts === undefined) throw new HarnessError('usage', 'explain needs --facts <file.json>');
  if (opts.subject === undefined) throw new HarnessError('usage', 'explain needs --subject <id>');
  const config = policyConfig(cmd, opts);
  const { set } = loadPolicySet(opts, config);
  const policy = findPolicy(set.policies, id);
  const facts = readFactsFile(resolve(opts.facts));
  const ofKind = facts.subjects.filter((s) => s.kind === policy.subject);
  const subject = ofKind.find((s) => s.id === opts.subject);
  if (!subject) {
    throw new HarnessError('unknown-subject', `no ${policy.subject} subject "${opts.subject}" in ${opts.facts}${didYouMeanSuffix(opts.subject, ofKind.map((s) => s.id))}`, {
      hint: `${id} evaluates ${policy.subject} subjects`,
    });
  }
  const { result, trace } = await evaluateOne(set, id, facts, subject, { env: config.env });
  process.stdout.write(renderExplain(result, trace));
  return EXIT_OK;
}

export async function testAction(cmd: Command, paths: string[], opts: CommonPolicyOptions & { allowOnly?: boolean }): Promise<number> {
  const config = policyConfig(cmd, opts);
  const [policiesDir] = policyPaths(opts, config);
  const testPaths = paths.length > 0 ? paths.map((p) => resolve(p)) : [join(policiesDir!, 'tests')];
  const run = await runPolicyTests({ policiesDir: policiesDir!, testPaths, baseConfig: config, cwd: process.cwd(), engine: parseEngine(opts.engine), now: parseNow(opts.now).now, parity: paths.length === 0, allowOnly: opts.allowOnly === true });
  const c = paint(useColor(process.stdout, globalOptions(cmd)));
  const lines: string[] = [];
  for (const o of run.outcomes) {
    if (!o.passed) lines.push(`${c.red('FAIL')} ${o.file}:${o.line} ${o.policy} › ${o.name}\n     ${o.detail}`);
  }
  for (const p of run.parity) lines.push(`${c.red('FAIL')} parity: ${p}`);
  for (const p of run.only) lines.push(`${c.red('FAIL')} only: ${p}`);
  if (run.skipped > 0 && run.only.length === 0) lines.push(c.yellow(`note: ${run.skipped} case${run.skipped === 1 ? '' : 's'} skipped because some case is marked only: true`));
  const summary = `${run.passed} passed, ${run.failed} failed`;
  lines.push(run.failed > 0 ? c.red(summary) : c.green(summary));
  process.stdout.write(`${lines.join('\n')}\n`);
  return run.failed > 0 ? EXIT_FAILURES : EXIT_OK;
}

export function docAction(cmd: Command, opts: CommonPolicyOptions & { output?: string; check?: boolean }): number {
  const config = policyConfig(cmd, opts);
  // Docs depend on the policy files alone: default thresholds, no toggles set.
  const defs = loadPolicies(policyPaths(opts, config), { config: { ...config, env: { raw: {} } }, cwd: config.rootDir });
  const text = renderPolicyDocs(defs);
  const out = resolve(opts.output ?? join(config.rootDir, 'docs/policies.md'));
  if (opts.check) {
    const current = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
    if (current === text) {
      process.stdout.write(`${out} is current\n`);
      return EXIT_OK;
    }
    process.stderr.write(`error [docs-stale] ${out} is ${current === undefined ? 'missing' : 'out of date with the policy files'}\n  hint: run \`policy-eval doc\` and commit the result\n`);
    return EXIT_FAILURES;
  }
  writeOutput(text, out);
  if (!globalOptions(cmd).quiet) process.stdout.write(`wrote ${out} (${defs.length} policies)\n`);
  return EXIT_OK;
}

export function formatAction(cmd: Command, opts: { from?: string; format: string; output?: string; maxWarnings?: string }): number {
  if (opts.from === undefined) throw new HarnessError('usage', 'format needs --from <report.json> (written by `policy-eval --format json`)');
  assertFormat(opts.format);
  const file = resolve(opts.from);
  if (!existsSync(file)) throw new HarnessError('file-not-found', `cannot read ${opts.from}`, { file: opts.from });
  const report = parseReportJson(readFileSync(file, 'utf8'), opts.from);
  const g = globalOptions(cmd);
  writeOutput(formatReport(opts.format, report, { cwd: process.cwd(), color: opts.format === 'text' && opts.output === undefined && useColor(process.stdout, g) }), opts.output);
  return EXIT_OK;
}

