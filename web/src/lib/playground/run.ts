// One playground run: POST /api/v1/playground/runs, its answer read as it
// streams (fetch + ReadableStream, so Stop is an AbortController abort that
// closes the connection), each event folded into the column's run state, and
// every failure turned into a message that says what to do.
import type { DoneEvent, ErrorEvent, RunCost, RunEvent, RunRequest, RunUsage, StartEvent, ToolCallEvent } from './api';
import { SseParser } from './sse';

export const RUNS_PATH = '/api/v1/playground/runs';

export type RunStatus = 'idle' | 'running' | 'done' | 'error';

export interface RunState {
  status: RunStatus;
  text: string;
  toolCalls: ToolCallEvent[];
  usage?: RunUsage;
  start?: StartEvent;
  done?: DoneEvent;
  error?: ErrorEvent;
  startedAtMs?: number;
  firstTokenMs?: number; // measured here when the api's done event has none
  endedAtMs?: number; // when the done or error event arrived
  pieces: number; // text events received (the test sees the answer arrive in pieces)
}

export const idleRun: RunState = { status: 'idle', text: '', toolCalls: [], pieces: 0 };

export function startedRun(nowMs: number): RunState {
  return { ...idleRun, status: 'running', startedAtMs: nowMs };
}

export function applyEvent(state: RunState, event: RunEvent, nowMs: number): RunState {
  const firstToken = () => state.firstTokenMs ?? (state.startedAtMs === undefined ? undefined : nowMs - state.startedAtMs);
  switch (event.event) {
    case 'start':
      return { ...state, start: event.data };
    case 'text':
      return { ...state, text: state.text + event.data.delta, pieces: state.pieces + 1, firstTokenMs: firstToken() };
    case 'tool_call':
      return { ...state, toolCalls: [...state.toolCalls, event.data], firstTokenMs: firstToken() };
    case 'usage':
      return { ...state, usage: { ...state.usage, ...event.data } };
    case 'done':
      return { ...state, status: 'done', done: event.data, usage: event.data.usage ?? state.usage, endedAtMs: nowMs };
    case 'error':
      return { ...state, status: 'error', error: event.data, endedAtMs: nowMs };
  }
}

// ---- figures ----------------------------------------------------------------------

export function latencyMs(state: RunState, nowMs: number): number | undefined {
  if (state.done?.latency_ms !== undefined) return state.done.latency_ms;
  return state.startedAtMs === undefined ? undefined : (state.endedAtMs ?? nowMs) - state.startedAtMs;
}

