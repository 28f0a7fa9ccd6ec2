/**
 * Fact resolution: a plain dot path, own properties only (no prototype walk, no JSONPath).
 * A path resolves against the subject first, then the shared context (`dataset`, `run`);
 * `subject.id` / `subject.kind` read the subject's own id and kind.
 */
export interface FactScope {
  subject: Readonly<Record<string, unknown>>;
  context: Readonly<Record<string, unknown>>;
}

export type Getter = (scope: FactScope) => unknown;

function walk(root: unknown, segs: readonly string[], from: number): unknown {
  let cur = root;
  for (let i = from; i < segs.length; i++) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    const key = segs[i]!;
    if (!Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * A key for which a plain property read equals an own-property read on JSON data (facts are
 * always parsed JSON/YAML: plain objects whose prototype is Object.prototype, and arrays):
 * not an Object.prototype member, not an array's `length` or index.
 */
function isPlainKey(k: string): boolean {
  return !(k in Object.prototype) && k !== 'length' && !/^\d+$/.test(k);
}

/**
 * A getter built once per path (the fast path calls it per subject). Two-segment paths — the
 * common case — are unrolled into plain property reads (see isPlainKey); any other path takes
 * the own-property walk, so no path reaches a prototype.
 */
export function compileGetter(path: string): Getter {
  const segs = path.split('.');
  if (segs[0] === 'subject' && segs.length === 2) {
    const key = segs[1]!;
    return (s) => (Object.hasOwn(s.subject, key) ? s.subject[key] : undefined);
  }
  if (segs.length === 2 && segs.every(isPlainKey)) {
    const [a, b] = segs as [string, string];
    return (s) => {
      const o = s.subject[a];
      const v = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[b] : undefined;
      if (v !== undefined) return v;
      const c = s.context[a];
      return typeof c === 'object' && c !== null ? (c as Record<string, unknown>)[b] : undefined;
    };
  }
  return (s) => {
    const v = walk(s.subject, segs, 0);
    return v === undefined ? walk(s.context, segs, 0) : v;
  };
}

const getterCache = new Map<string, Getter>();

/** The json-rules-engine pathResolver and one-off lookups. */
export function resolveFact(scope: FactScope, path: string): unknown {
  let g = getterCache.get(path);
  if (!g) {
    g = compileGetter(path);
    getterCache.set(path, g);
  }
  return g(scope);
}
