/**
 * `key=value;key=value` parameter lists.
 *
 * Each `;`-separated segment is split on its FIRST `=` (values may contain `=`, e.g.
 * `RESOURCES=1:ppn=64`). Keys are trimmed of surrounding whitespace, values are kept
 * verbatim. Decisions, documented in docs/ingest.md:
 * - an empty (or all-blank) segment — `;;`, a trailing `;` — carries no data and is ignored,
 *   not counted as malformed;
 * - a segment without `=` (`B`) or with an empty key (`=3`) is malformed: it is counted with
 *   its source line in data quality, and the raw params string stays in the jobs table, so
 *   nothing is dropped silently;
 * - repeated keys are all kept (one `(row, key, value)` entry each).
 * `A=1;;B;=3;C==4;n=5` → A=1, C="=4", n=5, and 2 malformed pairs (B, =3).
 */
export interface ParsedParams {
  /** Flat [key0, value0, key1, value1, …] (no per-pair objects on the hot path). */
  pairs: string[];
  malformed: number;
}

export function parseParams(text: string): ParsedParams {
  const pairs: string[] = [];
  let malformed = 0;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf(';', start);
    if (end < 0) end = n;
    if (end > start) {
      const eq = text.indexOf('=', start);
      if (eq < 0 || eq >= end) {
        if (text.slice(start, end).trim() !== '') malformed++;
      } else {
        const key = text.slice(start, eq).trim();
        if (key === '') malformed++;
        else pairs.push(key, text.slice(eq + 1, end));
      }
    }
    start = end + 1;
  }
  return { pairs, malformed };
}

