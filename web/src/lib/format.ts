// How numbers and times read in the UI. Times read in the chosen zone (lib/timeZone).
import { activeZone, formatInstant } from './timeZone';

export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns) || ns < 0) return '-';
  if (ns < 1_000) return `${ns} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 1 : 0)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 2 : 1)} ms`;
  if (ns < 60_000_000_000) return `${(ns / 1_000_000_000).toFixed(2)} s`;
  const minutes = Math.floor(ns / 60_000_000_000);
  return `${minutes} min ${Math.round((ns - minutes * 60_000_000_000) / 1_000_000_000)} s`;
}

// "2026-11-29 19:24:03 CET": the day, the time and the zone it is read in.
export function formatTime(ns: number, zone: string = activeZone()): string {
  if (!ns) return '-';
  return formatInstant(ns / 1_000_000, zone);
}

export function formatAgo(ns: number, nowMs = Date.now()): string {
  if (!ns) return 'never';
  const seconds = Math.max(0, Math.round((nowMs - ns / 1_000_000) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (Math.abs(value) >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}
