// Sessions (issue 28): chat sessions newest first, each with its turns, LLM
// calls, tokens, cost (where it came from on hover), errors, users and
// services; filters in the URL (shareable), more pages on demand. A session
// opens its page.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useCursorPages } from '../api/useCursorPages';
import type { Answer } from '../api/types';
import { ServiceSelect } from '../components/ServiceSelect';
import { TimeWindowFields } from '../components/TimeWindowFields';
import { Empty, ErrorBox, Loading, PartialWarning } from '../components/Status';
import { timeZoneName } from '../lib/agentRun';
import { formatAgo, formatCount, formatTime } from '../lib/format';
import {
  costSource,
  formatCost,
  sessionPagePath,
  sessionsApiPath,
  sessionsFromUrlParams,
  sessionsToUrlParams,
  type SessionsQuery,
} from '../lib/sessions';
import { LOOKBACKS } from '../lib/traceQuery';
import { usePageTitle } from '../lib/usePageTitle';

type Page = Answer<'listSessions'>;
type SessionRow = Page['sessions'][number];

const sessionsOf = (page: Page) => page.sessions;
const appended = (current: SessionRow[], more: SessionRow[]) => [...current, ...more];

export default function Sessions() {
  usePageTitle('Sessions');
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => sessionsFromUrlParams(params), [params]);
  const [draft, setDraft] = useState<SessionsQuery>(query);
  const pages = useCursorPages<Page, SessionRow>((cursor) => sessionsApiPath(query, cursor ?? undefined), sessionsOf, appended);
  const { items: sessions, loading, error } = pages;
  const zone = timeZoneName(sessions[0]?.last_seen_ns ?? Date.now() * 1e6);

  useEffect(() => setDraft(query), [query]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams(sessionsToUrlParams(draft));
  };
  const set = <K extends keyof SessionsQuery>(key: K, value: SessionsQuery[K]) => setDraft((d) => ({ ...d, [key]: value }));

  return (
    <section data-testid="sessions-page" className="sessions-page">
      <h1>Sessions</h1>
      <form className="filters" onSubmit={submit} aria-label="Search sessions" data-testid="session-filters">
        <ServiceSelect value={draft.service} onChange={(service) => set('service', service)} />
        <label>
          User
          <input value={draft.user} onChange={(e) => set('user', e.target.value)} placeholder="user.id" size={12} data-testid="session-filter-user" />
        </label>
        <TimeWindowFields window={draft} lookbacks={LOOKBACKS} onChange={(time) => setDraft((d) => ({ ...d, ...time }))} />
        <label>
          Session id
          <input value={draft.q} onChange={(e) => set('q', e.target.value)} placeholder="starts with" size={14} data-testid="session-filter-id" />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={error} />
      <PartialWarning answer={pages.last} />
      {loading && sessions.length === 0 && <Loading what="Searching" />}
      {!loading && !error && sessions.length === 0 && (
        <Empty>No session in this window. Sessions come from session.id or gen_ai.conversation.id on a trace's spans.</Empty>
      )}
      {sessions.length > 0 && (
        <table className="table sessions-table" data-testid="session-results">
          <thead>
            <tr>
              <th>Session</th>
              <th>User</th>
              <th>Last seen{zone ? ` (${zone})` : ''}</th>
              <th className="num">Turns</th>
              <th className="num">LLM calls</th>
              <th className="num">Tokens</th>
              <th className="num">Cost</th>
              <th className="num">Errors</th>
              <th>Services</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.session_id} className={s.error_turns > 0 ? 'row-error' : undefined} data-testid="session-row">
                <td className="mono session-id" data-label="Session">
                  <Link to={sessionPagePath(s.session_id)}>{s.session_id}</Link>
                </td>
                <td data-label="User">{s.users.join(', ') || '-'}</td>
                <td data-label={`Last seen${zone ? ` (${zone})` : ''}`} title={`first seen ${formatTime(s.first_seen_ns)}`}>
                  {formatTime(s.last_seen_ns)} <span className="muted">{formatAgo(s.last_seen_ns)}</span>
                </td>
                <td className="num" data-label="Turns">{s.turns}</td>
                <td className="num" data-label="LLM calls">{s.llm_calls}</td>
                <td className="num" data-label="Tokens" title={`${s.input_tokens} in, ${s.output_tokens} out`}>
                  {formatCount(s.total_tokens)}
                </td>
                <td className="num" data-label="Cost" title={costSource(s)} data-testid="session-cost">
                  {formatCost(s.cost)}
                </td>
                <td className="num" data-label="Errors">{s.error_turns || ''}</td>
                <td data-label="Services">{s.services.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages.hasMore && (
        <button type="button" onClick={pages.loadMore} disabled={loading} data-testid="sessions-more">
          Load more
        </button>
      )}
    </section>
  );
}
