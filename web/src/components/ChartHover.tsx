// What a chart says about the bucket under the pointer: its time span (with the
// zone) and each shown series' value, largest first.
import { bucketSpanText } from '../lib/chartScales';
import { formatValue, type Unit } from '../lib/usageSeries';
import { seriesColor } from './seriesColors';

export interface HoverLine {
  name: string;
  colorIndex: number;
  value: number | null;
  note?: string;
}

export function ChartHover(props: { startMs: number; bucketMs: number; zone: string; unit: Unit; lines: HoverLine[]; left: number; flip: boolean }) {
  const rows = [...props.lines].sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity));
  return (
    <div className={`usage-hover${props.flip ? ' flip' : ''}`} style={{ left: props.left }} role="status" aria-live="polite" data-testid="usage-hover">
      <div className="usage-hover-time">
        {bucketSpanText(props.startMs, props.bucketMs)}
        {props.zone && ` ${props.zone}`}
      </div>
      <table>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <td>
                <span className="usage-swatch" style={{ background: seriesColor(r.colorIndex) }} />
                {r.name}
              </td>
              <td className="num">{formatValue(props.unit, r.value, r.note ?? '–')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
