import { describe, expect, it } from 'vitest';
import type { ErrorEvent, RunEvent, RunRequest } from './api';
import { applyEvent, costText, errorText, latencyMs, startedRun, streamRun, timeToFirstTokenMs, usageText, type RunState } from './run';

const request: RunRequest = { provider: 'openai', model: 'gpt-4o', messages: [], parameters: {}, stream: true };

function sseResponse(chunks: string[], init: ResponseInit = { status: 200 }): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { ...init, headers: { 'content-type': 'text/event-stream' } });
}

async function run(response: Response | Error, signal = new AbortController().signal): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  const fetcher = (async () => {
    if (response instanceof Error) throw response;
    return response;
  }) as typeof fetch;
  await streamRun(request, signal, (e) => events.push(e), fetcher);
  return events;
}

describe('streamRun', () => {
  it('reads the streamed events in order, a multi-byte character cut in two', async () => {
    const stream = 'event: start\ndata: {"run_id":"r1","trace_id":"t","span_id":"s","provider":"openai","model":"gpt-4o"}\n\n' +
      'event: text\ndata: {"delta":"Echo: é"}\n\nevent: tool_call\ndata: {"id":"c1","name":"f","arguments":{"q":1}}\n\n' +
      'event: usage\ndata: {"input_tokens":3}\n\nevent: done\ndata: {"finish_reason":"stop","latency_ms":12,"trace_id":"t"}\n\n';
    const bytes = new TextEncoder().encode(stream);
    const at = stream.indexOf('é') + 1; // inside the two bytes of é
    const events = await run(new Response(new ReadableStream({ start(c) { c.enqueue(bytes.slice(0, at)); c.enqueue(bytes.slice(at)); c.close(); } }), { status: 200 }));
    expect(events.map((e) => e.event)).toEqual(['start', 'text', 'tool_call', 'usage', 'done']);
    expect(events[1]).toEqual({ event: 'text', data: { delta: 'Echo: é' } });
  });

  it('turns a refusal before the stream into an error with its retry-after', async () => {
    const events = await run(new Response(JSON.stringify({ error: { code: 'busy', message: 'too many runs' } }), { status: 429, headers: { 'retry-after': '4' } }));
    expect(events).toEqual([{ event: 'error', data: { code: 'busy', message: 'too many runs', http_status: 429, retry_after_s: 4 } }]);
    const bad = await run(new Response(JSON.stringify({ error: { code: 'bad_request', message: 'messages[0].role: unknown role' } }), { status: 400 }));
    expect(bad[0]).toEqual({ event: 'error', data: { code: 'invalid_prompt', message: 'messages[0].role: unknown role', http_status: 400 } });
    expect(errorText((bad[0] as { data: ErrorEvent }).data)).toBe('The api refused the prompt: messages[0].role: unknown role');
    const stopping = await run(new Response(JSON.stringify({ error: { code: 'unavailable', message: 'the api is stopping' } }), { status: 503 }));
    expect(errorText((stopping[0] as { data: ErrorEvent }).data)).toBe("Spanline's api cannot run it now: the api is stopping");
  });

  it('says so when the stream ends without done or error', async () => {
    const events = await run(sseResponse(['event: start\ndata: {"run_id":"r","trace_id":"t1","span_id":"s1"}\n\nevent: text\ndata: {"delta":"a"}\n\n']));
    expect(events.at(-1)).toEqual({ event: 'error', data: { code: 'cut', trace_id: 't1', span_id: 's1' } });
  });

  it('reports an abort as cancelled and a network failure as such', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await run(new DOMException('aborted', 'AbortError'), controller.signal)).toEqual([{ event: 'error', data: { code: 'cancelled' } }]);
    expect(await run(new TypeError('Failed to fetch'))).toEqual([{ event: 'error', data: { code: 'network', message: 'Failed to fetch' } }]);
  });
});

describe('run state', () => {
  it('folds events into what a column shows', () => {
    let state: RunState = startedRun(1000);
    state = applyEvent(state, { event: 'text', data: { delta: 'Ec' } }, 1150);
    state = applyEvent(state, { event: 'text', data: { delta: 'ho' } }, 1200);
    state = applyEvent(state, { event: 'usage', data: { input_tokens: 3, output_tokens: 1 } }, 1210);
    expect(state).toMatchObject({ status: 'running', text: 'Echo', pieces: 2, firstTokenMs: 150 });
    expect(latencyMs(state, 1300)).toBe(300);
    state = applyEvent(state, { event: 'done', data: { latency_ms: 220, time_to_first_token_ms: 90, usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 } } }, 1300);
    expect(state.status).toBe('done');
    expect(latencyMs(state, 5000)).toBe(220);
    expect(timeToFirstTokenMs(state)).toBe(90);
    expect(usageText(state.usage)).toBe('3 in · 1 out · 4 total');
  });

  it('holds the latency of a run that failed at its end', () => {
    const failed = applyEvent(startedRun(1000), { event: 'error', data: { code: 'cancelled' } }, 1400);
    expect(latencyMs(failed, 9000)).toBe(400);
  });

  it('prices or says no price, never 0', () => {
    expect(costText(null)).toBe('no price');
    expect(costText({ input: null, output: null, total: null, currency: 'USD', source: 'price_table' })).toBe('no price');
    expect(costText({ input: 0.001, output: 0.002, total: 0.003, currency: 'USD', source: 'price_table' })).toBe('$0.003000');
    expect(costText({ input: 1, output: 0.5, total: 1.5, currency: 'USD', source: 'price_table' })).toBe('$1.5000');
  });

  it('says precisely what failed', () => {
    expect(errorText({ code: 'unauthorized', message: 'invalid x-api-key' })).toMatch(/^The provider refused the key/);
    expect(errorText({ code: 'rate_limited', retry_after_s: 7 })).toBe('Rate limited by the provider: retry after 7 s');
    expect(errorText({ code: 'model_not_found', message: 'no model standin-missing' })).toMatch(/^Model not found.*standin-missing/);
    expect(errorText({ code: 'bad_request', message: 'max_tokens too large' })).toBe('The provider refused the prompt: max_tokens too large');
    expect(errorText({ code: 'stalled' })).toMatch(/stalled/);
    expect(errorText({ code: 'timeout' })).toMatch(/deadline/);
    expect(errorText({ code: 'unreachable' })).toMatch(/could not be reached/);
    expect(errorText({ code: 'content_filtered' })).toMatch(/filtered/);
    expect(errorText({ code: 'cancelled' })).toBe('Stopped: the run was cancelled');
    expect(errorText({ code: 'something_new', message: 'x' })).toBe('something_new: x');
  });
});
