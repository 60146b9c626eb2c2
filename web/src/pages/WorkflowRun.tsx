// One Junjo run: its graph and state debugger as one view (the current step
// rings the node that made the change and opens its span; the step and the
// opened span are in the URL; ← and → step), its node spans in order, and the
// previous / next run of the same workflow.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { workflowApiPath } from '../api/paths';
import { useApi } from '../api/useApi';
import type { Answer } from '../api/types';
import { AgentRunLinks } from '../components/AgentRunLinks';
import { SpanDetail } from '../components/SpanDetail';
import { StateDebugger } from '../components/StateDebugger';
import { ErrorBox, Loading } from '../components/Status';
import { WorkflowGraphView } from '../components/WorkflowGraphView';
import { formatDuration } from '../lib/format';
import { runPickLabel } from '../lib/runsQuery';
import { nodeOfSpan, nodeRuns, parseGraph, runSummary, type NodeRun } from '../lib/junjoGraph';
import { focusOf, readRunView, stepForKey, writeRunView, type RunView } from '../lib/junjoGraphSelection';
import { WorkflowRunHeader } from './WorkflowRunHeader';
import { usePageTitle } from '../lib/usePageTitle';

// Left and right arrows step the state debugger, unless the reader is typing.
function useStepKeys(step: number, stepCount: number, onStep: (step: number) => void) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const target = e.target as HTMLElement | null;
      if (target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable)) return;
      const next = stepForKey(e.key, step, stepCount);
      if (next === null) return;
      e.preventDefault();
      onStep(next);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [step, stepCount, onStep]);
}

// The page's query, changed at once on a step or a click and written to the URL
// after. React Router applies URL changes as transitions, which would leave the
// debugger a render behind the click (and a second quick click stepping from a
// stale step); so the page keeps its own copy, and takes the URL's only when it
// changes from outside (a link, back and forward), not when our own writes land.
function useImmediateSearch(): [URLSearchParams, (next: URLSearchParams) => void] {
  const [search, setSearch] = useSearchParams();
  const url = search.toString();
  const [query, setQuery] = useState(url);
  const written = useRef<string[]>([]);
  useEffect(() => {
    const ours = written.current.indexOf(url);
    if (ours >= 0) written.current = written.current.slice(ours + 1);
    else {
      written.current = [];
      setQuery(url);
    }
  }, [url]);
  const update = useCallback(
    (next: URLSearchParams) => {
      written.current.push(next.toString());
      setQuery(next.toString());
      setSearch(next, { replace: true });
    },
    [setSearch],
  );
  return [useMemo(() => new URLSearchParams(query), [query]), update];
}

export default function WorkflowRun() {
  const { traceId = '', spanId = '' } = useParams();
  const navigate = useNavigate();
  const [search, setSearch] = useImmediateSearch();
  const { data, error, loading } = useApi<Answer<'getWorkflow'>>(workflowApiPath(traceId, spanId));
  const run = data?.run ?? undefined;
  usePageTitle(run?.name, 'Workflow run');
  const siblings = useApi<Answer<'listWorkflows'>>(
    run ? `/api/v1/workflows?name=${encodeURIComponent(run.name)}&service=${encodeURIComponent(run.service)}&limit=200` : null,
  );
  const spans = useMemo(() => data?.spans ?? [], [data]);
  const steps = useMemo(() => data?.state_changes ?? [], [data]);
  const graph = useMemo(() => parseGraph(run?.graph), [run]);
  const runs = useMemo(() => (graph ? nodeRuns(graph, spans, spanId) : new Map<string, NodeRun>()), [graph, spans, spanId]);
  const nodeOf = useMemo(() => nodeOfSpan(runs), [runs]);
  const spansOf = useMemo(() => new Map([...runs].map(([id, r]) => [id, r.spans.map((s) => s.span_id)])), [runs]);
  const summary = useMemo(() => runSummary(spans), [spans]);
  const spanNames = useMemo(() => new Map(spans.map((s) => [s.span_id, s.name])), [spans]);
  const nodeSpans = useMemo(
    () => spans.filter((s) => s.span_id !== spanId && s.attributes?.['junjo.span_type'] !== undefined),
    [spans, spanId],
  );

  const view = readRunView(search, steps.length);
  const show = useCallback((next: RunView) => setSearch(writeRunView(search, next)), [search, setSearch]);
  const toStep = useCallback((step: number) => show({ step }), [show]);
  const open = (spanToOpen: string) => show({ step: view.step, span: spanToOpen, node: nodeOf.get(spanToOpen) });
  useStepKeys(view.step, steps.length, toStep);
  const focus = focusOf(view, steps.map((s) => s.span_id), nodeOf, spansOf);

  if (error) return <ErrorBox error={error} />;
  if (loading || !data) return <Loading what="Loading the run" />;
  if (!run) return <ErrorBox error={new Error('No workflow run with this trace and span id.')} />;

  const list = siblings.data?.runs ?? [];
  const position = list.findIndex((r) => r.span_id === run.span_id && r.trace_id === run.trace_id);
  const newer = position > 0 ? list[position - 1] : undefined;
  const older = position >= 0 && position + 1 < list.length ? list[position + 1] : undefined;
  const selectedSpan = focus.span ? spans.find((s) => s.span_id === focus.span) : undefined;

  return (
    <section className="run-page">
      <header>
        <WorkflowRunHeader run={run} summary={summary} spans={spans} onOpen={open} />
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
                      {runPickLabel(r)}
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
            <WorkflowGraphView
              graph={graph}
              runs={runs}
              selectedNode={focus.node}
              currentNode={focus.currentNode}
              onSelect={(node, span) => show({ step: view.step, span, node })}
            />
          ) : (
            <p className="muted">This run carries no graph.</p>
          )}
          <h2>Node spans</h2>
          <ol className="node-spans">
            {nodeSpans.map((s) => (
              <li key={s.span_id} className={focus.span === s.span_id ? 'active' : ''}>
                <button type="button" className="link" onClick={() => open(s.span_id)}>
                  {s.name}
                </button>{' '}
                <span className="muted">
                  {String(s.attributes?.['junjo.span_type'])} · {formatDuration(s.duration_ns)}
                </span>
              </li>
            ))}
          </ol>
        </div>
        <div>
          {selectedSpan && <AgentRunLinks spans={spans} spanId={selectedSpan.span_id} />}
          {selectedSpan ? <SpanDetail span={selectedSpan} answer={data} traceStartNs={run.start_ns} /> : <p className="muted">Click a node to see its span.</p>}
        </div>
      </div>
      <h2>State</h2>
      <StateDebugger start={run.state_start} steps={steps} traceId={run.trace_id} spanNames={spanNames} index={view.step} onIndex={toStep} />
    </section>
  );
}
