// A log search as it lives in the page URL (so a search can be shared) and as
// the api's /api/v1/logs parameters. Defaults are left out of both.

export interface LogsQuery {
  service: string;
  severity: string; // minimum: trace, debug, info, warn, error, fatal, or 1..24; empty for any
  lookback: string; // "15m", "1h", ...; empty for all time (or when start/end are given)
  start: string; // RFC 3339 or empty
  end: string;
  attrs: string; // "key:value;key>n", the api's own syntax
  q: string; // full text
  traceId: string;
  eventName: string;
}

export const SEVERITIES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export const EMPTY_LOGS_QUERY: LogsQuery = {
  service: '',
  severity: '',
  lookback: '1h',
  start: '',
  end: '',
  attrs: '',
  q: '',
  traceId: '',
  eventName: '',
};

// The names in the page URL and in the api, where they differ.
const URL_NAMES: Record<keyof LogsQuery, string> = {
  service: 'service',
  severity: 'severity',
  lookback: 'lookback',
  start: 'start',
  end: 'end',
  attrs: 'attr',
  q: 'q',
  traceId: 'trace_id',
  eventName: 'event_name',
};

function entries(query: LogsQuery): [string, string][] {
  const out: [string, string][] = [];
  for (const key of Object.keys(URL_NAMES) as (keyof LogsQuery)[]) {
    const value = query[key];
    if (key === 'lookback') {
      // A custom window replaces the lookback; the default stays implicit, "all time" is "none".
      if (!query.start && value !== EMPTY_LOGS_QUERY.lookback) out.push([URL_NAMES[key], value || 'none']);
    } else if (value) {
      out.push([URL_NAMES[key], value]);
    }
  }
  return out;
}

export function logsToUrlParams(query: LogsQuery): URLSearchParams {
  return new URLSearchParams(entries(query));
}

export function logsFromUrlParams(params: URLSearchParams): LogsQuery {
  const query: LogsQuery = { ...EMPTY_LOGS_QUERY };
  for (const key of Object.keys(URL_NAMES) as (keyof LogsQuery)[]) {
    const value = params.get(URL_NAMES[key]);
    if (value === null) continue;
    query[key] = key === 'lookback' && value === 'none' ? '' : value;
  }
  if (query.start) query.lookback = '';
  return query;
}

// The api path for one page of records, newest first.
export function logsApiPath(query: LogsQuery, cursor?: string, limit = 100): string {
  const params = new URLSearchParams(entries(query).filter(([name, value]) => !(name === 'lookback' && value === 'none')));
  if (!query.start && query.lookback === EMPTY_LOGS_QUERY.lookback) params.set('lookback', query.lookback);
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return `/api/v1/logs?${params.toString()}`;
}

// The api path for one span's records (oldest first).
export function spanLogsApiPath(traceId: string, spanId: string): string {
  return `/api/v1/traces/${encodeURIComponent(traceId)}/logs?span_id=${encodeURIComponent(spanId)}`;
}
