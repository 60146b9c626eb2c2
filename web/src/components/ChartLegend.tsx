// A chart's legend: one button per series in its colour; clicking one hides or
// shows that series (and the value axis rescales to what is shown).
import { seriesStyle } from './seriesColors';

export interface LegendEntry {
  name: string;
  colorIndex: number;
  note?: string;
}

export function ChartLegend({ label, entries, hidden, onToggle }: { label: string; entries: LegendEntry[]; hidden: ReadonlySet<string>; onToggle: (name: string) => void }) {
  return (
    <div className="usage-legend" role="group" aria-label={`${label}: series shown`}>
      {entries.map((e) => (
        <button
          key={e.name}
          type="button"
          className="usage-legend-item"
          aria-pressed={!hidden.has(e.name)}
          title={hidden.has(e.name) ? `Show ${e.name}` : `Hide ${e.name}`}
          onClick={() => onToggle(e.name)}
        >
          <svg className="usage-legend-line" width="18" height="10" aria-hidden="true">
            <line x1="1" y1="5" x2="17" y2="5" style={seriesStyle(e.colorIndex)} />
          </svg>
          <span className="usage-legend-name">{e.name}</span>
          {e.note && <span className="muted"> ({e.note})</span>}
        </button>
      ))}
    </div>
  );
}
