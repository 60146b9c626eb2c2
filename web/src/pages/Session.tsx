// One session (issue 28): its turns in time order, each a trace (root name,
// start with its zone, duration, status, LLM calls, tokens, cost, what the
// user said and what the assistant answered when the LLM spans carry the
// conversation), each opening its trace; the totals above.
import { Link, useParams } from 'react-router-dom';
import { useApi } from '../api/useApi';
import type { Answer } from '../api/types';
import { ErrorBox, Loading, PartialWarning } from '../components/Status';
import { timeZoneName } from '../lib/agentRun';
import { formatCount, formatDuration, formatTime } from '../lib/format';
import { costSource, formatCost, messagePreview, sessionApiPath, sessionTracesPath, userTracesPath } from '../lib/sessions';
import { usePageTitle } from '../lib/usePageTitle';

type SessionAnswer = Answer<'getSession'>;

export default function Session() {
  const { sessionId = '' } = useParams();
  usePageTitle(`Session ${sessionId}`);
  const { data, error, loading } = useApi<SessionAnswer>(sessionId ? sessionApiPath(sessionId) : null);
  const zone = data ? timeZoneName(data.first_seen_ns) : '';

  return (
    <section data-testid="session-page" className="session-page">
      <p className="crumbs">
        <Link to="/sessions">Sessions</Link>
      </p>
      <h1 className="mono session-title" data-testid="session-id">{sessionId}</h1>
      <ErrorBox error={error} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <PartialWarning answer={data} />
          <dl className="session-totals" data-testid="session-totals">
            <dt>Turns</dt>
            <dd data-testid="session-turn-count">{data.totals.turns}</dd>
            <dt>From{zone ? ` (${zone})` : ''}</dt>
            <dd>
              {formatTime(data.first_seen_ns)} to {formatTime(data.last_seen_ns)} ({formatDuration(data.last_seen_ns - data.first_seen_ns)})
            </dd>
            <dt>Users</dt>
            <dd>
              {data.users.length === 0
                ? '-'
                : data.users.map((user) => (
                    <Link key={user} to={userTracesPath(user)} className="session-user">
                      {user}
                    </Link>
                  ))}
            </dd>
            <dt>LLM calls</dt>
            <dd>{data.totals.llm_calls}</dd>
            <dt>Tokens</dt>
            <dd data-testid="session-tokens">
              {formatCount(data.totals.total_tokens)} ({formatCount(data.totals.input_tokens)} in, {formatCount(data.totals.output_tokens)} out)
            </dd>
            <dt>Cost</dt>
            <dd title={costSource(data.totals)} data-testid="session-total-cost">
              {formatCost(data.totals.cost)} <span className="muted">{costSource(data.totals)}</span>
            </dd>
            <dt>Errors</dt>
            <dd>{data.totals.error_turns ? `${data.totals.error_turns} turn(s) with errors` : 'none'}</dd>
            <dt>Services</dt>
            <dd>{data.services.join(', ')}</dd>
          </dl>
          <p>
            <Link to={sessionTracesPath(data.session_id)} data-testid="session-traces-link">
              Its traces in the trace search
            </Link>
          </p>
          {data.truncated && <p className="warning">More than 1000 turns: the first 1000 are shown.</p>}
          <ol className="session-turns" data-testid="session-turns">
            {data.turns.map((turn, index) => (
              <li key={turn.trace_id} className={turn.status === 'error' ? 'session-turn turn-error' : 'session-turn'} data-testid="session-turn">
                <div className="turn-head">
                  <span className="turn-number">{index + 1}</span>
                  <Link to={`/traces/${turn.trace_id}`} className="turn-name" data-testid="session-turn-link">
                    {turn.root_name || turn.trace_id}
                  </Link>
                  <span className={`badge ${turn.status}`}>{turn.status}</span>
                  <span className="muted">
                    {formatTime(turn.start_ns)}, {formatDuration(turn.duration_ns)}
                  </span>
                </div>
                {turn.user_message && (
                  <p className="turn-message turn-user" title={turn.user_message}>
                    <span className="turn-role">user</span> {messagePreview(turn.user_message)}
                  </p>
                )}
                {turn.assistant_message && (
                  <p className="turn-message turn-assistant" title={turn.assistant_message}>
                    <span className="turn-role">assistant</span> {messagePreview(turn.assistant_message)}
                  </p>
                )}
                <p className="turn-figures muted" data-testid="session-turn-figures">
                  {turn.llm_calls} LLM call{turn.llm_calls === 1 ? '' : 's'}, {formatCount(turn.total_tokens)} tokens,{' '}
                  <span title={costSource(turn)}>{formatCost(turn.cost)}</span>
                  {turn.user_id ? `, user ${turn.user_id}` : ''}
                </p>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
