/**
 * Source timestamps → epoch milliseconds (UTC).
 *
 * Accepted: `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]]` optionally followed by `Z` or an offset
 * (`+HH:MM`, `+HHMM`, `+HH`). Without an offset the wall time is read in the source time
 * zone (IANA name; offsets come from Intl, so DST is handled by the platform's tz data).
 * Calendar dates are validated here because `new Date('2025-02-30')` silently rolls over.
 * A wall time that falls into a DST gap does not exist in that zone and is refused; a wall
 * time in a DST fold (it occurs twice) resolves to the earlier instant, like Temporal's
 * default `compatible` disambiguation. Fractions beyond milliseconds are truncated.
 */
import { isValidCalendarDate } from '../../common/parse.ts';

export type TimestampResult = number | string;

const HOUR_MS = 3_600_000;

/** Digit value of a char code, or -1. */
function dig(code: number): number {
  return code >= 48 && code <= 57 ? code - 48 : -1;
}

function num2(s: string, i: number): number {
  const a = dig(s.charCodeAt(i));
  const b = dig(s.charCodeAt(i + 1));
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Parses one timestamp. Returns epoch ms, or a string explaining why the text is not a
 * timestamp (the caller adds file, line and column). Pure apart from the offset cache.
 */
export type TimestampParser = (text: string) => TimestampResult;

export function createTimestampParser(timeZone: string): TimestampParser {
  const toUtc = timeZone === 'UTC' || timeZone === 'Etc/UTC' ? null : wallTimeResolver(timeZone);
  return (text) => {
    const s = text.length > 0 && (text.charCodeAt(0) === 32 || text.charCodeAt(text.length - 1) === 32) ? text.trim() : text;
    const n = s.length;
    if (n < 16) return 'expected YYYY-MM-DD HH:MM[:SS[.fff]] with an optional Z or ±HH:MM offset';
    const y1 = num2(s, 0);
    const y2 = num2(s, 2);
    const mo = num2(s, 5);
    const d = num2(s, 8);
    const h = num2(s, 11);
    const mi = num2(s, 14);
    const sep = s.charCodeAt(10);
    if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || (sep !== 84 && sep !== 32 && sep !== 116) || s.charCodeAt(13) !== 58) {
      return 'expected YYYY-MM-DD HH:MM[:SS[.fff]] with an optional Z or ±HH:MM offset';
    }
    const year = y1 * 100 + y2;
    if (!isValidCalendarDate(year, mo, d)) return `${s.slice(0, 10)} is not a calendar date`;
    if (h > 23 || mi > 59) return `${s.slice(11, 16)} is not a time of day`;
    let i = 16;
    let sec = 0;
    let ms = 0;
    if (i < n && s.charCodeAt(i) === 58) {
      sec = num2(s, i + 1);
      if (sec < 0) return 'expected two digits of seconds after HH:MM:';
      if (sec > 59) return `second ${sec} is out of range (leap seconds are not representable)`;
      i += 3;
      if (i < n && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
        i++;
        const start = i;
        let scale = 100;
        while (i < n) {
          const v = dig(s.charCodeAt(i));
          if (v < 0) break;
          if (scale >= 1) ms += v * scale;
          scale /= 10;
          i++;
        }
        if (i === start) return 'expected digits after the decimal point of the seconds';
      }
    }
    const wall = Date.UTC(year, mo - 1, d, h, mi, sec, ms);
    if (i === n) {
      if (toUtc === null) return wall;
      return toUtc(wall);
    }
    const c = s.charCodeAt(i);
    if ((c === 90 || c === 122) && i + 1 === n) return wall;
    if (c === 43 || c === 45) {
      const oh = num2(s, i + 1);
      let om = 0;
      let j = i + 3;
      if (oh < 0) return 'expected ±HH[:MM] after the time';
      if (j < n) {
        if (s.charCodeAt(j) === 58) j++;
        om = num2(s, j);
        if (om < 0) return 'expected ±HH:MM after the time';
        j += 2;
      }
      if (j !== n) return `unexpected text "${s.slice(j)}" after the offset`;
      if (oh > 23 || om > 59) return `offset ${s.slice(i)} is out of range`;
      const off = (oh * 60 + om) * 60_000;
      return c === 43 ? wall - off : wall + off;
    }
    return `unexpected text "${s.slice(i)}" after the time`;
  };
}

/**
 * Wall time (ms, as if UTC) in `timeZone` → UTC instant. Offsets are cached per local hour:
 * an hour is cached only when the offset is the same at both ends and maps back uniquely,
 * so hours touching a DST transition take the exact (slow) path every time.
 */
export function wallTimeResolver(timeZone: string): (wall: number) => TimestampResult {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    era: 'short',
  });
  const offsetAt = (utc: number): number => {
    const parts = fmt.formatToParts(new Date(utc));
    let y = 0;
    let mo = 1;
    let d = 1;
    let h = 0;
    let mi = 0;
    let se = 0;
    let bc = false;
    for (const p of parts) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': se = Number(p.value); break;
        case 'era': bc = p.value === 'BC' || p.value === 'B'; break;
        default: break;
      }
    }
    if (bc) y = 1 - y;
    // setUTCFullYear, unlike Date.UTC, does not map years 0-99 onto 1900-1999.
    const dt = new Date(0);
    dt.setUTCFullYear(y, mo - 1, d);
    dt.setUTCHours(h, mi, se, 0);
    return dt.getTime() - (utc - (((utc % 1000) + 1000) % 1000));
  };
  /** Exact resolution: every candidate offset around the wall time that maps back to it. */
  const exact = (wall: number): TimestampResult => {
    const before = offsetAt(wall - 2 * 86_400_000);
    const after = offsetAt(wall + 2 * 86_400_000);
    const candidates: number[] = [];
    for (const off of before === after ? [before] : [before, after]) {
      const utc = wall - off;
      if (offsetAt(utc) === off) candidates.push(utc);
    }
    if (candidates.length === 0) {
      // Offsets in between (rare double transitions): try the offset at the wall time itself.
      const off = offsetAt(wall);
      if (offsetAt(wall - off) === off) return wall - off;
      return `this local time does not exist in ${timeZone} (skipped by a daylight-saving change); check --tz or the source`;
    }
    return Math.min(...candidates);
  };
  const hourCache = new Map<number, number>();
  const NO_CACHE = Number.NaN;
  return (wall) => {
    const hour = Math.floor(wall / HOUR_MS);
    const cached = hourCache.get(hour);
    if (cached !== undefined && !Number.isNaN(cached)) return wall - cached;
    if (cached === undefined) {
      const start = hour * HOUR_MS;
      const a = exact(start);
      const b = exact(start + HOUR_MS - 1);
      const offA = typeof a === 'number' ? start - a : NaN;
      const offB = typeof b === 'number' ? start + HOUR_MS - 1 - b : NaN;
      const stable = offA === offB && typeof a === 'number' && offsetAt(a - 2 * HOUR_MS) === offA && offsetAt(a + 3 * HOUR_MS) === offA;
      hourCache.set(hour, stable ? offA : NO_CACHE);
      if (stable) return wall - offA;
    }
    return exact(wall);
  };
}

/** Epoch ms → ISO 8601 UTC with milliseconds (`2025-01-31T23:59:00.000Z`). */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}
