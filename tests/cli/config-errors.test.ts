import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';

/** Config and env mistakes stop every command before any work: exit 2, one precise line, no stack. */
describe('config and env toggles through the real binary', () => {
  it('an unknown config key names file, line and the likely key', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.statharnessrc.yaml'), 'store: h.db\nlargeRow: 10\n');
    const r = runCli('statHarness', ['info'], { cwd });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\.statharnessrc\.yaml:2:1 error \[schema\] invalid configuration: unknown key "largeRow" .*did you mean "largeRows"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['STAT_HARNESS_STREAMING_POLICY_STRICT', 'yes'],
    ['STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN', '1e6'],
    ['STAT_HARNESS_KNOWN_ISSUES_MODE', 'maybe'],
  ])('%s=%s is refused by stat-harness and policy-eval alike', (name, value) => {
    for (const bin of ['statHarness', 'policyEval'] as const) {
      const r = runCli(bin, bin === 'statHarness' ? ['info'] : ['test'], { cwd: tempDir(), env: { [name]: value } });
      expect(r.status, `${bin}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`error [invalid-env] ${name}=${JSON.stringify(value)} is not valid`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('--version and --help exit 0; an unknown option exits 2', () => {
    expect(runCli('statHarness', ['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(runCli('policyEval', ['--help']).status).toBe(0);
    expect(runCli('statHarness', ['--bogus']).status).toBe(2);
  });
});
