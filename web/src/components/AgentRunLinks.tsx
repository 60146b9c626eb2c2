// On a workflow run's page: the agent runs below the opened node's span, each
// a link to its agent run page; nothing when the node ran no agent.
import { Link } from 'react-router-dom';
import type { Span } from '../api/types';
import { agentRunsWithin } from '../lib/agentRun';
import { runPath } from '../lib/runsQuery';

export function AgentRunLinks({ spans, spanId }: { spans: Span[]; spanId: string }) {
  const agents = agentRunsWithin(spans, spanId);
  if (agents.length === 0) return null;
  return (
    <p className="agent-run-links" data-testid="node-agent-runs">
      {agents.length === 1 ? 'Agent run: ' : 'Agent runs: '}
      {agents.map((agent, i) => (
        <span key={agent.span_id}>
          {i > 0 && ', '}
          <Link to={runPath({ ...agent, span_type: 'agent' })}>{agent.name}</Link>
        </span>
      ))}
    </p>
  );
}
