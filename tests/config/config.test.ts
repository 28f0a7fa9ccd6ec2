import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseEnvToggles } from '../../src/config/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { harnessErrorOf } from '../helpers/errors.ts';

describe('config', () => {
  it('uses defaults without a config file', () => {
    const dir = tempDir();
    const c = loadConfig({ cwd: dir, env: {} });
    expect(c.file).toBeUndefined();
    expect(c.largeRows).toBe(1_000_000);
    expect(c.store).toBe(join(dir, '.stat-harness/harness.db'));
    expect(c.closeWindow).toEqual({ startDay: 20, endDay: 5 });
    expect(c.knownIssues.mode).toBe('off');
  });

  it('finds .statharnessrc.yaml and resolves paths against its directory', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.statharnessrc.yaml'), 'store: data/h.db\nlargeRows: 500\nknownIssues: { mode: on }\n');
    const c = loadConfig({ cwd: dir, env: {} });
    expect(c.file).toBe(join(dir, '.statharnessrc.yaml'));
    expect(c.store).toBe(join(dir, 'data/h.db'));
    expect(c.largeRows).toBe(500);
    expect(c.knownIssues.mode).toBe('on');
  });

  it('rejects an unknown key with its line and a did-you-mean', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.statharnessrc.yaml'), 'store: x.db\nlargeRow: 5\n');
    const e = harnessErrorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(e.exitCode).toBe(2);
    expect(e.line).toBe(2);
    expect(e.message).toContain('unknown key "largeRow"');
    expect(e.message).toContain('did you mean "largeRows"');
  });

  it('rejects a wrong type and an explicit missing config file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.yaml'), 'largeRows: lots\n');
    expect(harnessErrorOf(() => loadConfig({ cwd: dir, configFile: 'c.yaml', env: {} })).message).toContain('largeRows must be integer');
    expect(harnessErrorOf(() => loadConfig({ cwd: dir, configFile: 'nope.yaml', env: {} })).code).toBe('file-not-found');
  });

  it('rejects an unknown time zone and an inverted close window', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tz.yaml'), 'timezone: Mars/Olympus\n');
    expect(harnessErrorOf(() => loadConfig({ cwd: dir, configFile: 'tz.yaml', env: {} })).message).toContain('unknown time zone');
    writeFileSync(join(dir, 'cw.yaml'), 'closeWindow: { startDay: 5, endDay: 10 }\n');
    expect(harnessErrorOf(() => loadConfig({ cwd: dir, configFile: 'cw.yaml', env: {} })).message).toContain('closeWindow.endDay');
  });
});

describe('env toggles', () => {
  it('parses valid values', () => {
    const t = parseEnvToggles({
      STAT_HARNESS_KNOWN_ISSUES_MODE: 'ON',
      STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN: '3',
      STAT_HARNESS_STREAMING_POLICY_STRICT: '1',
    });
    expect(t).toEqual({
      knownIssuesMode: 'on',
      noveltyMin: 3,
      streamingPolicyStrict: true,
      raw: { STAT_HARNESS_KNOWN_ISSUES_MODE: 'on', STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN: '3', STAT_HARNESS_STREAMING_POLICY_STRICT: '1' },
    });
    expect(parseEnvToggles({})).toEqual({ raw: {} });
  });

  it.each([
    ['STAT_HARNESS_KNOWN_ISSUES_MODE', 'maybe'],
    ['STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN', '1e6'],
    ['STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN', '-1'],
    ['STAT_HARNESS_AUTONOMOUS_NOVELTY_MIN', '2.5'],
    ['STAT_HARNESS_STREAMING_POLICY_STRICT', 'true'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    const e = harnessErrorOf(() => parseEnvToggles({ [name]: value }));
    expect(e.code).toBe('invalid-env');
    expect(e.message).toContain(name);
  });
});
