/**
 * Markdown escaping for values that come from data (process ids, keys, params, plugin text).
 * A process id like `P1|x`, `` `rm` `` or `<img onerror=…>` must neither break a table, open a
 * code span, inject HTML nor start a heading. Everything our templates put on a line goes
 * through one of these.
 */

/** Newlines (and other line/paragraph separators) become spaces: data never starts a new block. */
function oneLine(s: string): string {
  return s.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, ' ').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/**
 * Plain inline text placed mid-line by a template: inline markdown punctuation
 * backslash-escaped, HTML characters as entities (block markers cannot matter mid-line, and
 * oneLine keeps data from starting a line).
 */
export function mdText(value: string | number): string {
  return oneLine(String(value))
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Prose from a plugin (recommendation text, summaries): HTML neutralized, structure-bearing
 * characters escaped, but ordinary punctuation (. - ( ) +) left readable.
 */
export function mdProse(value: string): string {
  return oneLine(value)
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/^(\s*)([#>+\-=]|\d+[.)])/, (_m, sp: string, mark: string) => `${sp}\\${mark}`);
}

/**
 * An inline code span whose content is shown verbatim: the fence is one backtick longer than
 * the longest backtick run inside (CommonMark), padded when the value touches a backtick.
 * Inside a table cell a pipe must still be escaped (GFM splits cells before code spans).
 */
export function mdCode(value: string | number, opts: { table?: boolean } = {}): string {
  let s = oneLine(String(value));
  if (opts.table) s = s.replace(/\|/g, '\\|');
  if (s === '') return '` `';
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || (s.startsWith(' ') && s.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** A fenced code block whose fence cannot be closed by the content. */
export function mdFence(content: string, lang = ''): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${content.replace(/\n+$/, '')}\n${fence}`;
}

/** A GFM table; cells are already-escaped markdown (use mdText / mdCode with { table: true }). */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/(?<!\\)\|/g, '\\|')).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

/** `A` → `B` → `C` with each id in its own code span. */
export function mdChain(ids: readonly string[], opts: { table?: boolean } = {}): string {
  return ids.map((id) => mdCode(id, opts)).join(' → ');
}

/** `A`, `B`, `C`: process ids that are a set, not a run order (arrows would claim an order). */
export function mdList(ids: readonly string[], opts: { table?: boolean } = {}): string {
  return ids.map((id) => mdCode(id, opts)).join(', ');
}

/** Arrows only for a batch sequence, whose ids are ordered as they run; a plain list otherwise. */
export function mdProcesses(ids: readonly string[], ordered: boolean, opts: { table?: boolean } = {}): string {
  return ordered ? mdChain(ids, opts) : mdList(ids, opts);
}
