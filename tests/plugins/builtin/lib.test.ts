/** Helpers shared by the built-in plugins: local clock buckets, statistics, status words. */
import { describe, expect, it } from 'vitest';
import { closeMonthOf } from '../../../src/dataset/index.ts';
import { histBin, HIST_BINS, histQuantile, quantileSorted, wilsonLower } from '../../../src/plugins/builtin/lib/stats.ts';
import { isCancelledStatus, isFailureStatus } from '../../../src/plugins/builtin/lib/status.ts';
import { localClock } from '../../../src/plugins/builtin/lib/time.ts';

describe('localClock', () => {
  // Zones with half- and quarter-hour offsets and DST: the 15-minute bucket cache must never
  // change an answer.
  const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Adelaide', 'Pacific/Chatham'];
  const window = { startDay: 20, endDay: 5 };

  it.each(ZONES)('%s: cached close month and hour equal the direct computation', (zone) => {
    const clock = localClock(zone, window);
    const hourFmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' });
    // Every 7 minutes 13 seconds over a year: crosses every bucket edge, month end and DST change.
    for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2026, 0, 1); ms += 433_000) {
      expect(clock.closeMonth(ms)).toBe(closeMonthOf(ms, zone, window));
      expect(clock.hourOf(ms)).toBe(Number(hourFmt.format(ms)));
    }
  });

  it('has no close month or hour for a missing time', () => {
    const clock = localClock('UTC', window);
    expect(clock.closeMonth(NaN)).toBeNull();
    expect(clock.hourOf(NaN)).toBeNaN();
  });
});

describe('statistics', () => {
  it('quantiles interpolate between sorted values', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([5], 0.125)).toBe(5);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('the Wilson lower bound is below the rate and tightens with more runs', () => {
    expect(wilsonLower(0, 0)).toBe(0);
    expect(wilsonLower(3, 10)).toBeCloseTo(0.1078, 3);
    expect(wilsonLower(300, 1000)).toBeGreaterThan(wilsonLower(3, 10));
    expect(wilsonLower(300, 1000)).toBeLessThan(0.3);
  });

  it('histogram medians are within one bin (9%) of the exact median', () => {
    const h = new Uint32Array(HIST_BINS);
    const values = Array.from({ length: 1001 }, (_, i) => 10 + i * 0.37);
    for (const v of values) h[histBin(v)]!++;
    const exact = quantileSorted(values, 0.5);
    expect(Math.abs(histQuantile(h, 0.5) / exact - 1)).toBeLessThan(0.09);
    expect(histBin(0)).toBe(0);
    expect(histBin(1e12)).toBe(HIST_BINS - 1);
  });
});

describe('status words', () => {
  it('recognises failures in any case and spelling, and keeps cancellations apart', () => {
    for (const s of ['ERROR', 'error', 'Failed', 'ABEND', 'abended', 'timed out', 'Node-Fail']) expect(isFailureStatus(s), s).toBe(true);
    for (const s of ['COMPLETED', 'done', 'SUCCESS', '', null, 'CANCELLED']) expect(isFailureStatus(s), String(s)).toBe(false);
    expect(isCancelledStatus('canceled')).toBe(true);
    expect(isCancelledStatus('ERROR')).toBe(false);
  });
});