export function timeToFirstTokenMs(state: RunState): number | undefined {
  const sent = state.done?.time_to_first_token_ms;
  return sent === undefined || sent === null ? state.firstTokenMs : sent;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

// A run's cost, or 'no price' (never 0 for a model the price table does not know).
export function costText(cost: RunCost | null | undefined): string {
  if (!cost || cost.total === null || cost.total === undefined) return 'no price';
  const digits = cost.total >= 0.01 ? 4 : 6;
  return `$${cost.total.toFixed(digits)}`;
}

export function usageText(usage: RunUsage | undefined): string {
  if (!usage) return '-';
  const n = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
  return `${n(usage.input_tokens)} in · ${n(usage.output_tokens)} out · ${n(usage.total_tokens)} total`;
}

// ---- failures -----------------------------------------------------------------------

// What a failure means for the person who ran it: one sentence per code the api
// sends (ProviderFailure::Kind names, stages/api/playground/providers/provider_protocol.h).
export function errorText(error: ErrorEvent): string {
  const said = error.message ? `: ${error.message}` : '';
  switch (error.code) {
    case 'unreachable':
      return `The provider could not be reached (address, network or TLS)${said}`;
    case 'timeout':
      return `The provider did not finish within the run's deadline${said}`;
    case 'stalled':
      return `The answer stalled: the provider sent nothing for too long, so the run was cut${said}`;
    case 'unauthorized':
      return `The provider refused the key (missing, wrong or without permission)${said}`;
    case 'rate_limited':
      return `Rate limited by the provider${error.retry_after_s !== undefined ? `: retry after ${error.retry_after_s} s` : ''}${said ? ` (${error.message})` : ''}`;
    case 'overloaded':
      return `The provider is overloaded: try again later${error.retry_after_s !== undefined ? ` (retry after ${error.retry_after_s} s)` : ''}${said}`;
    case 'content_filtered':
      return `The provider filtered the prompt or the answer (content policy)${said}`;
    case 'model_not_found':
      return `Model not found: the provider has no such model, or this key cannot use it${said}`;
    case 'bad_request':
      return `The provider refused the prompt${said}`;
    case 'provider_error':
      return `The provider failed or answered in an unexpected shape${said}`;
    case 'cancelled':
      return 'Stopped: the run was cancelled';
    case 'cut':
      return 'The answer ended before it was complete (the connection closed)';
    case 'network':
      return `The connection to Spanline's api failed${said}`;
    case 'invalid_prompt':
      return `The api refused the prompt${said}`;
    case 'unknown_provider':
      return `No such provider is configured${said}`;
    case 'signed_out':
      return 'Signed out: sign in again to run';
    case 'unavailable':
      return `Spanline's api cannot run it now${said}`;
    case 'busy':
      return `Too many playground runs at once${error.retry_after_s !== undefined ? `: retry after ${error.retry_after_s} s` : ''}${said}`;
    default:
      return error.message ? `${error.code}: ${error.message}` : error.code;
  }
}

const REFUSALS: Record<number, string> = { 400: 'invalid_prompt', 401: 'signed_out', 404: 'unknown_provider', 429: 'busy', 503: 'unavailable' };

// A refusal before anything streamed (a plain JSON error answer) as an error event.
export async function refusal(response: Response): Promise<ErrorEvent> {
  let body: { error?: { code?: string; message?: string } } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    body = {};
  }
  const retry = Number(response.headers.get('retry-after'));
  const event: ErrorEvent = {
    // The api's own refusals (not the provider's): their codes say so.
    code: REFUSALS[response.status] ?? body.error?.code ?? `http_${response.status}`,
    message: body.error?.message ?? `${response.status} ${response.statusText}`,
    http_status: response.status,
  };
  if (response.headers.get('retry-after') !== null && Number.isFinite(retry)) event.retry_after_s = retry;
  return event;
}

function runEvent(name: string, data: string): RunEvent | undefined {
  if (!['start', 'text', 'tool_call', 'usage', 'done', 'error'].includes(name)) return undefined; // newer kinds: ignored
  try {
    return { event: name, data: JSON.parse(data) } as RunEvent;
  } catch {
    return undefined;
  }
}

// Runs one request; calls onEvent for every event, ending with exactly one done or
// error event (a cut stream, a refusal and an abort are error events too).
export async function streamRun(request: RunRequest, signal: AbortSignal, onEvent: (event: RunEvent) => void, fetcher: typeof fetch = fetch): Promise<void> {
  let ended = false;
  const emit = (event: RunEvent) => {
    if (ended) return;
    if (event.event === 'done' || event.event === 'error') ended = true;
    onEvent(event);
  };
  let traceOf: { trace_id?: string; span_id?: string } = {};
  try {
    const response = await fetcher(RUNS_PATH, {
      method: 'POST',
      credentials: 'same-origin',
      signal,
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(request),
    });
    if (!response.ok || !response.body) {
      emit({ event: 'error', data: await refusal(response) });
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const raw of parser.feed(value)) {
        const event = runEvent(raw.event, raw.data);
        if (!event) continue;
        if (event.event === 'start') traceOf = { trace_id: event.data.trace_id, span_id: event.data.span_id };
        emit(event);
      }
    }
    emit({ event: 'error', data: { code: 'cut', ...traceOf } });
  } catch (error) {
    const aborted = signal.aborted || (error instanceof DOMException && error.name === 'AbortError');
    emit({ event: 'error', data: aborted ? { code: 'cancelled', ...traceOf } : { code: 'network', message: (error as Error).message, ...traceOf } });
  }
}
