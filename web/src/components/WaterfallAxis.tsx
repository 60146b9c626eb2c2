// The waterfall's time axis: round ticks with units over the bars' column, for
// the window shown (the whole trace, or what a double-click zoomed to). It sits
// in the same grid as a row, so its ticks line up with the bars.
import { useElementWidth } from './useElementWidth';
import { timeTicks } from '../lib/waterfall';

// Room one label needs ("12.345 ms"); fewer ticks on a phone than on a desktop.
const PX_PER_TICK = 90;

export function WaterfallAxis({ fromNs, toNs, originNs, height, label }: { fromNs: number; toNs: number; originNs: number; height: number; label: string }) {
  const [ref, width] = useElementWidth<HTMLDivElement>(600);
  const ticks = timeTicks(fromNs, toNs, originNs, Math.max(2, Math.floor(width / PX_PER_TICK)));
  return (
    <div className="row axis-row" style={{ height }} data-testid="waterfall-axis" aria-hidden="true">
      <div className="label muted">{label}</div>
      <div className="timeline" ref={ref}>
        {ticks.map((tick) => (
          <span key={tick.label} className={`tick${tick.fraction > 0.85 ? ' end' : ''}`} style={{ left: `${tick.fraction * 100}%` }}>
            {tick.label}
          </span>
        ))}
      </div>
    </div>
  );
}
