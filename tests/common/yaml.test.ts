import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { parseYamlText } from '../../src/common/yaml.ts';

function fail(text: string): HarnessError {
  try {
    parseYamlText(text, 'p.yaml');
  } catch (err) {
    if (err instanceof HarnessError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('strict YAML', () => {
  it.each([
    ['duplicate keys', 'a: 1\na: 2\n', 'yaml-duplicate-key', 2],
    ['tab indentation', 'a:\n\tb: 1\n', 'yaml-tab-as-indent', 2],
    ['js/function tag', 'x: !!js/function "f"\n', 'yaml-tag-resolve-failed', 1],
    ['include tag', 'x: !include other.yaml\n', 'yaml-tag-resolve-failed', 1],
    ['multi-document', 'a: 1\n---\nb: 2\n', 'yaml-multiple-docs', 2],
    ['unclosed quote', 'a: "unclosed\n', 'yaml-missing-char', 2],
  ])('%s is an error with a line', (_name, text, code, line) => {
    const e = fail(text);
    expect(e.code).toBe(code);
    expect(e.file).toBe('p.yaml');
    expect(e.line).toBe(line);
  });

  it('fails fast on an alias bomb', () => {
    const bomb = 'a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    expect(fail(bomb).code).toBe('yaml-alias-limit');
  });

  it('accepts BOM and CRLF, and YAML 1.2 keeps "off" a string', () => {
    expect(parseYamlText('\ufeffa: 1\r\nmode: off\r\n', 'p.yaml').value).toEqual({ a: 1, mode: 'off' });
  });

  it('reports positions of nested paths', () => {
    const p = parseYamlText('a:\n  b:\n    - x\n    - y\n', 'p.yaml');
    expect(p.positionOf(['a', 'b', 1])).toEqual({ line: 4, column: 7 });
  });
});
