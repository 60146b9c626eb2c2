#!/usr/bin/env node
// Sends one trace of LLM calls with the real OpenTelemetry JavaScript SDK, one
// span per family of attributes an LLM application sends: OpenTelemetry GenAI
// (current keys and content attributes), its deprecated attributes and span
// events, OpenLLMetry's flattened keys, OpenInference, and a second call of the
// first model answered by its dated snapshot. Prints, as JSON, the trace id and
// each span's id by family, for a test to compare with the api's LLM records.
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode } from '@opentelemetry/core';
import { trace, context } from '@opentelemetry/api';
import { senderArgs, exporterFor } from './one-shot-sender.mjs';

const usage = `Usage: llm-spans.mjs --protocol grpc|http-protobuf --endpoint URL [--header k=v ...] [--service NAME]
Prints {"trace_id", "spans": {"gen_ai", "gen_ai_deprecated", "openllmetry", "openinference", "gen_ai_dated"}, "ok"};
  exit 0 when the export was acknowledged, 1 if not, 2 on usage errors.`;

const args = senderArgs(usage, 'llm-spans');
const exporter = exporterFor(args);

const ended = [];
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': args.service }),
  spanProcessors: [{ onStart() {}, onEnd(span) { ended.push(span); }, forceFlush: async () => {}, shutdown: async () => {} }],
});
const tracer = provider.getTracer('spanline-llm-spans', '1.0.0');
const root = tracer.startSpan('conversation turn');
const inRoot = trace.setSpan(context.active(), root);
const ids = {};
function call(family, name, attributes, events = []) {
  const span = tracer.startSpan(name, { attributes }, inRoot);
  for (const [eventName, eventAttributes] of events) span.addEvent(eventName, eventAttributes);
  span.end();
  ids[family] = span.spanContext().spanId;
}

// OpenTelemetry GenAI, current: content as JSON strings, a tool call and its result.
call('gen_ai', 'chat gpt-4o', {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o',
  'gen_ai.response.model': 'gpt-4o-2024-08-06',
  'gen_ai.request.temperature': 0.2,
  'gen_ai.usage.input_tokens': 120,
  'gen_ai.usage.output_tokens': 30,
  'gen_ai.usage.cache_read.input_tokens': 100,
  'gen_ai.response.finish_reasons': ['stop'],
  'gen_ai.conversation.id': 'conv-42',
  'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a weather bot.' }]),
  'gen_ai.input.messages': JSON.stringify([
    { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', result: { temp_c: 21 } }] },
  ]),
  'gen_ai.output.messages': JSON.stringify([
    { role: 'assistant', parts: [{ type: 'text', content: 'It is 21 °C in Paris.' }], finish_reason: 'stop' },
  ]),
  'gen_ai.tool.definitions': JSON.stringify([
    { type: 'function', name: 'get_weather', description: 'Current weather', parameters: { type: 'object' } },
  ]),
});

// The deprecated GenAI attributes and span events.
call('gen_ai_deprecated', 'chat gpt-3.5-turbo', {
  'gen_ai.system': 'openai',
  'gen_ai.request.model': 'gpt-3.5-turbo',
  'gen_ai.usage.prompt_tokens': 11,
  'gen_ai.usage.completion_tokens': 4,
}, [
  ['gen_ai.system.message', { 'gen_ai.system': 'openai', content: 'Be terse.' }],
  ['gen_ai.user.message', { 'gen_ai.system': 'openai', content: 'Hi' }],
  ['gen_ai.choice', { 'gen_ai.system': 'openai', index: 0, finish_reason: 'stop', message: JSON.stringify({ content: 'Hello.' }) }],
]);

// OpenLLMetry (Traceloop): flattened prompt and completion, a tool call.
call('openllmetry', 'openai.chat', {
  'gen_ai.system': 'OpenAI',
  'gen_ai.request.model': 'gpt-4o-mini',
  'llm.request.type': 'chat',
  'gen_ai.prompt.0.role': 'user',
  'gen_ai.prompt.0.content': 'Book a table',
  'gen_ai.completion.0.role': 'assistant',
  'gen_ai.completion.0.finish_reason': 'tool_calls',
  'gen_ai.completion.0.tool_calls.0.id': 'call_9',
  'gen_ai.completion.0.tool_calls.0.name': 'book',
  'gen_ai.completion.0.tool_calls.0.arguments': '{"people":2}',
  'gen_ai.usage.prompt_tokens': 20,
  'gen_ai.usage.completion_tokens': 8,
  'llm.usage.total_tokens': 28,
});

// OpenInference (Arize): flattened messages, a sent cost, a session and a user.
call('openinference', 'ChatAnthropic', {
  'openinference.span.kind': 'LLM',
  'llm.model_name': 'claude-3-5-sonnet-20241022',
  'llm.provider': 'anthropic',
  'llm.invocation_parameters': JSON.stringify({ max_tokens: 256 }),
  'llm.token_count.prompt': 200,
  'llm.token_count.completion': 50,
  'llm.token_count.total': 250,
  'llm.cost.prompt': 0.0006,
  'llm.cost.completion': 0.00075,
  'llm.cost.total': 0.00135,
  'llm.input_messages.0.message.role': 'system',
  'llm.input_messages.0.message.content': 'Answer in French.',
  'llm.input_messages.1.message.role': 'user',
  'llm.input_messages.1.message.content': 'What is this?',
  'llm.output_messages.0.message.role': 'assistant',
  'llm.output_messages.0.message.content': "C'est un chat.",
  'session.id': 'session-7',
  'user.id': 'user-3',
});

// The first model again, answered by its dated snapshot with no request model: one series with it.
call('gen_ai_dated', 'chat', {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.response.model': 'gpt-4o-2024-08-06',
  'gen_ai.usage.input_tokens': 10,
  'gen_ai.usage.output_tokens': 5,
  'gen_ai.usage.cost': 0.01,
});
root.end();

const outcome = await new Promise((resolve) => exporter.export(ended, resolve));
await exporter.shutdown().catch(() => {});
const ok = outcome.code === ExportResultCode.SUCCESS;
process.stdout.write(`${JSON.stringify({ trace_id: root.spanContext().traceId, spans: ids, ok,
  error: ok ? null : String(outcome.error?.message ?? outcome.error) })}\n`);
process.exit(ok ? 0 : 1);
