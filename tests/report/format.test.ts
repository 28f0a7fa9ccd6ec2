import { describe, expect, it } from 'vitest';
import { closeWindowBounds, fmtNumber, fmtSeconds, monthName, nextMonth, zonedMidnight } from '../../src/report/format.ts';

describe('number formatting (no locale dependence)', () => {
  it.each([
    [0, 0, '0'],
    [1234567.891, 2, '1,234,567.89'],
    [-1234.5, 1, '-1,234.5'],
    [12.5, 1, '12.5'],
    [12, 1, '12'],
    [999, 0, '999'],
    [Number.NaN, 0, 'n/a'],
  ])('fmtNumber(%s, %s) = %s', (n, d, out) => expect(fmtNumber(n, d)).toBe(out));
  it.each([
    [5400, '5,400 s (1.5 h)'],
    [480, '480 s (8 min)'],
    [60, '60 s'],
    [2.25, '2.3 s'],
  ])('fmtSeconds(%s) = %s', (s, out) => expect(fmtSeconds(s)).toBe(out));
  it('months', () => {
    expect(monthName('2025-03')).toBe('March 2025');
    expect(nextMonth('2025-12')).toBe('2026-01');
    expect(nextMonth('2025-01')).toBe('2025-02');
  });
});

describe('close window bounds', () => {
  const w = { startDay: 20, endDay: 5 };
  it('UTC: day 20 of the month to day 5 of the next, end exclusive', () => {
    expect(closeWindowBounds('2025-03', w, 'UTC')).toEqual({ startMs: Date.UTC(2025, 2, 20), endMs: Date.UTC(2025, 3, 6), startDate: '2025-03-20', endDateExclusive: '2025-04-06' });
  });
  it('December rolls into January of the next year', () => {
    expect(closeWindowBounds('2025-12', w, 'UTC')).toMatchObject({ startDate: '2025-12-20', endDateExclusive: '2026-01-06' });
  });
  it('endDay 0: the close ends with the month', () => {
    expect(closeWindowBounds('2025-03', { startDay: 25, endDay: 0 }, 'UTC')).toMatchObject({ startDate: '2025-03-25', endDateExclusive: '2025-04-01' });
  });
  it('a start day past the month end is clamped (no rollover into March)', () => {
    expect(closeWindowBounds('2025-02', { startDay: 31, endDay: 31 }, 'UTC')).toMatchObject({ startDate: '2025-02-28', endDateExclusive: '2025-04-01' });
  });
  it('follows DST in the dataset time zone', () => {
    // Berlin: CET (UTC+1) on 2025-03-20, CEST (UTC+2) from 2025-03-30.
    expect(zonedMidnight(2025, 3, 20, 'Europe/Berlin')).toBe(Date.UTC(2025, 2, 19, 23));
    expect(zonedMidnight(2025, 4, 6, 'Europe/Berlin')).toBe(Date.UTC(2025, 3, 5, 22));
    expect(zonedMidnight(2025, 1, 20, 'America/New_York')).toBe(Date.UTC(2025, 0, 20, 5));
    expect(zonedMidnight(2025, 7, 20, 'Asia/Kolkata')).toBe(Date.UTC(2025, 6, 19, 18, 30));
  });
});
