import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { FORMATTERS, formatReport, isOutputFormat, OUTPUT_FORMATS, parseOutputFormat } from '../../src/formatters/index.ts';
import { loadFixtureReport } from '../../fixtures/formatters/goldens.ts';

describe('formatter registry', () => {
  it('has one formatter per output format, and nothing else', () => {
    expect(Object.keys(FORMATTERS).sort()).toEqual([...OUTPUT_FORMATS].sort());
    expect(OUTPUT_FORMATS).toEqual(['text', 'json', 'sarif', 'junit', 'github', 'markdown']);
  });

  it('isOutputFormat accepts exactly the registered names', () => {
    for (const f of OUTPUT_FORMATS) expect(isOutputFormat(f)).toBe(true);
    for (const f of ['', 'TEXT', 'stylish', 'xml', 'toString', '__proto__']) expect(isOutputFormat(f)).toBe(false);
  });

  it('an unknown format is a usage error (exit 2) with a did-you-mean, never a fallback to text', () => {
    const report = loadFixtureReport('report');
    let caught: unknown;
    try {
      formatReport('sarf', report, { cwd: '/repo', color: false });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HarnessError);
    const e = caught as HarnessError;
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('usage');
    expect(e.message).toBe('unknown output format "sarf" (did you mean "sarif"?)');
    expect(e.hint).toBe('--format must be one of text, json, sarif, junit, github, markdown');
  });

  it('parseOutputFormat validates a --format value on its own (before any evaluation)', () => {
    expect(parseOutputFormat('junit')).toBe('junit');
    expect(() => parseOutputFormat('gihtub')).toThrow('unknown output format "gihtub" (did you mean "github"?)');
    expect(() => parseOutputFormat('yaml')).toThrow(/^unknown output format "yaml"$/);
  });
});
