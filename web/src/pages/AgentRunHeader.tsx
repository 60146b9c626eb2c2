// The agent run page's header: which agent, how the run ended and why (up
// front), when and how long, the tokens it used in total and where that total
// comes from, its counters and limits, the run it ran inside, and what went
// wrong beside the outcome (hook errors, a terminal commit that failed).
import { Link } from 'react-router-dom';
import type { AgentRunDetail, HookError, Run, Span } from '../api/types';
import { formatDuration, formatTime } from '../lib/format';
import { counters, formatUsage, outcomeTone, parentRunLink, usageSource } from '../lib/agentRun';
import { llmTotals, llmTotalsText } from '../lib/llmTotals';
import { runOutcome } from '../lib/runsQuery';

function HookErrors({ errors, startNs }: { errors: HookError[]; startNs: number }) {
  if (errors.length === 0) return null;
  return (
    <div className="warning" role="note" data-testid="agent-hook-errors">
      <strong>
        {errors.length === 1 ? 'A hook failed' : `${errors.length} hooks failed`} (the run went on):
      </strong>
      <ul>
        {errors.map((e, i) => (
          <li key={i} data-testid="agent-hook-error">
            +{formatDuration(e.time_ns - startNs)} · {e.event ?? 'event ?'} · <span className="mono">{e.callback ?? '?'}</span>: {e['error.type'] ?? 'error'}
            {e['error.message'] && ` ${e['error.message']}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

function CommitFailure({ failure, startNs }: { failure: Record<string, unknown> | null; startNs: number }) {
  if (!failure) return null;
  const time = typeof failure.time_ns === 'number' ? `+${formatDuration(failure.time_ns - startNs)} · ` : '';
  const text = (key: string) => (failure[key] == null ? '' : String(failure[key]));
  return (
    <p className="error-text" data-testid="agent-commit-failure">
      The terminal commit failed ({time}
      {text('error.type') || 'error'}){text('superseded_outcome') && `; the run would have ended ${text('superseded_outcome')}`}.
    </p>
  );
}

export function AgentRunHeader({ run, parent, spans }: { run: AgentRunDetail; parent: Run | null; spans: readonly Span[] }) {
  const llm = llmTotalsText(llmTotals(spans));
  const tone = outcomeTone(run.outcome);
  const usage = formatUsage(run.usage);
  const parentLink = parentRunLink(parent);
  const status = runOutcome(run);
  return (
    <header className="agent-header">
      <h1>
        {run.name}{' '}
        {run.agent_key && (
          <span className="muted mono" data-testid="agent-key">
            {run.agent_key}
          </span>
        )}
      </h1>
      <p className="agent-ending">
        <span className={`badge ${tone}`} data-testid="agent-outcome">
          {run.outcome || 'outcome not reported'}
        </span>{' '}
        <span className={tone === 'error' ? 'error-text' : undefined} data-testid="agent-termination-reason">
          {run.termination_reason || 'no termination reason reported'}
        </span>
      </p>
      <p className="muted" data-testid="agent-facts">
        {run.service} · status {status} · {formatDuration(run.duration_ns)} · started{' '}
        <time dateTime={new Date(run.start_ns / 1_000_000).toISOString()} data-testid="agent-start">
          {formatTime(run.start_ns)}
        </time>
        {run.runtime_id && (
          <>
            {' '}
            · runtime id <span className="mono">{run.runtime_id}</span>
          </>
        )}{' '}
        · <Link to={`/traces/${run.trace_id}?span=${run.span_id}`}>open as trace</Link>
      </p>
      {parentLink && (
        <p data-testid="agent-parent-run">
          Ran inside <Link to={parentLink.path}>{parentLink.label}</Link>
        </p>
      )}
      <p data-testid="agent-usage-total">
        <strong>{usage || 'No usage reported'}</strong> <span className="muted">{usage && usageSource(run.usage)}</span>
      </p>
      {llm && (
        <p className="muted" data-testid="run-llm-totals">
          {llm}
        </p>
      )}
      <dl className="agent-counters" data-testid="agent-counters">
        {counters(run.counts).map((c) => (
          <div key={c.key}>
            <dt>{c.label}</dt>
            <dd>{c.value}</dd>
          </div>
        ))}
      </dl>
      <CommitFailure failure={run.terminal_commit_failure} startNs={run.start_ns} />
      <HookErrors errors={run.hook_errors} startNs={run.start_ns} />
    </header>
  );
}
