import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * JSON with object keys sorted at every level, so equal values always serialize to equal
 * bytes (the basis of every hashed artifact). Rejects what JSON.stringify would silently
 * mangle: NaN/±Infinity, BigInt, functions, undefined inside arrays, cycles.
 */
export function stableStringify(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeysDeep(value, new Set(), '$'), null, indent);
}

function sortKeysDeep(value: unknown, seen: Set<object>, path: string): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path} is ${value}, which JSON cannot represent`);
      return value;
    case 'undefined':
      return undefined;
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`${path} is a ${typeof value}, which JSON cannot represent`);
    default:
      break;
  }
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError(`${path} is a circular reference`);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      return obj.map((item, i) => {
        if (item === undefined) throw new TypeError(`${path}[${i}] is undefined`);
        return sortKeysDeep(item, seen, `${path}[${i}]`);
      });
    }
    if (ArrayBuffer.isView(obj)) return Array.from(obj as unknown as ArrayLike<number>);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj).sort()) {
      const v = (obj as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v, seen, `${path}.${key}`);
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/** Short, stable content id (first 16 hex chars of sha256 over stable JSON). */
export function contentId(value: unknown): string {
  return sha256Hex(stableStringify(value)).slice(0, 16);
}
