/**
 * Close-month and local-hour lookups for streaming plugins. Converting an instant to a local
 * date through Intl costs microseconds, too much per row at 10M rows; every IANA offset is a
 * multiple of 15 minutes, so the answer is constant within a 15-minute UTC bucket and the
 * last bucket's answer is cached (logs are roughly time-ordered, so nearly every row hits).
 */
import { closeMonthOf, type CloseWindow } from '../../../dataset/index.ts';

const BUCKET_MS = 15 * 60_000;

export interface LocalClock {
  /** `YYYY-MM` close month of a queue time, or null outside every close window / for NaN. */
  closeMonth(epochMs: number): string | null;
  /** Local hour of day 0..23 (NaN for NaN). */
  hourOf(epochMs: number): number;
  /** Local weekday 0 (Sunday)..6. */
  weekdayOf(epochMs: number): number;
}

const hourFormatters = new Map<string, Intl.DateTimeFormat>();

function localHourWeekday(epochMs: number, timeZone: string): { hour: number; weekday: number } {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') {
    const d = new Date(epochMs);
    return { hour: d.getUTCHours(), weekday: d.getUTCDay() };
  }
  let f = hourFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' });
    hourFormatters.set(timeZone, f);
  }
  let hour = 0;
  let weekday = 0;
  for (const p of f.formatToParts(epochMs)) {
    if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'weekday') weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.value);
  }
  return { hour, weekday };
}

export function localClock(timeZone: string, window: CloseWindow): LocalClock {
  let monthBucket = NaN;
  let month: string | null = null;
  let hourBucket = NaN;
  let hw = { hour: 0, weekday: 0 };
  const hwOf = (ms: number) => {
    const b = Math.floor(ms / BUCKET_MS);
    if (b !== hourBucket) {
      hourBucket = b;
      hw = localHourWeekday(b * BUCKET_MS, timeZone);
    }
    return hw;
  };
  return {
    closeMonth(ms) {
      if (!Number.isFinite(ms)) return null;
      const b = Math.floor(ms / BUCKET_MS);
      if (b !== monthBucket) {
        monthBucket = b;
        month = closeMonthOf(b * BUCKET_MS, timeZone, window);
      }
      return month;
    },
    hourOf: (ms) => (Number.isFinite(ms) ? hwOf(ms).hour : NaN),
    weekdayOf: (ms) => (Number.isFinite(ms) ? hwOf(ms).weekday : NaN),
  };
}

