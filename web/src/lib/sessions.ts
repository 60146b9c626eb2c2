// Sessions (issue 28): the list's filters as they live in the page URL (so a
// list can be shared) and as the api's /api/v1/sessions parameters, the paths
// of a session and of its traces, and how a session's figures read.
// Defaults are left out of the URL.

export interface SessionsQuery {
  service: string;
  user: string; // user.id / enduser.id
  lookback: string; // "15m", "1h", ...; empty for all time (or when start/end are given)
  start: string; // RFC 3339 or empty
  end: string;
  q: string; // a prefix of the session id
}

export const EMPTY_SESSIONS_QUERY: SessionsQuery = { service: '', user: '', lookback: '24h', start: '', end: '', q: '' };

// The names in the page URL, the same as the api's.
const URL_NAMES: Record<keyof SessionsQuery, string> = {
  service: 'service',
  user: 'user_id',
  lookback: 'lookback',
  start: 'start',
  end: 'end',
  q: 'q',
};

function entries(query: SessionsQuery): [string, string][] {
  const out: [string, string][] = [];
  for (const key of Object.keys(URL_NAMES) as (keyof SessionsQuery)[]) {
    const value = query[key];
    if (key === 'lookback') {
      // A custom window replaces the lookback; the default stays implicit, "all time" is "none".
      if (!query.start && value !== EMPTY_SESSIONS_QUERY.lookback) out.push([URL_NAMES[key], value || 'none']);
    } else if (value) {
      out.push([URL_NAMES[key], value]);
    }
  }
  return out;
}

export function sessionsToUrlParams(query: SessionsQuery): URLSearchParams {
  return new URLSearchParams(entries(query));
}

export function sessionsFromUrlParams(params: URLSearchParams): SessionsQuery {
  const query: SessionsQuery = { ...EMPTY_SESSIONS_QUERY };
  for (const key of Object.keys(URL_NAMES) as (keyof SessionsQuery)[]) {
    const value = params.get(URL_NAMES[key]);
    if (value === null) continue;
    query[key] = key === 'lookback' && value === 'none' ? '' : value;
  }
  if (query.start) query.lookback = '';
  return query;
}

// The api path for one page of sessions, newest first.
export function sessionsApiPath(query: SessionsQuery, cursor?: string, limit = 50): string {
  const params = new URLSearchParams(entries(query).filter(([name, value]) => !(name === 'lookback' && value === 'none')));
  if (!query.start && query.lookback === EMPTY_SESSIONS_QUERY.lookback) params.set('lookback', query.lookback);
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return `/api/v1/sessions?${params.toString()}`;
}

// A session id is the application's own text: one percent-encoded path segment.
export function sessionApiPath(sessionId: string): string {
  return `/api/v1/sessions/${encodeURIComponent(sessionId)}`;
}
export function sessionPagePath(sessionId: string): string {
  return `/sessions/${encodeURIComponent(sessionId)}`;
}
// The traces page filtered to a session's traces, or to a user's.
export function sessionTracesPath(sessionId: string): string {
  return `/traces?${new URLSearchParams({ session_id: sessionId, lookback: 'none' }).toString()}`;
}
export function userTracesPath(userId: string): string {
  return `/traces?${new URLSearchParams({ user_id: userId, lookback: 'none' }).toString()}`;
}

export interface Figures {
  llm_calls: number;
  cost: number | null;
  cost_calls: number;
  priced_calls: number;
}

// A cost in USD; none is "no price", never $0.
export function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined || !Number.isFinite(cost)) return 'no price';
  if (cost === 0) return '$0';
  if (cost < 0.01) return `$${cost.toPrecision(2)}`;
  return `$${cost.toFixed(cost < 100 ? 3 : 2)}`;
}

// Where a cost came from, in words: the applications' sent costs, the price
// table, both, and how many calls have none.
export function costSource(figures: Figures): string {
  const parts: string[] = [];
  if (figures.cost_calls > 0) parts.push(`${figures.cost_calls} sent by the application`);
  if (figures.priced_calls > 0) parts.push(`${figures.priced_calls} from the price table`);
  const none = figures.llm_calls - figures.cost_calls - figures.priced_calls;
  if (none > 0) parts.push(`${none} without a price`);
  return parts.length ? `Cost of LLM calls: ${parts.join(', ')}` : 'No LLM calls';
}

// The session a trace belongs to, from its spans as the trace answer has them
// (session.id, else gen_ai.conversation.id, on a span or its resource, as the
// indexer reads them); null when none carries one.
export function sessionOfSpans(spans: readonly { attributes?: unknown; resource?: unknown }[]): string | null {
  const bagOf = (value: unknown) => (value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined);
  for (const key of ['session.id', 'gen_ai.conversation.id']) {
    for (const span of spans) {
      for (const bag of [bagOf(span.attributes), bagOf(span.resource)]) {
        const value = bag?.[key];
        if (typeof value === 'string' && value) return value;
        if (typeof value === 'number') return String(value);
      }
    }
  }
  return null;
}

// One line of a long message for a turn's row: the first line, cut to `max` characters.
export function messagePreview(text: string | null | undefined, max = 140): string {
  if (!text) return '';
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
