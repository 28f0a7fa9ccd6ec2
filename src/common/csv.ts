/**
 * One CSV cell as we write it (RFC 4180 quoting). Cells starting with `=`, `+`, `-`, `@`,
 * tab or CR are prefixed with `'` so no spreadsheet ever evaluates them as formulas
 * (OWASP CSV injection guidance). Numbers are written as numbers, so negative figures stay
 * numeric.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = value;
  // Also a value that already starts with ' before a formula character: the ingest removes one '.
  if (/^'*[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== value ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\n`;
}
