/**
 * Source columns → canonical roles. Overrides (config `ingest.map`, then `--map`, the CLI
 * winning per column) come first; every other column is recognized by its ERP export name
 * (any case) or by a canonical role name; whatever is left is an extra column, kept in
 * extra_json. Conflicts and gaps are errors that say which columns and how to fix them.
 */
import { HarnessError } from '../../common/errors.ts';
import { didYouMeanSuffix } from '../../common/suggest.ts';
import { CANONICAL_ROLES, ERP_COLUMN_NAMES, REQUIRED_ROLES, type CanonicalRole } from '../../config/roles.ts';

export interface ColumnMapping {
  /** role → source column name, for the roles present (sorted by canonical role order). */
  roles: Partial<Record<CanonicalRole, string>>;
  /** Source columns kept as extras, sorted by name. */
  extras: string[];
  /** How each role was found (for `info` and the ingest summary). */
  detectedBy: Partial<Record<CanonicalRole, 'map' | 'erp-name' | 'role-name'>>;
}

const ROLE_SET: ReadonlySet<string> = new Set(CANONICAL_ROLES);

/** Role a column name is recognized as without any override, if any. */
export function autoRole(column: string): { role: CanonicalRole; by: 'erp-name' | 'role-name' } | undefined {
  const name = column.trim();
  const erp = ERP_COLUMN_NAMES[name.toUpperCase()];
  if (erp !== undefined) return { role: erp, by: 'erp-name' };
  const lower = name.toLowerCase();
  if (ROLE_SET.has(lower)) return { role: lower as CanonicalRole, by: 'role-name' };
  return undefined;
}

/** `COL=role` flags → overrides; a bad role gets a did-you-mean. */
export function parseMapFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.lastIndexOf('=');
    if (eq <= 0 || eq === flag.length - 1) {
      throw new HarnessError('usage', `--map ${JSON.stringify(flag)} must look like COLUMN=role (e.g. --map JOB_ID=process_queue_id)`);
    }
    out[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  return out;
}

export function resolveMapping(header: readonly string[], overrides: Readonly<Record<string, string>>, file: string): ColumnMapping {
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name.trim() === '') {
      throw new HarnessError('bad-header', `column ${i + 1} of the header has no name`, { file, line: 1, hint: 'name every column (a trailing comma in the header adds an empty one)' });
    }
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw new HarnessError('bad-header', `columns ${prev + 1} and ${i + 1} are both named "${name}"`, { file, line: 1, hint: 'rename one of them in the export' });
    }
    seen.set(name, i);
  });
  const roles: Partial<Record<CanonicalRole, string>> = {};
  const detectedBy: ColumnMapping['detectedBy'] = {};
  const mapped = new Set<string>();
  for (const [column, role] of Object.entries(overrides)) {
    if (!ROLE_SET.has(role)) {
      throw new HarnessError('unknown-role', `--map ${column}=${role}: "${role}" is not a canonical role${didYouMeanSuffix(role, CANONICAL_ROLES)}`, {
        hint: `roles: ${CANONICAL_ROLES.join(', ')}`,
      });
    }
    if (!seen.has(column)) {
      throw new HarnessError('unknown-column', `--map ${column}=${role}: the input has no column "${column}"${didYouMeanSuffix(column, header)}`, {
        file,
        line: 1,
        hint: `columns: ${header.join(', ')}`,
      });
    }
    const r = role as CanonicalRole;
    if (roles[r] !== undefined) {
      throw new HarnessError('map-conflict', `--map assigns role ${r} to both "${roles[r]}" and "${column}"`, { hint: 'map each role from one column' });
    }
    roles[r] = column;
    detectedBy[r] = 'map';
    mapped.add(column);
  }
  const auto = new Map<CanonicalRole, string>();
  for (const column of header) {
    if (mapped.has(column)) continue;
    const found = autoRole(column);
    if (!found || detectedBy[found.role] === 'map') continue;
    const other = auto.get(found.role);
    if (other !== undefined) {
      throw new HarnessError('map-conflict', `columns "${other}" and "${column}" would both be role ${found.role}`, {
        file,
        line: 1,
        hint: `choose one with --map "${other}=${found.role}" (the other is then kept as an extra column)`,
      });
    }
    auto.set(found.role, column);
    roles[found.role] = column;
    detectedBy[found.role] = found.by;
    mapped.add(column);
  }
  const missing = REQUIRED_ROLES.filter((r) => roles[r] === undefined);
  if (missing.length > 0) {
    const unmapped = header.filter((c) => !mapped.has(c));
    const guesses = missing
      .map((r) => {
        const s = didYouMeanSuffix(r, unmapped);
        return s ? `${r}${s}` : r;
      })
      .join(', ');
    throw new HarnessError('missing-column', `no column for the required role${missing.length > 1 ? 's' : ''} ${guesses}; the header is: ${header.join(', ')}`, {
      file,
      line: 1,
      hint: `map a column onto each missing role, e.g. --map ${unmapped[0] ?? 'COLUMN'}=${missing[0]} (or ingest.map in .statharnessrc.yaml)`,
    });
  }
  const ordered: Partial<Record<CanonicalRole, string>> = {};
  const orderedBy: ColumnMapping['detectedBy'] = {};
  for (const r of CANONICAL_ROLES) {
    if (roles[r] !== undefined) {
      ordered[r] = roles[r];
      orderedBy[r] = detectedBy[r]!;
    }
  }
  return { roles: ordered, extras: header.filter((c) => !mapped.has(c)).sort(), detectedBy: orderedBy };
}
