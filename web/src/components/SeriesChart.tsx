// Lines of per-bucket values over a time axis, one line per series, in SVG drawn at
// the width it is shown at. The time axis has ticks at round local times (the zone
// every page shows times in, named under the axis) and says the bucket size; the
// value axis has round ticks in the metric's unit, on a linear or a log scale.
// Hovering (or a finger, or the arrow keys) picks a bucket and shows its time and
// every shown series' value. The legend hides and shows series.
import { useState, type KeyboardEvent, type PointerEvent } from 'react';
import { timeZoneName } from '../lib/agentRun';
import { bucketAt, gappedPath, stepText, timeTicks, valueScale, type ScaleKind } from '../lib/chartScales';
import { formatTick, type Unit } from '../lib/usageSeries';
import { ChartHover } from './ChartHover';
import { ChartLegend } from './ChartLegend';
import { seriesStyle } from './seriesColors';
import { useElementWidth } from './useElementWidth';

export interface ChartLine {
  name: string;
  values: (number | null)[]; // one per bucket of `starts`
  colorIndex: number; // stable per name, so a model keeps its colour across metrics
  note?: string;
}

export interface SeriesChartProps {
  label: string; // what the chart shows, for screen readers and the legend
  valueTitle: string; // the value axis's title: metric, unit, bucket
  starts: number[]; // bucket starts, unix ms
  bucketMs: number;
  lines: ChartLine[];
  unit: Unit;
  scale: ScaleKind;
  hidden: ReadonlySet<string>;
  onToggle: (name: string) => void;
  testId?: string;
}

const MARGIN = { left: 56, right: 14, top: 12, bottom: 38 };
// Dots on each value while they can be told apart; lines alone past that.
const MAX_DOTS = 120;

export function SeriesChart(props: SeriesChartProps) {
  const { starts, bucketMs, lines, unit, scale, hidden } = props;
  const [ref, width] = useElementWidth<HTMLElement>(720);
  const [hover, setHover] = useState<number | null>(null);
  const height = width < 520 ? 190 : 240;
  const plotW = Math.max(40, width - MARGIN.left - MARGIN.right);
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const shown = lines.filter((l) => !hidden.has(l.name));
  const values = shown.flatMap((l) => l.values.filter((v): v is number => v !== null));
  const yScale = valueScale(scale, values, Math.max(3, Math.floor(plotH / 30)));
  const domainStart = starts[0] ?? 0;
  const domainEnd = (starts[starts.length - 1] ?? 0) + bucketMs;
  const x = (ms: number) => MARGIN.left + ((ms - domainStart) / Math.max(1, domainEnd - domainStart)) * plotW;
  const y = (v: number | null) => {
    const f = v === null ? null : yScale.fraction(v);
    return f === null ? null : MARGIN.top + (1 - f) * plotH;
  };
  // Each bucket's value sits at the bucket's middle: the time it stands for.
  const mid = (i: number) => x(starts[i] + bucketMs / 2);
  const ticks = timeTicks(domainStart, domainEnd, Math.max(2, Math.floor(plotW / 56)));
  // A label at the right edge ends there rather than past the chart.
  const anchor = (px: number) => (px > width - 22 ? 'end' : 'middle');
  const zone = timeZoneName(domainStart * 1e6);

  const pick = (event: PointerEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const index = bucketAt(event.clientX - box.left - MARGIN.left, plotW, starts.length);
    setHover(index >= 0 ? index : null);
  };
  const keys = (event: KeyboardEvent<SVGSVGElement>) => {
    const last = starts.length - 1;
    const moves: Record<string, number> = { ArrowLeft: (hover ?? last + 1) - 1, ArrowRight: (hover ?? -1) + 1, Home: 0, End: last };
    if (event.key === 'Escape') setHover(null);
    else if (event.key in moves) {
      event.preventDefault();
      setHover(Math.min(last, Math.max(0, moves[event.key])));
    }
  };

  return (
    <figure className="usage-chart" ref={ref} data-testid={props.testId}>
      <div className="usage-chart-title">{props.valueTitle}</div>
      <div className="usage-chart-plot">
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={`${props.label}. Arrow keys read one bucket at a time.`}
          tabIndex={0}
          onPointerMove={pick}
          onPointerDown={pick}
          onPointerLeave={(e) => e.pointerType === 'mouse' && setHover(null)}
          onKeyDown={keys}
          onBlur={() => setHover(null)}
        >
          {yScale.ticks.map((t) => (
            <g key={t} className="usage-chart-ytick">
              <line x1={MARGIN.left} x2={MARGIN.left + plotW} y1={y(t) ?? 0} y2={y(t) ?? 0} />
              <text x={MARGIN.left - 6} y={(y(t) ?? 0) + 4} textAnchor="end">
                {formatTick(unit, t)}
              </text>
            </g>
          ))}
          {ticks.map((t) => (
            <g key={t.ms} className="usage-chart-xtick">
              <line x1={x(t.ms)} x2={x(t.ms)} y1={MARGIN.top + plotH} y2={MARGIN.top + plotH + 5} />
              <text x={x(t.ms)} y={MARGIN.top + plotH + 17} textAnchor={anchor(x(t.ms))}>
                {t.label}
              </text>
              {t.date && (
                <text x={x(t.ms)} y={MARGIN.top + plotH + 30} textAnchor={anchor(x(t.ms))} className="usage-chart-date">
                  {t.date}
                </text>
              )}
            </g>
          ))}
          <line className="usage-chart-axis" x1={MARGIN.left} x2={MARGIN.left + plotW} y1={MARGIN.top + plotH} y2={MARGIN.top + plotH} />
          {hover !== null && <line className="usage-chart-cursor" x1={mid(hover)} x2={mid(hover)} y1={MARGIN.top} y2={MARGIN.top + plotH} />}
          {lines.map((line) =>
            hidden.has(line.name) ? null : (
              <g key={line.name} className="usage-chart-line" data-series={line.name}>
                <path fill="none" style={seriesStyle(line.colorIndex)} d={gappedPath(line.values.map((v, i) => (y(v) === null ? null : { x: mid(i), y: y(v)! })))} />
                {line.values.map((v, i) =>
                  y(v) !== null && (starts.length <= MAX_DOTS || i === hover) ? (
                    <circle key={i} cx={mid(i)} cy={y(v)!} r={i === hover ? 4 : 2.2} style={{ fill: seriesStyle(line.colorIndex).stroke as string }} />
                  ) : null,
                )}
              </g>
            ),
          )}
        </svg>
        {hover !== null && starts[hover] !== undefined && (
          <ChartHover
            startMs={starts[hover]}
            bucketMs={bucketMs}
            zone={zone}
            unit={unit}
            lines={shown.map((l) => ({ name: l.name, colorIndex: l.colorIndex, value: l.values[hover] ?? null, note: l.note }))}
            left={mid(hover)}
            flip={mid(hover) > width / 2}
          />
        )}
      </div>
      <figcaption className="usage-chart-caption">
        Time{zone ? ` (${zone})` : ''}, {stepText(bucketMs)} buckets{scale === 'log' ? '; log scale: zero is not drawn' : ''}
      </figcaption>
      <ChartLegend label={props.label} entries={lines} hidden={hidden} onToggle={props.onToggle} />
    </figure>
  );
}
