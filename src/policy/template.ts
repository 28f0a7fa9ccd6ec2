/** Message templates: `{{fact.path}}` → the fact's value (lists joined), missing → `<missing fact.path>`. */
import { resolveFact, type FactScope } from './scope.ts';

/** `{{ fact.path }}` in a message template (the loader checks each path against the fact catalog). */
export const TEMPLATE_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function formatFactValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(formatFactValue).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function renderMessage(template: string, scope: FactScope): string {
  return template.replace(TEMPLATE_RE, (_m, path: string) => {
    const v = resolveFact(scope, path);
    return v === undefined || v === null ? `<missing ${path}>` : formatFactValue(v);
  });
}
