import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/common/errors.ts';
import { assertCloseWindow, closeMonthOf, localDateOf } from '../../src/dataset/close-window.ts';

const W = { startDay: 20, endDay: 5 };

describe('closeMonthOf', () => {
  it.each([
    ['2025-03-20T00:00:00Z', '2025-03'],
    ['2025-03-31T23:59:59Z', '2025-03'],
    ['2025-04-01T00:00:00Z', '2025-03'],
    ['2025-04-05T23:59:59Z', '2025-03'],
    ['2025-04-06T00:00:00Z', null],
    ['2025-04-19T23:59:59Z', null],
    ['2025-01-03T10:00:00Z', '2024-12'],
    ['2024-02-29T12:00:00Z', '2024-02'],
  ])('%s (UTC) → %s', (iso, month) => {
    expect(closeMonthOf(Date.parse(iso), 'UTC', W)).toBe(month);
  });

  it('uses the source time zone: 22:30 UTC on the 5th is already the 6th in Berlin', () => {
    const t = Date.parse('2025-04-05T22:30:00Z');
    expect(closeMonthOf(t, 'UTC', W)).toBe('2025-03');
    expect(localDateOf(t, 'Europe/Berlin')).toEqual({ year: 2025, month: 4, day: 6 });
    expect(closeMonthOf(t, 'Europe/Berlin', W)).toBeNull();
    // and 23:30 UTC on the 19th is the 20th in Berlin
    expect(closeMonthOf(Date.parse('2025-01-19T23:30:00Z'), 'Europe/Berlin', W)).toBe('2025-01');
  });

  it('honours configured days', () => {
    const t = Date.parse('2025-06-25T00:00:00Z');
    expect(closeMonthOf(t, 'UTC', { startDay: 26, endDay: 3 })).toBeNull();
    expect(closeMonthOf(t, 'UTC', { startDay: 25, endDay: 3 })).toBe('2025-06');
  });

  it('gives null for a missing time (NaN)', () => {
    expect(closeMonthOf(NaN, 'UTC', W)).toBeNull();
  });

  it('rejects impossible windows and unknown zones', () => {
    expect(() => assertCloseWindow({ startDay: 5, endDay: 20 })).toThrow(/endDay \(20\) must be before/);
    expect(() => assertCloseWindow({ startDay: 32, endDay: 5 })).toThrow(HarnessError);
    expect(() => closeMonthOf(0, 'Mars/Olympus', W)).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});
