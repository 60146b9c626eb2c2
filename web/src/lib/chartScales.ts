// Axes for the time-series charts: round value ticks on a linear or a log scale,
// and time ticks at round times of the chosen zone (lib/timeZone, as every other page).
// Pure functions of numbers, so the charts' choices are tested without a browser.

import { activeZone, zoneOffsetMinutes } from './timeZone';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type ScaleKind = 'linear' | 'log';

export interface ValueScale {
  kind: ScaleKind;
  min: number;
  max: number;
  ticks: number[];
  // Where a value sits between min (0) and max (1); null for what the scale cannot
  // show (zero or less on a log scale), which the chart draws as a gap.
  fraction: (value: number) => number | null;
}

// The round step (1, 2 or 5 times a power of ten) that cuts `span` into at most `count` parts.
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || count < 1) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * power >= raw * (1 - 1e-9)) return m * power;
  }
  return 10 * power;
}

// Cleans the float noise of i * step (0.30000000000000004 -> 0.3).
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

// From 0 to the first round tick at or above the largest value: every series starts
// at a true zero, so heights compare. An empty chart still gets an axis (0..1).
export function linearScale(values: number[], maxTicks = 5): ValueScale {
  const found = Math.max(0, ...values.filter(Number.isFinite));
  const top = found > 0 ? found : 1;
  const step = niceStep(top, Math.max(1, maxTicks - 1));
  const max = clean(Math.ceil(top / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let i = 0; i * step <= max * (1 + 1e-9); i++) ticks.push(clean(i * step));
  return { kind: 'linear', min: 0, max, ticks, fraction: (v) => (Number.isFinite(v) ? v / max : null) };
}

// Whole decades around the positive values, so a series of 3 calls a bucket reads
// next to one of 30,000. Zeros have no place on it (gaps). At least one decade.
export function logScale(values: number[]): ValueScale {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  const low = positive.length ? Math.floor(Math.log10(Math.min(...positive)) + 1e-9) : 0;
  let high = positive.length ? Math.ceil(Math.log10(Math.max(...positive)) - 1e-9) : 1;
  if (high <= low) high = low + 1;
  // Many decades: every other one labelled, so labels never overlap on a short chart.
  const every = high - low > 6 ? 2 : 1;
  if ((high - low) % every) high += 1;
  const ticks: number[] = [];
  for (let e = low; e <= high; e += every) ticks.push(clean(10 ** e));
  const span = high - low;
  return {
    kind: 'log',
    min: 10 ** low,
    max: 10 ** high,
    ticks,
    fraction: (v) => (Number.isFinite(v) && v > 0 ? (Math.log10(v) - low) / span : null),
  };
}

export function valueScale(kind: ScaleKind, values: number[], maxTicks = 5): ValueScale {
  return kind === 'log' ? logScale(values) : linearScale(values, maxTicks);
}

// ---- time ----

// The chosen zone's offset from UTC at an instant, in minutes (UTC+01:00 -> 60).
// Charts use the zone formatTime uses (lib/timeZone); tests pass a fixed one.
export type ZoneOffset = (ms: number) => number;
export const localOffset: ZoneOffset = (ms) => zoneOffsetMinutes(ms, activeZone());

// Round steps for time ticks, smallest first.
export const TIME_STEPS = [
  1000, 5000, 10_000, 30_000,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY,
];

export interface TimeTick {
  ms: number;
  label: string; // the time, or the date for steps of a day or more
  date?: string; // the date under the time, on the first tick and where the day changes
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

// A UTC Date whose UTC fields read as the local wall clock.
function wallClock(ms: number, offset: ZoneOffset): Date {
  return new Date(ms + offset(ms) * MINUTE);
}

export function dayLabel(ms: number, offset: ZoneOffset = localOffset): string {
  const d = wallClock(ms, offset);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

export function clockLabel(ms: number, offset: ZoneOffset = localOffset, seconds = false): string {
  const d = wallClock(ms, offset);
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  return seconds ? `${hm}:${pad2(d.getUTCSeconds())}` : hm;
}

// The smallest round step that puts at most `maxTicks` ticks on [fromMs, toMs]
// (a span of n steps can hold n + 1 ticks when both ends fall on one).
export function timeStep(fromMs: number, toMs: number, maxTicks: number): number {
  const span = Math.max(toMs - fromMs, 1);
  const fits = (step: number) => Math.floor(span / step) + 1 <= Math.max(2, maxTicks);
  let step = TIME_STEPS.find(fits) ?? TIME_STEPS[TIME_STEPS.length - 1];
  while (!fits(step)) step *= 2;
  return step;
}

// Ticks where the local wall clock is a multiple of the step: 14:00, 14:30, ... and
// local midnights for days, so a reader in UTC+05:30 sees 10:00, not 10:30.
export function timeTicks(fromMs: number, toMs: number, maxTicks: number, offset: ZoneOffset = localOffset): TimeTick[] {
  const step = timeStep(fromMs, toMs, maxTicks);
  const seconds = step < MINUTE;
  const byDay = step >= DAY;
  const ticks: TimeTick[] = [];
  let local = Math.ceil((fromMs + offset(fromMs) * MINUTE) / step) * step;
  let previousDay = '';
  for (let guard = 0; guard < 10_000; guard++, local += step) {
    // Back from wall clock to an instant: the offset of the instant near it (DST-safe
    // away from the switch itself, where a tick may move by the hour the clock jumps).
    const guess = local - offset(local) * MINUTE;
    const ms = local - offset(guess) * MINUTE;
    if (ms > toMs) break;
    if (ms < fromMs || (ticks.length && ms <= ticks[ticks.length - 1].ms)) continue;
    const day = dayLabel(ms, offset);
    if (byDay) ticks.push({ ms, label: day });
    else ticks.push({ ms, label: clockLabel(ms, offset, seconds), ...(day !== previousDay ? { date: day } : {}) });
    previousDay = day;
  }
  return ticks;
}

// A step as people say it: 30 s, 15 min, 3 h, 1 d.
export function stepText(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} d`;
  if (ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

// ---- drawing ----

// An SVG path through the points, lifted where a point is missing (null), so a
// bucket without a value reads as a gap rather than a line down to zero.
export function gappedPath(points: ({ x: number; y: number } | null)[]): string {
  let d = '';
  let drawing = false;
  for (const p of points) {
    if (!p) {
      drawing = false;
      continue;
    }
    d += `${d ? ' ' : ''}${drawing ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
    drawing = true;
  }
  return d;
}

// The bucket under a pointer `offset` pixels into a plot `width` wide showing `count` buckets.
export function bucketAt(offset: number, width: number, count: number): number {
  if (count <= 0 || width <= 0) return -1;
  return Math.min(count - 1, Math.max(0, Math.floor((offset / width) * count)));
}

// A bucket's span as the hover says it: "29 Nov 14:30–15:00", "29 Nov 22:00–30 Nov 01:00".
export function bucketSpanText(startMs: number, bucketMs: number, offset: ZoneOffset = localOffset): string {
  const seconds = bucketMs < MINUTE;
  const endMs = startMs + bucketMs;
  const sameDay = dayLabel(startMs, offset) === dayLabel(endMs - 1, offset);
  const end = `${sameDay ? '' : `${dayLabel(endMs, offset)} `}${clockLabel(endMs, offset, seconds)}`;
  return `${dayLabel(startMs, offset)} ${clockLabel(startMs, offset, seconds)}–${end}`;
}
