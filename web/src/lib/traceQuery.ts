// A trace search as it lives in the page URL (so a search can be shared) and as
// the api's /api/v1/traces parameters. Defaults are left out of both.

export interface TraceQuery {
  service: string;
  operation: string;
  lookback: string; // "15m", "1h", ...; empty when start/end are given
  start: string; // RFC 3339 or empty
  end: string;
  minDuration: string; // "250ms", "2s"
  maxDuration: string;
  errors: boolean;
  attrs: string; // "key:value;key>n", the api's own syntax
  q: string; // full text
  sessionId: string; // the traces of a session (session.id / gen_ai.conversation.id)
  userId: string; // the traces of a user (user.id / enduser.id)
}

export const LOOKBACKS = ['15m', '1h', '6h', '24h', '7d'] as const;

export const EMPTY_QUERY: TraceQuery = {
  service: '',
  operation: '',
  lookback: '1h',
  start: '',
  end: '',
  minDuration: '',
  maxDuration: '',
  errors: false,
  attrs: '',
  q: '',
  sessionId: '',
  userId: '',
};

const URL_NAMES: Record<keyof TraceQuery, string> = {
  service: 'service',
  operation: 'operation',
  lookback: 'lookback',
  start: 'start',
  end: 'end',
  minDuration: 'min',
  maxDuration: 'max',
  errors: 'errors',
  attrs: 'attr',
  q: 'q',
  sessionId: 'session_id',
  userId: 'user_id',
};

const API_NAMES: Record<keyof TraceQuery, string> = {
  ...URL_NAMES,
  minDuration: 'min_duration',
  maxDuration: 'max_duration',
};

function entries(query: TraceQuery, names: Record<keyof TraceQuery, string>): [string, string][] {
  const out: [string, string][] = [];
  for (const key of Object.keys(names) as (keyof TraceQuery)[]) {
    const value = query[key];
    if (key === 'errors') {
      if (value) out.push([names[key], 'true']);
    } else if (key === 'lookback') {
      // A custom window replaces the lookback; the default lookback stays implicit.
      if (!query.start && value !== EMPTY_QUERY.lookback) out.push([names[key], value ? String(value) : 'none']);
    } else if (value) {
      out.push([names[key], String(value)]);
    }
  }
  return out;
}

export function toUrlParams(query: TraceQuery): URLSearchParams {
  return new URLSearchParams(entries(query, URL_NAMES));
}

export function fromUrlParams(params: URLSearchParams): TraceQuery {
  const query: TraceQuery = { ...EMPTY_QUERY };
  for (const key of Object.keys(URL_NAMES) as (keyof TraceQuery)[]) {
    const value = params.get(URL_NAMES[key]);
    if (value === null) continue;
    if (key === 'errors') query.errors = value === 'true';
    else if (key === 'lookback') query.lookback = value === 'none' ? '' : value;
    else query[key] = value;
  }
  if (query.start) query.lookback = '';
  return query;
}

// The api path for one page of results.
export function toApiPath(query: TraceQuery, cursor?: string, limit = 50): string {
  const params = new URLSearchParams(entries(query, API_NAMES).filter(([name, value]) => !(name === 'lookback' && value === 'none')));
  if (!query.start && query.lookback === EMPTY_QUERY.lookback) params.set('lookback', query.lookback);
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return `/api/v1/traces?${params.toString()}`;
}

// The live tail takes the same filters but no window or paging.
export function toLivePath(query: TraceQuery): string {
  const params = new URLSearchParams(
    entries(query, API_NAMES).filter(([name]) => name !== 'lookback' && name !== 'start' && name !== 'end'),
  );
  return `/api/v1/traces/live?${params.toString()}`;
}
