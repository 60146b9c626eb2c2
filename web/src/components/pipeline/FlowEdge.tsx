// The arrow between two stages: how many spans a second cross it now, and the
// last hour of that rate (one point a minute).
import { formatCount } from '../../lib/format';
import { Sparkline } from '../Sparkline';

export function FlowEdge({ label, rate, hour, testId }: { label: string; rate: number; hour: (number | null)[]; testId: string }) {
  return (
    <div className="pl-edge" data-testid={testId}>
      <span className="pl-arrow" aria-hidden="true" />
      <span className="pl-rate">
        <strong data-testid={`${testId}-rate`} data-rate={rate}>
          {formatCount(rate)}
        </strong>{' '}
        {label}
      </span>
      {hour.length >= 2 ? (
        <Sparkline values={hour} label={`${label}, last hour`} width={96} height={24} />
      ) : (
        <span className="muted pl-hour-note">last hour: after 2 min</span>
      )}
    </div>
  );
}
