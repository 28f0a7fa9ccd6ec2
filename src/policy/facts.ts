/**
 * The facts file (`--facts`): JSON validated against schemas/facts.schema.json, with the
 * offending line when it is not JSON. Subject ids are unique per kind.
 */
import { readFileSync, statSync } from 'node:fs';
import { HarnessError } from '../common/errors.ts';
import { validateDocument } from '../common/schema.ts';
import type { SubjectKind } from './result.ts';
import type { FactScope } from './scope.ts';

export const MAX_FACTS_BYTES = 64 * 1024 * 1024;

export interface SubjectFacts {
  kind: SubjectKind;
  id: string;
  [fact: string]: unknown;
}

export interface FactsDocument {
  dataset?: Record<string, unknown>;
  run?: Record<string, unknown>;
  subjects: SubjectFacts[];
}

export function readFactsFile(file: string): FactsDocument {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new HarnessError('usage', `--facts ${file} is a directory, not a facts file`, { file, hint: 'pass --facts <file.json> (stat-harness facts --run <id> --out facts.json writes one)' });
    size = st.size;
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    throw new HarnessError('file-not-found', `cannot read facts file ${file}`, { file, hint: 'pass --facts <file.json>' });
  }
  if (size > MAX_FACTS_BYTES) throw new HarnessError('file-too-large', `${file} is ${size} bytes; facts files are limited to ${MAX_FACTS_BYTES}`, { file });
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  return parseFacts(text, file);
}

export function parseFacts(text: string, file: string): FactsDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's messages do not always carry a position (Node 24: `Unexpected token ']', "…" is
    // not valid JSON`), so the offset is found by a small scanner of our own.
    const offset = jsonErrorOffset(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    const msg = (err as Error).message.replace(/, [\s\S]*" is not valid JSON$/, '').replace(/ in JSON at .*$/, '');
    throw new HarnessError('facts-not-json', `facts file is not valid JSON: ${msg}`, { file, line, column, hint: 'the facts file is JSON (see schemas/facts.schema.json)' });
  }
  validateDocument('facts.schema.json', { file, value, positionOf: (path) => jsonPosition(text, path) }, 'facts file');
  const doc = value as FactsDocument;
  const seen = new Set<string>();
  for (const [i, s] of doc.subjects.entries()) {
    const key = `${s.kind}\u0000${s.id}`;
    if (seen.has(key)) {
      throw new HarnessError('duplicate-subject', `subject ${s.kind} "${s.id}" appears twice (subjects[${i}])`, { file, ...jsonPosition(text, ['subjects', i]) });
    }
    seen.add(key);
  }
  return doc;
}

/** Approximate line/column of a JSON path (enough to point at the right subject). */
function jsonPosition(text: string, path: readonly (string | number)[]): { line: number; column: number } {
  let offset = 0;
  for (const seg of path) {
    if (typeof seg === 'string') {
      const i = text.indexOf(`"${seg}"`, offset);
      if (i < 0) break;
      offset = i;
    } else {
      // nth element of an array: count top-level '{' after the current offset (subjects are objects).
      let depth = 0;
      let count = -1;
      for (let i = text.indexOf('[', offset) + 1; i > 0 && i < text.length; i++) {
        const ch = text[i];
        if (ch === '{' || ch === '[') {
          if (depth === 0 && ++count === seg) {
            offset = i;
            break;
          }
          depth++;
        } else if (ch === '}' || ch === ']') {
          if (depth === 0) break;
          depth--;
        } else if (ch === '"') {
          while (++i < text.length && text[i] !== '"') if (text[i] === '\\') i++;
        }
      }
    }
  }
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
}

/** The evaluation scope of one subject. */
export function scopeFor(doc: FactsDocument, subject: SubjectFacts): FactScope {
  const context: Record<string, unknown> = {};
  if (doc.dataset) context['dataset'] = doc.dataset;
  if (doc.run) context['run'] = doc.run;
  return { subject, context };
}

/** Offset of the first JSON syntax error (a minimal recursive-descent scanner). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else num();
  };
  try {
    value();
    ws();
    return i < text.length ? i : Math.max(0, text.length - 1);
  } catch (at) {
    return typeof at === 'number' ? at : 0;
  }
}
