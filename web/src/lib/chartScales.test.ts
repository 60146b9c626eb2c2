import { describe, expect, it } from 'vitest';
import { bucketAt, bucketSpanText, clockLabel, gappedPath, linearScale, logScale, niceStep, stepText, timeStep, timeTicks, type ZoneOffset } from './chartScales';

const utc: ZoneOffset = () => 0;
const india: ZoneOffset = () => 330; // UTC+05:30
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// 2026-11-29T10:07:00Z
const T0 = Date.UTC(2026, 10, 29, 10, 7);

describe('value scales', () => {
  it('picks round steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(37, 4)).toBe(10);
    expect(niceStep(0.07, 4)).toBeCloseTo(0.02);
    expect(niceStep(12_000, 4)).toBe(5000);
  });

  it('starts at zero and ends on the first round tick at or above the largest value', () => {
    const scale = linearScale([3, 37, 12], 5);
    expect(scale.ticks).toEqual([0, 10, 20, 30, 40]);
    expect(scale.max).toBe(40);
    expect(scale.fraction(20)).toBe(0.5);
  });

  it('keeps round ticks for money and for an empty chart', () => {
    expect(linearScale([0.013, 0.004]).ticks).toEqual([0, 0.005, 0.01, 0.015]);
    expect(linearScale([]).ticks).toEqual([0, 0.5, 1]);
  });

  it('puts small and large series on whole decades on a log scale, zero as a gap', () => {
    const scale = logScale([3, 0, 30_000]);
    expect(scale.ticks).toEqual([1, 10, 100, 1000, 10_000, 100_000]);
    expect(scale.fraction(0)).toBeNull();
    expect(scale.fraction(3)!).toBeGreaterThan(0.08); // 3 calls is not lost against 30k
    expect(scale.fraction(100)).toBeCloseTo(0.4);
  });

  it('spans at least one decade, and labels every other one when there are many', () => {
    expect(logScale([5, 5]).ticks).toEqual([1, 10]);
    expect(logScale([0.002, 0.004]).ticks).toEqual([0.001, 0.01]);
    const wide = logScale([1, 1e9]);
    expect(wide.ticks).toEqual([1, 100, 1e4, 1e6, 1e8, 1e10]);
  });
});

describe('time ticks', () => {
  it('chooses the smallest round step that fits', () => {
    expect(timeStep(T0, T0 + HOUR, 6)).toBe(15 * MIN);
    expect(timeStep(T0, T0 + DAY, 9)).toBe(3 * HOUR);
    expect(timeStep(T0, T0 + DAY, 8)).toBe(6 * HOUR);
    expect(timeStep(T0, T0 + 7 * DAY, 8)).toBe(DAY);
  });

  it('puts ticks on round local times, with the date where the day starts', () => {
    const ticks = timeTicks(T0, T0 + DAY, 9, utc);
    expect(ticks[0]).toEqual({ ms: Date.UTC(2026, 10, 29, 12), label: '12:00', date: '29 Nov' });
    expect(ticks.map((t) => t.label)).toEqual(['12:00', '15:00', '18:00', '21:00', '00:00', '03:00', '06:00', '09:00']);
    expect(ticks[4].date).toBe('30 Nov');
    expect(ticks[1].date).toBeUndefined();
  });

  it('rounds in the reader\'s zone, not in UTC', () => {
    const ticks = timeTicks(T0, T0 + HOUR, 5, india);
    // 10:07Z is 15:37 in India: the first 15-minute tick is 15:45 there, 10:15Z.
    expect(ticks[0].label).toBe('15:45');
    expect(ticks[0].ms).toBe(Date.UTC(2026, 10, 29, 10, 15));
    const days = timeTicks(T0, T0 + 7 * DAY, 8, india);
    expect(days[0].label).toBe('30 Nov');
    expect(clockLabel(days[0].ms, india)).toBe('00:00');
  });

  it('never puts more ticks than asked', () => {
    for (const span of [MIN, HOUR, 5 * HOUR, DAY, 7 * DAY, 90 * DAY]) {
      for (const max of [3, 6, 10]) expect(timeTicks(T0, T0 + span, max, utc).length).toBeLessThanOrEqual(max);
    }
  });

  it('says a step in words', () => {
    expect(stepText(30 * MIN)).toBe('30 min');
    expect(stepText(3 * HOUR)).toBe('3 h');
    expect(stepText(DAY)).toBe('1 d');
    expect(stepText(10_000)).toBe('10 s');
  });
});

describe('drawing', () => {
  it('lifts the pen where a value is missing', () => {
    expect(gappedPath([{ x: 0, y: 1 }, { x: 1, y: 2 }, null, { x: 3, y: 4 }, { x: 4, y: 5 }])).toBe('M0.0,1.0 L1.0,2.0 M3.0,4.0 L4.0,5.0');
    expect(gappedPath([null, null])).toBe('');
  });

  it('finds the bucket under the pointer, clamped to the plot', () => {
    expect(bucketAt(0, 400, 4)).toBe(0);
    expect(bucketAt(150, 400, 4)).toBe(1);
    expect(bucketAt(399, 400, 4)).toBe(3);
    expect(bucketAt(-20, 400, 4)).toBe(0);
    expect(bucketAt(900, 400, 4)).toBe(3);
    expect(bucketAt(10, 400, 0)).toBe(-1);
  });
});

describe('a bucket in words', () => {
  it('names its day once, twice when it crosses midnight, seconds for short buckets', () => {
    const start = Date.UTC(2026, 10, 29, 14, 30);
    expect(bucketSpanText(start, 30 * MIN, utc)).toBe('29 Nov 14:30–15:00');
    expect(bucketSpanText(start, 30 * MIN, india)).toBe('29 Nov 20:00–20:30');
    expect(bucketSpanText(Date.UTC(2026, 10, 29, 22), 3 * HOUR, utc)).toBe('29 Nov 22:00–30 Nov 01:00');
    expect(bucketSpanText(Date.UTC(2026, 10, 29, 21), 3 * HOUR, utc)).toBe('29 Nov 21:00–00:00');
    expect(bucketSpanText(start, 10_000, utc)).toBe('29 Nov 14:30:00–14:30:10');
  });
});
