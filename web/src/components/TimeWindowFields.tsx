// The time fields of a search form: a lookback picker with "all time" and
// "custom…", and From/To when the window is custom. The window is
// (lookback, start, end) as the api takes it: a start replaces the lookback.
// start/end stay RFC 3339 UTC (the URL and the api read them the same on every
// machine); the fields show and take them on the chosen zone's clock (lib/timeZone).
import type { ReactNode } from 'react';
import { parseZoneInput, useTimeZone, zoneAbbreviation, zoneInputValue } from '../lib/timeZone';

export interface TimeWindow {
  lookback: string;
  start: string;
  end: string;
}

// RFC 3339 UTC, whole seconds without ".000".
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function ZoneTimeInput({ label, value, zone, onChange, testId }: {
  label: string;
  value: string;
  zone: string;
  onChange: (value: string) => void;
  testId: string;
}): ReactNode {
  const ms = value ? Date.parse(value) : NaN;
  return (
    <label>
      {label}
      <input
        type="datetime-local"
        step={1}
        data-testid={testId}
        value={Number.isFinite(ms) ? zoneInputValue(ms, zone) : ''}
        onChange={(e) => {
          const typed = parseZoneInput(e.target.value, zone);
          onChange(typed === null ? '' : rfc3339(typed));
        }}
      />
    </label>
  );
}

export function TimeWindowFields({
  window,
  lookbacks,
  onChange,
}: {
  window: TimeWindow;
  lookbacks: readonly string[];
  onChange: (window: TimeWindow) => void;
}): ReactNode {
  const zone = useTimeZone();
  return (
    <>
      <label>
        Time
        <select
          value={window.start ? 'custom' : window.lookback}
          onChange={(e) => {
            const value = e.target.value;
            if (value === 'custom') onChange({ ...window, lookback: '', start: window.start || rfc3339(Math.floor(Date.now() / 1000) * 1000 - 3600_000) });
            else onChange({ lookback: value, start: '', end: '' });
          }}
        >
          {lookbacks.map((l) => (
            <option key={l} value={l}>
              last {l}
            </option>
          ))}
          <option value="">all time</option>
          <option value="custom">custom…</option>
        </select>
      </label>
      {window.start && (
        <>
          <ZoneTimeInput label="From" value={window.start} zone={zone} testId="time-from" onChange={(start) => start && onChange({ ...window, start })} />
          <ZoneTimeInput label="To" value={window.end} zone={zone} testId="time-to" onChange={(end) => onChange({ ...window, end })} />
          <span className="muted zone-note" data-testid="time-zone-note" title={zone}>
            {zoneAbbreviation(Date.parse(window.start) || Date.now(), zone)}
          </span>
        </>
      )}
    </>
  );
}
