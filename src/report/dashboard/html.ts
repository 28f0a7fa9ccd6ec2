/**
 * HTML building blocks for the dashboard. Every value that comes from data (process ids,
 * keys, plugin prose, dataset names) reaches the page through `esc`; templates only ever
 * concatenate escaped strings, and attributes are always double-quoted.
 */
import { createHash } from 'node:crypto';

/** C0 controls (but tab / newline / carriage return) and DEL are invalid in HTML text: dropped. */
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text and attribute escaping in one: `& < > " '` as entities, so the result is safe both as
 * element content and inside a double- or single-quoted attribute value.
 */
export function esc(value: string | number): string {
  return String(value)
    .replace(CONTROL_CHARS, '')
    .replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** An inline code element (exact ids: process ids, keys, plugin ids). */
export function code(value: string | number): string {
  return `<code>${esc(value)}</code>`;
}

/**
 * A relative URL path made of fixed segments and data segments; data segments are
 * percent-encoded, so a value can neither change the scheme (`javascript:`) nor climb out of
 * the directory (`..` and `/` are encoded).
 */
export function relHref(fixed: string, dataSegment: string, suffix: string): string {
  const seg = encodeURIComponent(dataSegment).replace(/\./g, '%2E');
  return esc(`${fixed}${seg}${suffix}`);
}

/** CSP source expression for an inline <style> or <script> body: pins exactly these bytes. */
export function cspHash(body: string): string {
  return `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`;
}
