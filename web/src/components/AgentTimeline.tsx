// An agent run's operations in order (model request -> its tool calls -> model
// request ...), each a card with its bar in the run's time.
import type { TimelineRow } from '../lib/agentRun';
import { Empty } from './Status';
import { AgentOperationCard } from './AgentOperationCard';

export function AgentTimeline({
  rows,
  traceId,
  selected,
  onOpen,
}: {
  rows: TimelineRow[];
  traceId: string;
  selected: string | undefined;
  onOpen: (spanId: string) => void;
}) {
  if (rows.length === 0) return <Empty>This run reported no model requests or tool calls (yet).</Empty>;
  return (
    <ol className="agent-timeline" aria-label="Operations" data-testid="agent-timeline">
      {rows.map((row) => (
        <AgentOperationCard key={row.op.span_id} row={row} traceId={traceId} selected={selected === row.op.span_id} onOpen={onOpen} />
      ))}
    </ol>
  );
}
