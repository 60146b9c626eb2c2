// One column's answer as it streams: the text, tool calls as cards, and the
// figures (tokens, latency, time to first token, cost or 'no price'), the failure
// in words, and the link to the run's recorded trace.
import { Link } from 'react-router-dom';
import { prettyJson } from '../../lib/conversation';
import { costText, errorText, formatMs, latencyMs, timeToFirstTokenMs, usageText, type RunState } from '../../lib/playground/run';

// Only the figures the run has: a failed run has no cost, often no usage.
function Figures({ state, nowMs }: { state: RunState; nowMs: number }) {
  if (state.status === 'idle') return null;
  const firstToken = timeToFirstTokenMs(state);
  const cost = state.done?.cost;
  const facts = [
    state.usage && <span data-testid="pg-usage">{usageText(state.usage)}</span>,
    <>latency <span data-testid="pg-latency">{formatMs(latencyMs(state, nowMs))}</span></>,
    firstToken !== undefined && <>first token <span data-testid="pg-ttft">{formatMs(firstToken)}</span></>,
    state.status === 'done' && (
      <span data-testid="pg-cost" className={cost ? '' : 'muted'} title={cost?.source === 'price_table' ? 'from the model price table' : undefined}>
        {costText(cost)}
      </span>
    ),
    state.done?.finish_reason && <span data-testid="pg-finish">finished: {state.done.finish_reason}</span>,
    state.done?.response_model && <span className="muted">{state.done.response_model}</span>,
  ].filter(Boolean);
  return (
    <p className="pg-figures">
      {facts.map((fact, i) => (
        <span key={i}>
          {i > 0 && ' · '}
          {fact}
        </span>
      ))}
    </p>
  );
}

function TraceLink({ state }: { state: RunState }) {
  const ids = state.done ?? state.error ?? state.start;
  const traceId = ids?.trace_id ?? state.start?.trace_id;
  const spanId = ids?.span_id ?? state.start?.span_id;
  if (!traceId || state.status === 'running') return null;
  return (
    <Link to={`/traces/${traceId}${spanId ? `?span=${spanId}` : ''}`} className="pg-trace-link" data-testid="pg-trace-link">
      recorded trace
    </Link>
  );
}

export function RunOutput({ state, nowMs }: { state: RunState; nowMs: number }) {
  return (
    <div className="pg-output" data-testid="pg-output" data-status={state.status} data-pieces={state.pieces} aria-live="polite">
      {state.status === 'idle' && <p className="muted">Run to see the answer here.</p>}
      {(state.text !== '' || state.status === 'running') && (
        <div className="pg-answer" data-testid="pg-output-text">
          {state.text}
          {state.status === 'running' && <span className="pg-cursor" aria-hidden="true">▍</span>}
        </div>
      )}
      {state.toolCalls.map((call, i) => (
        <div key={i} className="pg-card pg-card-call" data-testid="pg-tool-call-card" data-tool={call.name}>
          <div className="pg-part-head">
            <span className="pg-card-kind">tool call</span> <strong className="mono">{call.name}</strong>
            {call.id && <span className="muted mono"> {call.id}</span>}
          </div>
          <pre className="pg-pre">{prettyJson(call.arguments)}</pre>
        </div>
      ))}
      {state.done?.content_filtered && <p className="error-text" data-testid="pg-filtered">{errorText({ code: 'content_filtered' })}</p>}
      {state.error && (
        <div className="error-box" role="alert" data-testid="pg-error" data-code={state.error.code}>
          {errorText(state.error)}
        </div>
      )}
      <Figures state={state} nowMs={nowMs} />
      <TraceLink state={state} />
    </div>
  );
}
