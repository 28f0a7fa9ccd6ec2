import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';

describe('stat-harness synth', () => {
  it('writes the log and its truth, deterministically, and prints a summary (no progress bar off a TTY)', () => {
    const dir = tempDir('cli-synth-');
    const a = runCli('statHarness', ['synth', '--rows', '3000', '--seed', '11', '--out', join(dir, 'a.csv'), '--start', '2024-11', '--months', '3']);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/^wrote 3000 rows to .*a\.csv \(2024-11, 3 months, seed 11\)\nground truth: .*a\.csv\.truth\.json — \d+ batch-input clusters, slow machine APPSRV\d\d/);
    const b = runCli('statHarness', ['synth', '--rows', '3000', '--seed', '11', '--out', join(dir, 'b.csv'), '--start', '2024-11', '--months', '3', '--quiet']);
    expect(b.status).toBe(0);
    expect(b.stdout).toBe('');
    expect(readFileSync(join(dir, 'a.csv')).equals(readFileSync(join(dir, 'b.csv')))).toBe(true);
    const truth = JSON.parse(readFileSync(join(dir, 'a.csv.truth.json'), 'utf8')) as { rows: number; start: string };
    expect(truth).toMatchObject({ rows: 3000, start: '2024-11' });
  });

  it.each([
    [['--rows', 'abc', '--seed', '1'], /--rows must be an integer; got "abc"/],
    [['--rows', '1e6', '--seed', '1'], /--rows must be an integer; got "1e6"/],
    [['--rows', '500', '--seed', '1'], /--rows must be an integer from 1000/],
    [['--rows', '2000', '--seed', ''], /--seed must be an integer; got ""/],
    [['--rows', '2000', '--seed', '1', '--start', '2025-02-30'], /--start must be a month YYYY-MM/],
  ])('exits 2 with a precise message for %j', (args, msg) => {
    const dir = tempDir('cli-synth-bad-');
    const r = runCli('statHarness', ['synth', ...args, '--out', join(dir, 'x.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });

  it('exits 2 when a required flag is missing', () => {
    const r = runCli('statHarness', ['synth', '--rows', '2000']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/required option '--seed <s>' not specified/);
  });
});
