// The one time zone every time in the UI reads and is typed in: the browser's
// zone unless the person chose UTC or another IANA zone in Settings (kept in
// localStorage). Times are shown with the zone's abbreviation or offset, so two
// people comparing a trace know which clock each reads. Every formatter and
// every time input goes through this module; tests pass a zone explicitly.
import { useSyncExternalStore } from 'react';
import { nanosToMs, nanosWithinSecond } from './exactNanos';

export const ZONE_STORAGE_KEY = 'spanline.timeZone';

// The stored choice: '' for the browser's zone, else an IANA name ('UTC' included).
export type ZoneChoice = string;

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function isKnownZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function storedChoice(): ZoneChoice {
  try {
    const value = globalThis.localStorage?.getItem(ZONE_STORAGE_KEY) ?? '';
    return isKnownZone(value) ? value : '';
  } catch {
    return ''; // storage refused (private mode): the browser's zone
  }
}

let choice: ZoneChoice = storedChoice();
const listeners = new Set<() => void>();

export function zoneChoice(): ZoneChoice {
  return choice;
}

// The zone in effect: the choice, or the browser's.
export function activeZone(): string {
  return choice || browserZone();
}

export function setZoneChoice(next: ZoneChoice): void {
  const value = next && isKnownZone(next) ? next : '';
  choice = value;
  try {
    if (value) globalThis.localStorage?.setItem(ZONE_STORAGE_KEY, value);
    else globalThis.localStorage?.removeItem(ZONE_STORAGE_KEY);
  } catch {
    // not kept past this page; still used until reload
  }
  listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// The zone in effect, re-rendering the caller when the setting changes.
export function useTimeZone(): string {
  return useSyncExternalStore(subscribe, activeZone, activeZone);
}

// ---- wall clock ----

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const partFormats = new Map<string, Intl.DateTimeFormat>();
function partFormat(zone: string): Intl.DateTimeFormat {
  let format = partFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormats.set(zone, format);
  }
  return format;
}

// What a clock in `zone` reads at the instant `ms` (unix milliseconds).
export function wallClock(ms: number, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of partFormat(zone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour % 24,
    minute: parts.minute,
    second: parts.second,
    millisecond: ((ms % 1000) + 1000) % 1000,
  };
}

// The zone's offset from UTC at `ms`, in minutes (CET -> 60, New York in summer -> -240).
export function zoneOffsetMinutes(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
  return Math.round((asUtc - ms) / 60_000);
}

// The instant a clock in `zone` reads `wall`. A time skipped by a DST change
// (02:30 on a spring-forward night) reads as the offset before the change would
// place it; a repeated one (autumn) is its first occurrence.
export function instantOfWallClock(wall: Omit<WallClock, 'millisecond'> & { millisecond?: number }, zone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond ?? 0);
  const before = asUtc - zoneOffsetMinutes(asUtc - 86_400_000, zone) * 60_000;
  const earlier = asUtc - zoneOffsetMinutes(asUtc - 3 * 3_600_000, zone) * 60_000;
  const later = asUtc - zoneOffsetMinutes(asUtc + 3 * 3_600_000, zone) * 60_000;
  // Of the offsets around that day, the first whose instant reads back as `wall`.
  for (const candidate of [earlier, later, before]) {
    if (zoneOffsetMinutes(candidate, zone) * 60_000 === asUtc - candidate) return candidate;
  }
  return earlier;
}

const abbreviationFormats = new Map<string, Intl.DateTimeFormat>();
// "UTC", "CET", "EST", or "GMT+5:30" where the locale has no abbreviation.
export function zoneAbbreviation(ms: number, zone: string, locale = 'en-US'): string {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 'UTC';
  const key = `${locale}|${zone}`;
  let format = abbreviationFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' });
    abbreviationFormats.set(key, format);
  }
  return format.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? zone;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export interface InstantFormat {
  date?: boolean; // the day before the time (default true)
  milliseconds?: boolean; // ".120" after the seconds
  zoneName?: boolean; // the abbreviation after the time (default true)
}

// "2026-11-29 19:24:03 CET": a time for people, in the chosen zone, named.
export function formatInstant(ms: number, zone: string = activeZone(), options: InstantFormat = {}): string {
  const w = wallClock(ms, zone);
  const date = options.date === false ? '' : `${w.year}-${pad(w.month)}-${pad(w.day)} `;
  const time = `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${options.milliseconds ? `.${pad(w.millisecond, 3)}` : ''}`;
  const name = options.zoneName === false ? '' : ` ${zoneAbbreviation(ms, zone)}`;
  return `${date}${time}${name}`;
}

// "2026-11-29 19:24:03.123456789 CET": an exact nanosecond time (lib/exactNanos).
export function formatNanosInstant(ns: bigint, zone: string = activeZone()): string {
  const ms = nanosToMs(ns);
  const [date, time] = formatInstant(ms, zone, { zoneName: false }).split(' ');
  return `${date} ${time}.${nanosWithinSecond(ns)} ${zoneAbbreviation(ms, zone)}`;
}

// ---- inputs ----

// <input type="datetime-local" step="1"> text for `ms` read in `zone` ("2026-11-29T19:24:03").
export function zoneInputValue(ms: number, zone: string = activeZone()): string {
  const w = wallClock(ms, zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

// The instant that wall-clock text ("2026-11-29T19:24" or with ":03", or with a
// space for the T) means in `zone`; null for anything else.
export function parseZoneInput(text: string, zone: string = activeZone()): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,3}))?)?$/.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const millisecond = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  const ms = instantOfWallClock({ year, month, day, hour, minute, second, millisecond }, zone);
  return Number.isFinite(ms) ? ms : null;
}

// Zones offered in Settings: the browser's and UTC first, then every zone the
// browser knows (where it can list them).
export function zoneOptions(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const known = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', browserZone(), ...known])];
}
