/**
 * The external validators the formatter tests run: the real @microsoft/sarif-multitool
 * and xmllint against the committed Jenkins JUnit XSD. A missing tool fails the test with
 * what to install; it never skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Sarif from 'sarif';
import { expect } from 'vitest';
import { FIXTURE_DIR } from '../../fixtures/formatters/goldens.ts';

const require = createRequire(import.meta.url);

/** The multitool's native binary (the npm bin.js passes arguments through a shell). */
function multitoolBinary(): string {
  return require('@microsoft/sarif-multitool') as string;
}

export interface Validation {
  errors: string[];
  warnings: string[];
}

export function validateWithMultitool(sarifText: string): Validation {
  const dir = mkdtempSync(join(tmpdir(), 'sarif-validate-'));
  try {
    return runMultitool(dir, sarifText);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runMultitool(dir: string, sarifText: string): Validation {
  const input = join(dir, 'policy-eval.sarif');
  const output = join(dir, 'validation.sarif');
  writeFileSync(input, sarifText);
  const bin = multitoolBinary();
  expect(existsSync(bin), `sarif-multitool binary missing at ${bin}: run npm install (devDependency @microsoft/sarif-multitool)`).toBe(true);
  const p = spawnSync(bin, ['validate', input, '--output', output], { encoding: 'utf8', timeout: 120_000 });
  expect(p.error, `sarif-multitool did not run: ${String(p.error)}`).toBeUndefined();
  expect(existsSync(output), `sarif-multitool wrote no log (exit ${p.status}): ${p.stdout}${p.stderr}`).toBe(true);
  const result = JSON.parse(readFileSync(output, 'utf8')) as Sarif.Log;
  const vrun = result.runs[0]!;
  const notifications = (vrun.invocations ?? []).flatMap((i) => [...(i.toolExecutionNotifications ?? []), ...(i.toolConfigurationNotifications ?? [])]);
  expect(vrun.invocations?.[0]?.executionSuccessful).toBe(true);
  const ruleText = (r: Sarif.Result): string => {
    if (r.message.text !== undefined) return r.message.text;
    const rule = vrun.tool.driver.rules?.find((x) => x.id === r.ruleId);
    const template = r.message.id === undefined ? undefined : rule?.messageStrings?.[r.message.id]?.text;
    const args = r.message.arguments ?? [];
    return template ? template.replace(/\{(\d+)\}/g, (_, i: string) => args[Number(i)] ?? '') : JSON.stringify(args);
  };
  const describe = (r: Sarif.Result) => `${r.ruleId}: ${ruleText(r)}`;
  return {
    errors: [
      ...(vrun.results ?? []).filter((r) => r.level === 'error').map(describe),
      ...notifications.filter((n) => n.level === 'error').map((n) => n.message.text ?? ''),
    ],
    warnings: (vrun.results ?? []).filter((r) => r.level !== 'error').map(describe),
  };
}

export const JUNIT_XSD = join(FIXTURE_DIR, 'junit/jenkins-junit.xsd');

/** xmllint --schema; a missing xmllint fails the test naming the Debian package (never skips). */
export function xmllint(xml: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'junit-validate-'));
  const file = join(dir, 'policy-eval.xml');
  writeFileSync(file, xml);
  const p = spawnSync('xmllint', ['--schema', JUNIT_XSD, '--noout', file], { encoding: 'utf8', timeout: 60_000 });
  rmSync(dir, { recursive: true, force: true });
  if (p.error && (p.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('xmllint is not installed: install the Debian package libxml2-utils (apt-get install -y libxml2-utils); .ci/run does this');
  }
  return { ok: p.status === 0, output: `${p.stdout}${p.stderr}` };
}

