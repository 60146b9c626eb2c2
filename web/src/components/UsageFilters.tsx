// The LLM usage page's controls: time range (presets or a custom start and end in
// local time), service and model filters, the charted metric and the scale. Every
// change becomes a new view (the page keeps it in the URL).
import { useEffect, useState, type FormEvent } from 'react';
import type { Metric } from '../lib/usageSeries';
import { localInputValue, parseLocalInput, RANGES, windowMs, type RangeId, type UsageView } from '../lib/usageQuery';

export function UsageFilters(props: {
  view: UsageView;
  services: string[];
  models: string[];
  metrics: Metric[];
  onChange: (next: Partial<UsageView>) => void;
  onRefresh: () => void;
}) {
  const { view, onChange } = props;
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  useEffect(() => {
    setStart(view.startMs !== null ? localInputValue(view.startMs) : '');
    setEnd(view.endMs !== null ? localInputValue(view.endMs) : '');
  }, [view.startMs, view.endMs]);

  // Choosing "custom" starts from the window shown, as fixed times one can share.
  const chooseRange = (range: RangeId) => {
    if (range !== 'custom') return onChange({ range, startMs: null, endMs: null });
    const now = Math.floor(Date.now() / 60_000) * 60_000; // whole minutes, as the inputs show them
    onChange({ range, startMs: now - windowMs(view, now), endMs: now });
  };
  const applyCustom = (event: FormEvent) => {
    event.preventDefault();
    const startMs = parseLocalInput(start);
    if (startMs === null) return;
    const endMs = parseLocalInput(end);
    onChange({ range: 'custom', startMs, endMs: endMs !== null && endMs >= startMs ? endMs : null });
  };

  return (
    <div className="usage-filters">
      <div className="filters" role="group" aria-label="Usage view">
        <label>
          Time range
          <select aria-label="Time range" value={view.range} onChange={(e) => chooseRange(e.target.value as RangeId)}>
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
            <option value="custom">custom…</option>
          </select>
        </label>
        <Pick label="Service" value={view.service} options={props.services} onChange={(service) => onChange({ service })} />
        <Pick label="Model" value={view.model} options={props.models} onChange={(model) => onChange({ model })} />
        <label>
          Chart
          <select aria-label="Chart" value={view.metric} onChange={(e) => onChange({ metric: e.target.value })}>
            {props.metrics.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        {/* A log scale keeps a model with 10 calls readable beside one with 10,000. */}
        <label className="check">
          <input type="checkbox" checked={view.scale === 'log'} onChange={(e) => onChange({ scale: e.target.checked ? 'log' : 'linear' })} />
          Log scale
        </label>
        <button type="button" onClick={props.onRefresh}>
          Refresh
        </button>
      </div>
      {view.range === 'custom' && (
        <form className="filters" onSubmit={applyCustom} aria-label="Custom range">
          <label>
            From (local time)
            <input type="datetime-local" aria-label="From" value={start} onChange={(e) => setStart(e.target.value)} required />
          </label>
          <label>
            To (empty: now)
            <input type="datetime-local" aria-label="To" value={end} onChange={(e) => setEnd(e.target.value)} />
          </label>
          <button type="submit">Apply</button>
        </form>
      )}
    </div>
  );
}

// A filter by exact name, "any" first; the current value is always an option.
function Pick({ label, value, options, onChange }: { label: string; value: string; options: string[]; onChange: (value: string) => void }) {
  const names = value && !options.includes(value) ? [value, ...options] : options;
  return (
    <label>
      {label}
      <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
