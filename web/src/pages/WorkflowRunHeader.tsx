// The run page's header: what ran (node executions counted from the spans, not
// Junjo's node.count, which leaves out the node that failed), and, up front,
// where the run failed or was cancelled and why, a click away from that span,
// any hook that failed (junjo.hook_error) while the run went on, and the LLM
// calls made inside the run with their tokens and cost.
import { Link } from 'react-router-dom';
import type { RunDetail, Span } from '../api/types';
import { formatDuration, formatTime } from '../lib/format';
import type { RunFailure, RunSummary } from '../lib/junjoGraph';
import { llmTotals, llmTotalsText } from '../lib/llmTotals';
import { runOutcome } from './Workflows';

function Stop({ kind, stop, onOpen }: { kind: 'failure' | 'cancellation'; stop: RunFailure; onOpen: (spanId: string) => void }) {
  return (
    <p className={kind === 'failure' ? 'run-stop error-text' : 'run-stop'} data-testid={`run-${kind}`}>
      {kind === 'failure' ? 'Failed in ' : 'Cancelled in '}
      <button type="button" className="link" onClick={() => onOpen(stop.span.span_id)}>
        {stop.span.name}
      </button>
      : {stop.message}
    </p>
  );
}

export function WorkflowRunHeader({ run, summary, spans, onOpen }: { run: RunDetail; summary: RunSummary; spans: readonly Span[]; onOpen: (spanId: string) => void }) {
  const outcome = runOutcome(run);
  const llm = llmTotalsText(llmTotals(spans));
  return (
    <>
      <h1>
        {run.name} <span className={`badge ${outcome}`}>{outcome}</span>
      </h1>
      <p className="muted" data-testid="run-facts">
        {run.service} · {formatTime(run.start_ns)} · {formatDuration(run.duration_ns)} ·{' '}
        {summary.nodesRan === 1 ? '1 node ran' : `${summary.nodesRan} nodes ran`} · {run.state_change_count} state changes ·{' '}
        <Link to={`/traces/${run.trace_id}?span=${run.span_id}`}>open as trace</Link>
      </p>
      {llm && (
        <p className="muted" data-testid="run-llm-totals">
          {llm}
        </p>
      )}
      {summary.failure && <Stop kind="failure" stop={summary.failure} onOpen={onOpen} />}
      {!summary.failure && summary.cancellation && <Stop kind="cancellation" stop={summary.cancellation} onOpen={onOpen} />}
      {(run.hook_errors ?? []).map((hook, i) => (
        // A failing hook does not fail the run: said here, or nobody would see it.
        <p key={i} className="run-stop error-text" data-testid="run-hook-error">
          Hook {hook.callback ?? '(unnamed)'} failed on {hook.event ?? 'an event'}: {hook['error.type'] ?? 'error'}
          {hook['error.message'] ? `: ${hook['error.message']}` : ''}
        </p>
      ))}
    </>
  );
}
