// Two runs of the same workflow: node durations side by side, nodes that ran in
// only one of them, and the difference between their end states.
import { useMemo } from 'react';
import { ChangesTable } from '../components/ChangesTable';
import { Link, useSearchParams } from 'react-router-dom';
import { useApi } from '../api/useApi';
import type { Answer } from '../api/types';
import { ErrorBox, Loading } from '../components/Status';
import { compareEndStates, compareNodes } from '../lib/compareRuns';
import { formatDuration } from '../lib/format';
import { runPickLabel } from '../lib/runsQuery';
import { usePageTitle } from '../lib/usePageTitle';

type Detail = Answer<'getWorkflow'>;

function path(ref: string | null): string | null {
  if (!ref || !/^[0-9a-f]{32}:[0-9a-f]{16}$/.test(ref)) return null;
  const [trace, span] = ref.split(':');
  return `/api/v1/workflows/${trace}/${span}`;
}

export default function CompareRuns() {
  const [params] = useSearchParams();
  const a = useApi<Detail>(path(params.get('a')));
  const b = useApi<Detail>(path(params.get('b')));
  usePageTitle('Compare runs', a.data?.run?.name);
  const nodes = useMemo(
    () => (a.data?.run && b.data?.run ? compareNodes({ spans: a.data.spans, runSpanId: a.data.run.span_id }, { spans: b.data.spans, runSpanId: b.data.run.span_id }) : []),
    [a.data, b.data],
  );
  if (!path(params.get('a')) || !path(params.get('b'))) return <ErrorBox error={new Error('Pick two runs to compare: ?a=<trace>:<span>&b=<trace>:<span>')} />;
  if (a.error || b.error) return <ErrorBox error={a.error ?? b.error} />;
  if (!a.data || !b.data) return <Loading what="Loading both runs" />;
  const runA = a.data.run;
  const runB = b.data.run;
  if (!runA || !runB) return <ErrorBox error={new Error('One of the runs does not exist.')} />;
  const changes = compareEndStates(runA.state_end, runB.state_end);
  return (
    <section>
      <h1>Compare runs of {runA.name}</h1>
      <table className="table">
        <thead>
          <tr>
            <th />
            <th>
              A: <Link to={`/workflows/${runA.trace_id}/${runA.span_id}`}>{runPickLabel(runA)}</Link>
            </th>
            <th>
              B: <Link to={`/workflows/${runB.trace_id}/${runB.span_id}`}>{runPickLabel(runB)}</Link>
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th>whole run</th>
            <td>{formatDuration(runA.duration_ns)}</td>
            <td>{formatDuration(runB.duration_ns)}</td>
          </tr>
          {nodes.map((n) => (
            <tr key={n.name} className={n.a === null || n.b === null ? 'row-only-one' : undefined} data-testid="compare-node">
              <th>{n.name}</th>
              <td>{n.a === null ? <em className="muted">did not run</em> : formatDuration(n.a)}</td>
              <td>
                {n.b === null ? <em className="muted">did not run</em> : formatDuration(n.b)}
                {n.a !== null && n.b !== null && n.a > 0 && <span className="muted"> ({n.b >= n.a ? '+' : ''}{Math.round(((n.b - n.a) / n.a) * 100)}%)</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>End state: what B has that A did not</h2>
      {changes.length === 0 ? (
        <p className="muted">Both runs ended in the same state.</p>
      ) : (
        <ChangesTable changes={changes} testId="compare-changes" />
      )}
    </section>
  );
}
