// The time fields of a search form: a lookback picker with "all time" and
// "custom…", and From/To when the window is custom. The window is
// (lookback, start, end) as the api takes it: a start replaces the lookback.
import type { ReactNode } from 'react';

export interface TimeWindow {
  lookback: string;
  start: string;
  end: string;
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
  return (
    <>
      <label>
        Time
        <select
          value={window.start ? 'custom' : window.lookback}
          onChange={(e) => {
            const value = e.target.value;
            if (value === 'custom') onChange({ ...window, lookback: '', start: window.start || new Date(Date.now() - 3600_000).toISOString() });
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
          <label>
            From
            <input value={window.start} onChange={(e) => onChange({ ...window, start: e.target.value })} placeholder="2026-11-23T10:00:00Z" />
          </label>
          <label>
            To
            <input value={window.end} onChange={(e) => onChange({ ...window, end: e.target.value })} placeholder="now" />
          </label>
        </>
      )}
    </>
  );
}
