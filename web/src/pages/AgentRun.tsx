// One Junjo agent run: how it ended and why, its operations in order (model
// request -> tool calls -> model request ...) each opening its span beside the
// timeline, the tokens per request and in total, and the agent's state from
// start to end, step by step. The opened operation (`?op=<span id>`) and the
// state step (`?step=N`) are in the URL, so a link shows the same view.
import { useMemo, useRef } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { agentRunApiPath } from '../api/paths';
import { useApi } from '../api/useApi';
import type { Answer } from '../api/types';
import { AgentTimeline } from '../components/AgentTimeline';
import { AgentUsageTable } from '../components/AgentUsageTable';
import { ChangesTable } from '../components/ChangesTable';
import { SpanDetail } from '../components/SpanDetail';
import { StateDebugger } from '../components/StateDebugger';
import { ErrorBox, Loading } from '../components/Status';
import { buildTimeline } from '../lib/agentRun';
import { readRunView, writeRunView } from '../lib/junjoGraphSelection';
import { diffStates } from '../lib/stateDiff';
import { AgentRunHeader } from './AgentRunHeader';
import { usePageTitle } from '../lib/usePageTitle';

// Below this width the span panel sits under the timeline (styles.css, agent page section).
const STACKED = '(max-width: 900px)';

function StartToEnd({ start, end }: { start: unknown; end: unknown }) {
  if (start == null && end == null) return <p className="muted">The run reported no state.</p>;
  const changes = diffStates(start, end);
  return (
    <>
      {changes.length === 0 ? (
        <p className="muted">The state at the end is the state at the start.</p>
      ) : (
        <ChangesTable changes={changes} testId="agent-state-changes" />
      )}
      <details>
        <summary>Start and end state</summary>
        <div className="agent-states">
          <div>
            <h4>Start</h4>
            <pre className="json" data-testid="agent-state-start">{JSON.stringify(start, null, 2)}</pre>
          </div>
          <div>
            <h4>End</h4>
            <pre className="json" data-testid="agent-state-end">{JSON.stringify(end, null, 2)}</pre>
          </div>
        </div>
      </details>
    </>
  );
}

export default function AgentRun() {
  const { traceId = '', spanId = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const { data, error, loading } = useApi<Answer<'getAgentRun'>>(agentRunApiPath(traceId, spanId));
  const panel = useRef<HTMLDivElement>(null);
  const run = data?.run;
  usePageTitle(run?.name, 'Agent run');
  const rows = useMemo(() => (run && data ? buildTimeline(run, data.operations) : []), [run, data]);
  const spanNames = useMemo(() => new Map((data?.spans ?? []).map((s) => [s.span_id, s.name])), [data]);
  const steps = data?.state_changes ?? [];

  if (error) return <ErrorBox error={error} />;
  if (loading || !data || !run) return <Loading what="Loading the agent run" />;

  const opened = search.get('op') ?? undefined;
  const openedSpan = opened ? data.spans.find((s) => s.span_id === opened) : undefined;
  const step = readRunView(search, steps.length).step;
  const open = (span: string) => {
    const next = new URLSearchParams(search);
    next.set('op', span);
    setSearch(next, { replace: true });
    // Stacked (a phone), the panel is below the timeline: bring it into view.
    if (window.matchMedia?.(STACKED).matches) requestAnimationFrame(() => panel.current?.scrollIntoView({ block: 'start' }));
  };
  const toStep = (index: number) => setSearch(writeRunView(search, { step: index }), { replace: true });

  return (
    <section className="agent-page">
      <AgentRunHeader run={run} parent={data.parent_run} spans={data.spans} />
      <div className="agent-grid">
        <div>
          <h2>Operations</h2>
          <AgentTimeline rows={rows} traceId={run.trace_id} selected={opened} onOpen={open} />
          <h2>Usage</h2>
          <AgentUsageTable rows={rows} total={run.usage} onOpen={open} />
        </div>
        <div className="agent-panel" ref={panel}>
          {openedSpan ? (
            <SpanDetail span={openedSpan} answer={data} traceStartNs={run.start_ns} />
          ) : (
            <p className="muted">Click an operation to see its span.</p>
          )}
        </div>
      </div>
      <h2>State</h2>
      <StartToEnd start={run.state_start} end={run.state_end} />
      {steps.length > 0 && (
        <StateDebugger start={run.state_start} steps={steps} traceId={run.trace_id} spanNames={spanNames} index={step} onIndex={toStep} />
      )}
    </section>
  );
}
