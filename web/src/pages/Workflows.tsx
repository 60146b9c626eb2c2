// Junjo workflow runs, newest first, with their outcome and size.
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useApi } from '../api/useApi';
import type { Answer, Run } from '../api/types';
import { Empty, ErrorBox, Loading, PartialWarning } from '../components/Status';
import { formatDuration, formatTime } from '../lib/format';

export function runOutcome(run: Run): string {
  if (run.cancelled) return 'cancelled';
  return run.status_code === 2 ? 'error' : 'ok';
}

export default function Workflows() {
  const [name, setName] = useState('');
  const path = `/api/v1/workflows?limit=100${name ? `&name=${encodeURIComponent(name)}` : ''}`;
  const { data, error, loading } = useApi<Answer<'listWorkflows'>>(path);
  return (
    <section>
      <h1>Workflow runs</h1>
      <label>
        Workflow name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="any" />
      </label>
      <ErrorBox error={error} />
      <PartialWarning answer={data} />
      {loading && !data && <Loading />}
      {data && data.runs.length === 0 && <Empty>No Junjo workflow runs yet.</Empty>}
      {data && data.runs.length > 0 && (
        <table className="table" data-testid="workflow-runs">
          <thead>
            <tr>
              <th>Workflow</th>
              <th>Service</th>
              <th>Started</th>
              <th className="num">Duration</th>
              <th className="num">Nodes</th>
              <th className="num">State changes</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {data.runs.map((run) => (
              <tr key={run.run_id} className={runOutcome(run) === 'error' ? 'row-error' : undefined}>
                <td>
                  <Link to={`/workflows/${run.trace_id}/${run.span_id}`}>{run.name}</Link> <span className="muted">{run.span_type}</span>
                </td>
                <td>{run.service}</td>
                <td>{formatTime(run.start_ns)}</td>
                <td className="num">{formatDuration(run.duration_ns)}</td>
                <td className="num">{run.node_count}</td>
                <td className="num">{run.state_change_count}</td>
                <td>{runOutcome(run)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
