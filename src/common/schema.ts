import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { HarnessError } from './errors.ts';
import { didYouMeanSuffix } from './suggest.ts';
import type { ParsedYaml } from './yaml.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;

/** `schemas/` at the package root (same relative position from src/ and dist/). */
export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

let ajvInstance: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function ajv(): Ajv2020 {
  if (!ajvInstance) {
    ajvInstance = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajvInstance);
  }
  return ajvInstance;
}

/** Compiled validator for `schemas/<name>` (cached per process). */
export function schemaValidator(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    const schema = JSON.parse(readFileSync(`${SCHEMAS_DIR}${name}`, 'utf8')) as Record<string, unknown>;
    v = ajv().compile(schema);
    compiled.set(name, v);
  }
  return v;
}

export interface SchemaProblem {
  /** JSON path segments of the offending value. */
  path: (string | number)[];
  message: string;
  /** The problem is the key itself (unknown key), not its value. */
  atKey?: boolean;
}

/** ajv errors rewritten for humans: one line each, with did-you-mean for unknown keys. */
export function describeSchemaErrors(errors: readonly ErrorObject[], schemaKeys?: (path: (string | number)[]) => string[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const where = path.length ? path.join('.') : '(top level)';
    let message: string;
    let at = path;
    let atKey = false;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        const known = schemaKeys ? schemaKeys(path) : [];
        message = `unknown key "${key}" in ${where}${didYouMeanSuffix(key, known)}`;
        at = [...path, key];
        atKey = true;
        break;
      }
      case 'required':
        message = `${where} is missing the required key "${(e.params as { missingProperty: string }).missingProperty}"`;
        break;
      case 'enum':
        message = `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'type':
        message = `${where} must be ${(e.params as { type: string }).type}`;
        break;
      default:
        message = `${where} ${e.message ?? 'is invalid'}`;
    }
    const key = `${at.join('.')}|${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(atKey ? { path: at, message, atKey } : { path: at, message });
    }
  }
  return out;
}

/** Property names a schema allows at a path (for did-you-mean), following properties/items/$defs refs shallowly. */
export function schemaKeysAt(schema: unknown, path: (string | number)[]): string[] {
  let node = schema as Record<string, unknown> | undefined;
  for (const seg of path) {
    if (!node) return [];
    if (typeof seg === 'number') node = node['items'] as Record<string, unknown> | undefined;
    else node = (node['properties'] as Record<string, Record<string, unknown>> | undefined)?.[seg];
  }
  const props = node?.['properties'];
  return props && typeof props === 'object' ? Object.keys(props) : [];
}

/**
 * Validate a parsed YAML (or JSON) document against `schemas/<name>`; the first problem
 * becomes a HarnessError with file:line:column (all problems listed in the message).
 */
export function validateDocument(name: string, parsed: Pick<ParsedYaml, 'file' | 'value' | 'positionOf'>, what: string): void {
  const validate = schemaValidator(name);
  if (validate(parsed.value)) return;
  const schema = validate.schema;
  const problems = describeSchemaErrors(validate.errors ?? [], (p) => schemaKeysAt(schema, p));
  const first = problems[0]!;
  const pos = parsed.positionOf(first.path, { key: first.atKey ?? false });
  const rest = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1, 4).map((p) => p.message).join('; ')})` : '';
  throw new HarnessError('schema', `invalid ${what}: ${first.message}${rest}`, {
    file: parsed.file,
    line: pos.line,
    column: pos.column,
    hint: `see ${name} (editors autocomplete with "# yaml-language-server: $schema=…")`,
  });
}
