// Trace durations over time as dots (log scale, errors in red); a click opens the trace.
import { useNavigate } from 'react-router-dom';
import type { TraceSummary } from '../api/types';
import { formatDuration, formatTime } from '../lib/format';

export function DurationScatter({ traces }: { traces: TraceSummary[] }) {
  const navigate = useNavigate();
  if (traces.length === 0) return null;
  const width = 1000;
  const height = 140;
  const pad = 6;
  const xs = traces.map((t) => t.start_ns);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const ys = traces.map((t) => Math.log10(Math.max(t.duration_ns, 1)));
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const x = (v: number) => pad + ((v - minX) / Math.max(maxX - minX, 1)) * (width - 2 * pad);
  const y = (v: number) => height - pad - ((v - minY) / Math.max(maxY - minY, 0.001)) * (height - 2 * pad);
  return (
    <svg className="scatter" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label="Trace durations over time">
      {traces.map((t, i) => (
        <circle
          key={t.trace_id}
          cx={x(t.start_ns)}
          cy={y(ys[i])}
          r={4}
          className={t.error_count > 0 ? 'dot error' : 'dot'}
          onClick={() => navigate(`/traces/${t.trace_id}`)}
        >
          <title>{`${t.root_service}: ${t.root_name}\n${formatDuration(t.duration_ns)} at ${formatTime(t.start_ns)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
