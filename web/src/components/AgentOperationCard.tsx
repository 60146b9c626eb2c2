// One operation of an agent run: what it was (a model request: provider, model,
// response and usage; a tool call: the tool, its call id, the arguments the
// model asked for beside those validated, and the result or why there is none),
// its bar in the run's time, and, when it failed, its status message in red.
// A click on its head opens its span (the page keeps which, in the URL).
import { Link } from 'react-router-dom';
import { formatDuration } from '../lib/format';
import type { AgentOperation } from '../api/types';
import { compareArguments, formatUsage, type TimelineRow } from '../lib/agentRun';
import { ChangesTable } from './ChangesTable';

const KIND_LABEL: Record<TimelineRow['kind'], string> = { model_request: 'model request', tool_call: 'tool call', other: 'operation' };

function Json({ value, testId }: { value: unknown; testId: string }) {
  return (
    <pre className="json" data-testid={testId}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

function ModelFacts({ op }: { op: AgentOperation }) {
  const usage = formatUsage(op.usage);
  return (
    <p className="agent-op-facts">
      {(op.model_provider || op.model_name) && (
        <span className="mono">
          {op.model_provider}
          {op.model_provider && op.model_name && '/'}
          {op.model_name}
        </span>
      )}
      {op.response_type && <span> · answered {op.response_type.replace(/_/g, ' ')}</span>}
      <span data-testid="agent-operation-usage"> · {usage || 'no usage reported'}</span>
    </p>
  );
}

function ToolArguments({ op }: { op: AgentOperation }) {
  const verdict = compareArguments(op);
  return (
    <div className="agent-args">
      <div>
        <h4>Requested by the model</h4>
        {op.requested_arguments == null ? <p className="muted">not reported</p> : <Json value={op.requested_arguments} testId="agent-requested-arguments" />}
      </div>
      <div>
        <h4>Validated</h4>
        {op.arguments == null ? (
          <p className={verdict.state === 'failed' ? 'error-text' : 'muted'}>{verdict.state === 'failed' ? 'none: validation failed' : 'none'}</p>
        ) : (
          <Json value={op.arguments} testId="agent-validated-arguments" />
        )}
      </div>
      <p className={`agent-args-verdict ${verdict.state === 'failed' ? 'error-text' : 'muted'}`} data-testid="agent-arguments-verdict" data-state={verdict.state}>
        {verdict.state === 'same' && 'Validated as requested.'}
        {verdict.state === 'coerced' && 'Validation changed the arguments:'}
        {verdict.state === 'failed' && (verdict.reason === op.status_message ? 'Validation failed (the status above says why).' : `Validation failed: ${verdict.reason}.`)}
        {verdict.state === 'unchecked' && `Not validated: ${verdict.reason}`}
      </p>
      {verdict.state === 'coerced' && <ChangesTable changes={verdict.changes} testId="agent-arguments-changes" />}
    </div>
  );
}

function ToolFacts({ op }: { op: AgentOperation }) {
  return (
    <>
      <p className="agent-op-facts">
        tool <strong>{op.tool_name ?? '?'}</strong>
        {op.tool_call_id && (
          <>
            {' '}
            · call <span className="mono">{op.tool_call_id}</span>
          </>
        )}
      </p>
      <ToolArguments op={op} />
      <h4>Result</h4>
      {op.result != null ? (
        <Json value={op.result} testId="agent-tool-result" />
      ) : (
        <p className="muted" data-testid="agent-tool-no-result">
          none{op.result_unavailable_reason && `: ${op.result_unavailable_reason.replace(/_/g, ' ')}`}
        </p>
      )}
    </>
  );
}

export function AgentOperationCard({
  row,
  traceId,
  selected,
  onOpen,
}: {
  row: TimelineRow;
  traceId: string;
  selected: boolean;
  onOpen: (spanId: string) => void;
}) {
  const { op, kind, outcome } = row;
  return (
    <li
      className={`agent-op ${kind} ${outcome}${row.turnOf ? ' in-turn' : ''}${selected ? ' selected' : ''}`}
      data-testid="agent-operation"
      data-type={kind}
      data-outcome={outcome}
      data-span-id={op.span_id}
      aria-current={selected ? 'true' : undefined}
    >
      <button type="button" className="agent-op-head" onClick={() => onOpen(op.span_id)} aria-label={`Open ${op.name}`}>
        <span className="agent-op-seq">{op.sequence ?? '–'}</span>
        <span className={`badge ${kind}`}>{KIND_LABEL[kind]}</span>
        <span className="agent-op-name">{op.name}</span>
        <span className="agent-op-duration">{formatDuration(op.duration_ns)}</span>
      </button>
      <div className="agent-op-track" aria-hidden="true">
        <span className={`agent-op-bar ${outcome}`} style={{ left: `${row.offsetPct}%`, width: `${row.widthPct}%` }} />
      </div>
      {outcome !== 'ok' && (
        <p className={outcome === 'error' ? 'error-text' : 'muted'} data-testid="agent-operation-status">
          {outcome === 'error' ? 'Failed' : 'Cancelled'}
          {op.status_message && `: ${op.status_message}`}
        </p>
      )}
      {kind === 'model_request' && <ModelFacts op={op} />}
      {kind === 'tool_call' && <ToolFacts op={op} />}
      <p className="agent-op-links">
        <Link to={`/traces/${traceId}?span=${op.span_id}`}>in the trace</Link>
      </p>
    </li>
  );
}
