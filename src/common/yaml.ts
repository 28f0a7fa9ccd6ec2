import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { HarnessError } from './errors.ts';

/** Parsing a 20 MB one-line flow document took 19 s and 2.3 GB: refuse before parsing. */
export const MAX_YAML_BYTES = 2 * 1024 * 1024;
/** Bounded alias expansion ("billion laughs" fails fast in toJS). */
export const MAX_YAML_ALIASES = 100;

export interface ParsedYaml {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  value: unknown;
  /**
   * 1-based line/column of a path inside the document (nearest existing ancestor); the value
   * by default, the key itself with `{ key: true }` (for "unknown key" errors).
   */
  positionOf(path: readonly (string | number)[], options?: { key?: boolean }): { line: number; column: number };
}

/**
 * Strict YAML: duplicate keys, tabs, multi-documents, unknown tags (`!!js/function`,
 * `!include`) — which yaml 2 only *warns* about — and alias bombs are all errors with
 * file:line:column. A UTF-8 BOM and CRLF line ends are fine.
 */
export function parseYamlFile(file: string, maxBytes = MAX_YAML_BYTES): ParsedYaml {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new HarnessError('not-a-file', `${file} is a directory, expected a YAML file`, { file });
    size = st.size;
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    throw new HarnessError('file-not-found', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file, hint: 'check the path' });
  }
  if (size > maxBytes) {
    throw new HarnessError('file-too-large', `${file} is ${size} bytes; YAML files are limited to ${maxBytes} bytes`, {
      file,
      hint: 'split the file, or check that it is the file you meant',
    });
  }
  const bytes = readFileSync(file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HarnessError('encoding', `${file} is not valid UTF-8`, { file, hint: 'save the file as UTF-8' });
  }
  return parseYamlText(text, file);
}

export function parseYamlText(text: string, file: string): ParsedYaml {
  if (text.length > MAX_YAML_BYTES) {
    throw new HarnessError('file-too-large', `${file} is larger than ${MAX_YAML_BYTES} characters`, { file });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2' });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    const first = problems[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    const msg = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new HarnessError(`yaml-${first.code.toLowerCase().replace(/_/g, '-')}`, msg, {
      file,
      line: pos.line,
      column: pos.col,
      hint: hintForYamlCode(first.code),
    });
  }
  // A second document is a multi-document stream: parseDocument reports it as an error above.
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    throw new HarnessError('yaml-alias-limit', `alias expansion exceeds the limit of ${MAX_YAML_ALIASES} (${(err as Error).message})`, {
      file,
      hint: 'write the values out instead of nesting aliases',
    });
  }
  return {
    file,
    doc,
    lineCounter,
    value,
    positionOf(path, options) {
      const node = nearestNode(doc, path, options?.key ?? false);
      const offset = node?.range?.[0] ?? 0;
      const p = lineCounter.linePos(offset);
      return { line: p.line, column: p.col };
    },
  };
}

function nearestNode(doc: Document.Parsed, path: readonly (string | number)[], atKey: boolean): Node | undefined {
  let node: unknown = doc.contents;
  let best: Node | undefined = (doc.contents as Node | null) ?? undefined;
  for (const [i, seg] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg));
      if (!pair) break;
      const last = i === path.length - 1;
      // Point at the key for a missing/odd value or when asked, at the value otherwise.
      best = (last && atKey ? (pair.key as Node) : ((pair.value as Node | null) ?? (pair.key as Node))) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      best = item;
      node = item;
    } else {
      break;
    }
  }
  return best;
}

function hintForYamlCode(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'remove or rename one of the duplicate keys';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'TAG_RESOLVE_FAILED':
    case 'BAD_TAG':
      return 'custom tags (!!js/function, !include, …) are not supported; write plain values';
    case 'MULTIPLE_DOCS':
      return 'put one document per file (remove the extra `---`)';
    default:
      return undefined;
  }
}
