// Lines of per-bucket values over a shared time axis (one line per series), in SVG.
import { formatCount } from '../lib/format';

export interface Series {
  name: string;
  points: { t: number; v: number }[];
}

const COLORS = ['#2d6cdf', '#12b76a', '#f79009', '#d92d20', '#7a5af8', '#0ba5ec', '#ee46bc', '#667085'];

export function SeriesChart({ series, fromNs, toNs, label }: { series: Series[]; fromNs: number; toNs: number; label: string }) {
  const width = 900;
  const height = 180;
  const pad = 28;
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.v)));
  const x = (t: number) => pad + ((t - fromNs) / Math.max(toNs - fromNs, 1)) * (width - 2 * pad);
  const y = (v: number) => height - pad - (v / max) * (height - 2 * pad);
  return (
    <figure className="series-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} style={{ width: '100%', maxWidth: width }}>
        <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} className="axis" />
        <text x={4} y={pad} className="axis-label">
          {formatCount(max)}
        </text>
        {series.map((s, i) => (
          <g key={s.name}>
            <polyline
              fill="none"
              stroke={COLORS[i % COLORS.length]}
              strokeWidth={2}
              points={s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')}
            />
            {s.points.map((p) => (
              <circle key={p.t} cx={x(p.t)} cy={y(p.v)} r={2.5} fill={COLORS[i % COLORS.length]}>
                <title>{`${s.name}: ${formatCount(p.v)}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <figcaption>
        {series.map((s, i) => (
          <span key={s.name} className="legend-item">
            <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} /> {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
