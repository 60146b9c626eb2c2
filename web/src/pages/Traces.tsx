// The trace search: filters live in the URL (shareable), results as a table and a
// duration scatter, more pages on demand, and a Live switch that streams newly
// indexed matching traces in (the api's SSE live tail).
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { apiGet, isAbort } from '../api/client';
import type { Answer, Completeness, TraceSummary } from '../api/types';
import { DurationScatter } from '../components/DurationScatter';
import { ServiceSelect } from '../components/ServiceSelect';
import { TimeWindowFields } from '../components/TimeWindowFields';
import { Empty, ErrorBox, Loading, PartialWarning } from '../components/Status';
import { formatDuration, formatTime, shortId } from '../lib/format';
import { fromUrlParams, LOOKBACKS, toApiPath, toLivePath, toUrlParams, type TraceQuery } from '../lib/traceQuery';
import { usePageTitle } from '../lib/usePageTitle';

type Page = Answer<'searchTraces'>;

export default function Traces() {
  usePageTitle('Traces');
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => fromUrlParams(params), [params]);
  const [draft, setDraft] = useState<TraceQuery>(query);
  const [traces, setTraces] = useState<TraceSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [answer, setAnswer] = useState<Completeness>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(false);
  const [live, setLive] = useState(false);
  const pageController = useRef<AbortController | null>(null);

  useEffect(() => setDraft(query), [query]);

  const load = (more: boolean) => {
    pageController.current?.abort();
    const controller = new AbortController();
    pageController.current = controller;
    setLoading(true);
    apiGet<Page>(toApiPath(query, more ? cursor ?? undefined : undefined), controller.signal)
      .then((page) => {
        setTraces((current) => (more ? [...current, ...page.traces] : page.traces));
        setCursor(page.next_cursor);
        setAnswer(page);
        setError(undefined);
      })
      .catch((e) => {
        if (!isAbort(e)) setError(e as Error);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
  };

  useEffect(() => {
    load(false);
    return () => pageController.current?.abort();
  }, [query]);

  useEffect(() => {
    if (!live) return;
    const source = new EventSource(toLivePath(query));
    source.addEventListener('trace', (event) => {
      const trace = JSON.parse((event as MessageEvent).data) as TraceSummary;
      setTraces((current) => [trace, ...current.filter((t) => t.trace_id !== trace.trace_id)].slice(0, 1000));
    });
    source.addEventListener('partial', (event) => {
      // The live stream's partial event carries the missing_partitions of a Completeness.
      const { missing_partitions: missing } = JSON.parse((event as MessageEvent).data) as Pick<Completeness, 'missing_partitions'>;
      setAnswer({ partial: missing.length > 0, missing_partitions: missing });
    });
    return () => source.close();
  }, [live, query]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams(toUrlParams(draft));
  };
  const set = <K extends keyof TraceQuery>(key: K, value: TraceQuery[K]) => setDraft((d) => ({ ...d, [key]: value }));

  return (
    <section>
      <h1>Traces</h1>
      <form className="filters" onSubmit={submit} aria-label="Search traces">
        <ServiceSelect value={draft.service} onChange={(service) => set('service', service)} />
        <label>
          Operation
          <input value={draft.operation} onChange={(e) => set('operation', e.target.value)} placeholder="span name" />
        </label>
        <TimeWindowFields window={draft} lookbacks={LOOKBACKS} onChange={(time) => setDraft((d) => ({ ...d, ...time }))} />
        <label>
          Min duration
          <input value={draft.minDuration} onChange={(e) => set('minDuration', e.target.value)} placeholder="250ms" size={7} />
        </label>
        <label>
          Max duration
          <input value={draft.maxDuration} onChange={(e) => set('maxDuration', e.target.value)} placeholder="5s" size={7} />
        </label>
        <label>
          Attributes
          <input value={draft.attrs} onChange={(e) => set('attrs', e.target.value)} placeholder="http.status_code:500;llm.token_count.total>1000" />
        </label>
        <label>
          Text
          <input value={draft.q} onChange={(e) => set('q', e.target.value)} placeholder="full text (3+ characters)" aria-label="Full text" />
        </label>
        <label>
          Session
          <input value={draft.sessionId} onChange={(e) => set('sessionId', e.target.value)} placeholder="session id" size={12} data-testid="trace-filter-session" />
        </label>
        <label>
          User
          <input value={draft.userId} onChange={(e) => set('userId', e.target.value)} placeholder="user id" size={10} data-testid="trace-filter-user" />
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.errors} onChange={(e) => set('errors', e.target.checked)} /> errors only
        </label>
        <button type="submit">Search</button>
        <label className="check live-switch">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} aria-label="Live" /> Live
        </label>
      </form>
      <ErrorBox error={error} />
      <PartialWarning answer={answer} />
      <DurationScatter traces={traces} />
      {loading && traces.length === 0 && <Loading what="Searching" />}
      {!loading && !error && traces.length === 0 && <Empty>No trace matches. Widen the time range or remove a filter.</Empty>}
      {traces.length > 0 && (
        <table className="table" data-testid="trace-results">
          <thead>
            <tr>
              <th>Trace</th>
              <th>Root</th>
              <th>Service</th>
              <th>Started</th>
              <th className="num">Duration</th>
              <th className="num">Spans</th>
              <th className="num">Errors</th>
            </tr>
          </thead>
          <tbody>
            {traces.map((t) => (
              <tr key={t.trace_id} className={t.error_count > 0 ? 'row-error' : undefined}>
                <td className="mono">
                  <Link to={`/traces/${t.trace_id}`}>{shortId(t.trace_id)}</Link>
                </td>
                <td>{t.root_name}</td>
                <td>{t.root_service}</td>
                <td>{formatTime(t.start_ns)}</td>
                <td className="num">{formatDuration(t.duration_ns)}</td>
                <td className="num">{t.span_count}</td>
                <td className="num">{t.error_count || ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && !live && (
        <button type="button" onClick={() => load(true)} disabled={loading}>
          Load more
        </button>
      )}
    </section>
  );
}
