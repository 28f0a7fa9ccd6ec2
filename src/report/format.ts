/**
 * Deterministic number and time formatting for reports. No toLocaleString (its output
 * depends on the machine's ICU data and locale), no local time zone.
 */

/** 1234567.891 → "1,234,567.89" (at most `decimals` decimals, trailing zeros dropped). */
export function fmtNumber(n: number, decimals = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  const sign = n < 0 ? '-' : '';
  const fixed = Math.abs(n).toFixed(decimals);
  const [int, frac] = fixed.split('.') as [string, string | undefined];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const f = frac?.replace(/0+$/, '');
  return `${sign}${grouped}${f ? `.${f}` : ''}`;
}

/** Seconds with a human unit beside them: "5,400 s (1.5 h)". */
export function fmtSeconds(s: number): string {
  const base = `${fmtNumber(s, s < 10 ? 1 : 0)} s`;
  if (s >= 3600) return `${base} (${fmtNumber(s / 3600, 1)} h)`;
  if (s >= 120) return `${base} (${fmtNumber(s / 60, 1)} min)`;
  return base;
}

export function fmtPercent(p: number): string {
  return `${fmtNumber(p, 1)}%`;
}

/** Epoch ms → ISO-8601 UTC, or null. */
export function isoOrNull(ms: number | null): string | null {
  return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "2025-03" → "March 2025" (plain-language report). */
export function monthName(closeMonth: string): string {
  const [y, m] = closeMonth.split('-').map(Number) as [number, number];
  return `${MONTHS[m - 1] ?? closeMonth} ${y}`;
}

/** "2025-12" → "2026-01". */
export function nextMonth(closeMonth: string): string {
  const [y, m] = closeMonth.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Constructing an Intl.DateTimeFormat costs far more than using one: one per zone. */
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormats.set(timeZone, f);
  }
  return f;
}

/** Offset (ms) of `timeZone` from UTC at instant `ms`. */
function zoneOffset(ms: number, timeZone: string): number {
  const parts = zoneFormat(timeZone).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms;
}

/** Epoch ms of local midnight y-m-d in `timeZone` (DST-aware: re-checks the offset once). */
export function zonedMidnight(y: number, m: number, d: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d);
  let t = wall - zoneOffset(wall, timeZone);
  t = wall - zoneOffset(t, timeZone);
  return t;
}

export interface CloseWindowBounds {
  /** Inclusive, epoch ms. */
  startMs: number;
  /** Exclusive, epoch ms. */
  endMs: number;
  /** Local dates, for people: first day and the day after the last day. */
  startDate: string;
  endDateExclusive: string;
}

/**
 * The queue_dt window of a close month (DESIGN.md "Close window"): from local midnight of day
 * `startDay` of that month (clamped to the month's length) to local midnight after day
 * `endDay` of the next month (endDay 0 = the close ends with the month).
 */
export function closeWindowBounds(closeMonth: string, window: { startDay: number; endDay: number }, timeZone: string): CloseWindowBounds {
  const [y, m] = closeMonth.split('-').map(Number) as [number, number];
  const startDay = Math.min(window.startDay, daysInMonth(y, m));
  const [ny, nm] = m === 12 ? [y + 1, 1] : [y, m + 1];
  // Day after endDay of the next month, clamped so a 31 in a short month ends at its last day.
  const endDayExclusive = Math.min(window.endDay, daysInMonth(ny, nm)) + 1;
  const endOverflow = endDayExclusive > daysInMonth(ny, nm);
  const [ey, em, ed] = endOverflow ? (nm === 12 ? [ny + 1, 1, 1] : [ny, nm + 1, 1]) : [ny, nm, endDayExclusive];
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    startMs: zonedMidnight(y, m, startDay, timeZone),
    endMs: zonedMidnight(ey, em, ed, timeZone),
    startDate: `${y}-${pad(m)}-${pad(startDay)}`,
    endDateExclusive: `${ey}-${pad(em)}-${pad(ed)}`,
  };
}
