/**
 * Month-end close windows (DESIGN.md "The dataset"): by `queue_dt` in the dataset's source
 * time zone, a day-of-month ≥ startDay belongs to that month's close, a day ≤ endDay to the
 * previous month's close, anything between belongs to no close.
 */
import { HarnessError } from '../common/errors.ts';

export interface CloseWindow {
  startDay: number;
  endDay: number;
}

export const DEFAULT_CLOSE_WINDOW: Readonly<CloseWindow> = Object.freeze({ startDay: 20, endDay: 5 });

/** Throws when the window cannot be meant (days out of 1..31, or endDay not before startDay). */
export function assertCloseWindow(window: CloseWindow): void {
  const ok = (d: number): boolean => Number.isInteger(d) && d >= 1 && d <= 31;
  if (!ok(window.startDay) || !ok(window.endDay)) {
    throw new HarnessError('close-window', `close window days must be integers 1..31; got startDay=${window.startDay}, endDay=${window.endDay}`, {
      hint: 'set closeWindow.startDay / closeWindow.endDay in .statharnessrc.yaml',
    });
  }
  if (window.endDay >= window.startDay) {
    throw new HarnessError('close-window', `closeWindow.endDay (${window.endDay}) must be before closeWindow.startDay (${window.startDay})`);
  }
}

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

// Intl formatters are expensive to build; one per zone is enough.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hourCycle: 'h23' });
    } catch {
      throw new HarnessError('time-zone', `unknown time zone "${timeZone}"`, { hint: 'use an IANA zone name such as UTC or Europe/Berlin' });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Calendar date of an instant in a time zone (UTC takes a fast path without Intl). */
export function localDateOf(epochMs: number, timeZone: string): LocalDate {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') {
    const d = new Date(epochMs);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  }
  const out: LocalDate = { year: 0, month: 0, day: 0 };
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type === 'year') out.year = Number(part.value);
    else if (part.type === 'month') out.month = Number(part.value);
    else if (part.type === 'day') out.day = Number(part.value);
  }
  return out;
}

export function formatMonth(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** Close month of a local calendar date, or null outside every close window. */
export function closeMonthOfDate(date: LocalDate, window: CloseWindow): string | null {
  if (date.day >= window.startDay) return formatMonth(date.year, date.month);
  if (date.day <= window.endDay) return date.month === 1 ? formatMonth(date.year - 1, 12) : formatMonth(date.year, date.month - 1);
  return null;
}

/** `YYYY-MM` of the close a queue time belongs to, or null (also for a missing time: NaN). */
export function closeMonthOf(epochMs: number, timeZone: string, window: CloseWindow = DEFAULT_CLOSE_WINDOW): string | null {
  if (!Number.isFinite(epochMs)) return null;
  return closeMonthOfDate(localDateOf(epochMs, timeZone), window);
}
