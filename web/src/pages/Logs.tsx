// The log search: filters live in the URL (shareable), records newest first
// with their severity coloured, each linking to its span in its trace; more
// pages on demand (the api's cursor).
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useCursorPages } from '../api/useCursorPages';
import type { Answer } from '../api/types';
import { LogRecordView } from '../components/LogRecordView';
import { ServiceSelect } from '../components/ServiceSelect';
import { TimeWindowFields } from '../components/TimeWindowFields';
import { Empty, ErrorBox, Loading, PartialWarning } from '../components/Status';
import type { LogRecord } from '../lib/logRecords';
import { LOOKBACKS } from '../lib/traceQuery';
import { logsApiPath, logsFromUrlParams, logsToUrlParams, SEVERITIES, type LogsQuery } from '../lib/logsQuery';
import { usePageTitle } from '../lib/usePageTitle';

type Page = Answer<'searchLogs'>;

const recordsOf = (page: Page) => page.logs;
const appended = (current: LogRecord[], more: LogRecord[]) => [...current, ...more];

export default function Logs() {
  usePageTitle('Logs');
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => logsFromUrlParams(params), [params]);
  const [draft, setDraft] = useState<LogsQuery>(query);
  const pages = useCursorPages<Page, LogRecord>((cursor) => logsApiPath(query, cursor ?? undefined), recordsOf, appended);
  const { items: logs, loading, error } = pages;

  useEffect(() => setDraft(query), [query]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams(logsToUrlParams(draft));
  };
  const set = <K extends keyof LogsQuery>(key: K, value: LogsQuery[K]) => setDraft((d) => ({ ...d, [key]: value }));

  return (
    <section data-testid="logs-page">
      <h1>Logs</h1>
      <form className="filters" onSubmit={submit} aria-label="Search logs" data-testid="log-filters">
        <ServiceSelect value={draft.service} onChange={(service) => set('service', service)} />
        <label>
          Severity
          <select value={draft.severity} onChange={(e) => set('severity', e.target.value)} aria-label="Minimum severity">
            <option value="">any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s} and above
              </option>
            ))}
          </select>
        </label>
        <TimeWindowFields window={draft} lookbacks={LOOKBACKS} onChange={(time) => setDraft((d) => ({ ...d, ...time }))} />
        <label>
          Attributes
          <input value={draft.attrs} onChange={(e) => set('attrs', e.target.value)} placeholder="http.status_code:500" />
        </label>
        <label>
          Text
          <input value={draft.q} onChange={(e) => set('q', e.target.value)} placeholder="full text (3+ characters)" aria-label="Full text" />
        </label>
        <label>
          Trace id
          <input value={draft.traceId} onChange={(e) => set('traceId', e.target.value.trim())} placeholder="32 hex digits" size={12} />
        </label>
        <label>
          Event
          <input value={draft.eventName} onChange={(e) => set('eventName', e.target.value)} placeholder="gen_ai.evaluation.result" />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={error} />
      <PartialWarning answer={pages.last} />
      {loading && logs.length === 0 && <Loading what="Searching" />}
      {!loading && !error && logs.length === 0 && <Empty>No log record matches. Widen the time range or remove a filter.</Empty>}
      {logs.length > 0 && (
        <ol className="log-list" data-testid="log-results">
          {logs.map((log) => (
            <LogRecordView key={log.log_id} log={log} />
          ))}
        </ol>
      )}
      {pages.hasMore && (
        <button type="button" onClick={pages.loadMore} disabled={loading} data-testid="logs-more">
          Load more
        </button>
      )}
    </section>
  );
}
