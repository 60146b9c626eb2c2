// One Junjo run: its graph, its node spans in order, the state debugger, and the
// previous / next run of the same workflow.
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useApi } from '../api/useApi';
import type { Answer } from '../api/types';
import { SpanDetail } from '../components/SpanDetail';
import { StateDebugger } from '../components/StateDebugger';
import { ErrorBox, Loading } from '../components/Status';
import { WorkflowGraphView } from '../components/WorkflowGraphView';
import { formatDuration, formatTime } from '../lib/format';
import { nodeRuns, parseGraph } from '../lib/junjoGraph';
import { runOutcome } from './Workflows';

export default function WorkflowRun() {
  const { traceId = '', spanId = '' } = useParams();
  const navigate = useNavigate();
  const { data, error, loading } = useApi<Answer<'getWorkflow'>>(
    `/api/v1/workflows/${traceId}/${spanId}`,
  );
  const run = data?.run ?? undefined;
  const siblings = useApi<Answer<'listWorkflows'>>(
    run ? `/api/v1/workflows?name=${encodeURIComponent(run.name)}&service=${encodeURIComponent(run.service)}&limit=200` : null,
  );
  const [selected, setSelected] = useState<string>();
  const graph = useMemo(() => parseGraph(run?.graph), [run]);
  const runs = useMemo(() => (graph && data ? nodeRuns(graph, data.spans) : new Map()), [graph, data]);
  const spanNames = useMemo(() => new Map((data?.spans ?? []).map((s) => [s.span_id, s.name])), [data]);
  const nodeSpans = useMemo(
    () => (data?.spans ?? []).filter((s) => s.span_id !== spanId && s.attributes?.['junjo.span_type'] !== undefined),
    [data, spanId],
  );

  if (error) return <ErrorBox error={error} />;
  if (loading || !data) return <Loading what="Loading the run" />;
  if (!run) return <ErrorBox error={new Error('No workflow run with this trace and span id.')} />;

  const list = siblings.data?.runs ?? [];
  const position = list.findIndex((r) => r.span_id === run.span_id && r.trace_id === run.trace_id);
  const newer = position > 0 ? list[position - 1] : undefined;
  const older = position >= 0 && position + 1 < list.length ? list[position + 1] : undefined;
  const selectedSpan = selected ? data.spans.find((s) => s.span_id === selected) : undefined;

  return (
    <section className="run-page">
      <header>
        <h1>
          {run.name} <span className={`badge ${runOutcome(run)}`}>{runOutcome(run)}</span>
        </h1>
        <p className="muted">
          {run.service} · {formatTime(run.start_ns)} · {formatDuration(run.duration_ns)} · {run.node_count} nodes · {run.state_change_count} state
          changes · <Link to={`/traces/${run.trace_id}?span=${run.span_id}`}>open as trace</Link>
        </p>
        <div className="toolbar">
          <button type="button" disabled={!older} onClick={() => older && navigate(`/workflows/${older.trace_id}/${older.span_id}`)}>
            ◀ Previous run
          </button>
          <button type="button" disabled={!newer} onClick={() => newer && navigate(`/workflows/${newer.trace_id}/${newer.span_id}`)}>
            Next run ▶
          </button>
          {list.length > 1 && (
            <label>
              Compare with{' '}
              <select
                aria-label="Compare with run"
                value=""
                onChange={(e) => e.target.value && navigate(`/workflows/compare?a=${run.trace_id}:${run.span_id}&b=${e.target.value}`)}
              >
                <option value="">pick a run…</option>
                {list
                  .filter((r) => r.span_id !== run.span_id || r.trace_id !== run.trace_id)
                  .map((r) => (
                    <option key={r.run_id} value={`${r.trace_id}:${r.span_id}`}>
                      {formatTime(r.start_ns)} · {formatDuration(r.duration_ns)} · {runOutcome(r)}
                    </option>
                  ))}
              </select>
            </label>
          )}
        </div>
      </header>
      <div className="run-grid">
        <div>
          <h2>Graph {run.graph_format && <span className="muted">({run.graph_format})</span>}</h2>
          {graph ? (
            <WorkflowGraphView graph={graph} runs={runs} selectedSpanId={selected} onSelect={setSelected} />
          ) : (
            <p className="muted">This run carries no graph.</p>
          )}
          <h2>Node spans</h2>
          <ol className="node-spans">
            {nodeSpans.map((s) => (
              <li key={s.span_id} className={selected === s.span_id ? 'active' : ''}>
                <button type="button" className="link" onClick={() => setSelected(s.span_id)}>
                  {s.name}
                </button>{' '}
                <span className="muted">
                  {String(s.attributes?.['junjo.span_type'])} · {formatDuration(s.duration_ns)}
                </span>
              </li>
            ))}
          </ol>
        </div>
        <div>{selectedSpan ? <SpanDetail span={selectedSpan} traceStartNs={run.start_ns} /> : <p className="muted">Click a node to see its span.</p>}</div>
      </div>
      <h2>State</h2>
      <StateDebugger start={run.state_start} steps={data.state_changes} traceId={run.trace_id} spanNames={spanNames} onStep={setSelected} />
    </section>
  );
}
