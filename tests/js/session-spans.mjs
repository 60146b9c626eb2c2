#!/usr/bin/env node
// Sends chat sessions with the real OpenTelemetry JavaScript SDK, one trace per
// turn, each session marked as applications mark it:
// - "chat-s1": OpenInference's using_session style, session.id and user.id on
//   every span, six turns (the third in error), an LLM call in each;
// - "conv-s2": gen_ai.conversation.id on the LLM span only, enduser.id on the root, two turns;
// - "lf-s3": Langfuse style, session.id and user.id on the root only, one turn
//   whose LLM call sends its cost;
// and one trace of user "user-a" in no session. Turns start a second apart.
// Prints, as JSON, the trace ids by session ("none" for the sessionless one).
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode } from '@opentelemetry/core';
import { trace, context, SpanStatusCode } from '@opentelemetry/api';
import { senderArgs, exporterFor } from './one-shot-sender.mjs';

const usage = `Usage: session-spans.mjs --protocol grpc|http-protobuf --endpoint URL [--header k=v ...] [--service NAME]
Prints {"traces": {"chat-s1": [...], "conv-s2": [...], "lf-s3": [...], "none": [...]}, "ok"};
  exit 0 when the export was acknowledged, 1 if not, 2 on usage errors.`;

const args = senderArgs(usage, 'session-spans');
const exporter = exporterFor(args);

const ended = [];
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': args.service }),
  spanProcessors: [{ onStart() {}, onEnd(span) { ended.push(span); }, forceFlush: async () => {}, shutdown: async () => {} }],
});
const tracer = provider.getTracer('spanline-session-spans', '1.0.0');
const traces = { 'chat-s1': [], 'conv-s2': [], 'lf-s3': [], none: [] };
let clock = Date.now() - 120_000;

// One turn: a root span and an LLM call below it, 400 ms long, a second after the previous turn.
function turn(session, rootAttributes, callAttributes, error = false) {
  const start = clock;
  clock += 1000;
  const root = tracer.startSpan('chat turn', { attributes: rootAttributes, startTime: start });
  const call = tracer.startSpan('chat gpt-4o-mini', { attributes: callAttributes, startTime: start + 50 }, trace.setSpan(context.active(), root));
  call.end(start + 350);
  if (error) root.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
  root.end(start + 400);
  traces[session].push(root.spanContext().traceId);
}

const openinference = (i) => ({
  'openinference.span.kind': 'LLM',
  'llm.model_name': 'gpt-4o-mini',
  'llm.token_count.prompt': 10 * i,
  'llm.token_count.completion': i,
  'llm.input_messages.0.message.role': 'user',
  'llm.input_messages.0.message.content': `question ${i}`,
  'llm.output_messages.0.message.role': 'assistant',
  'llm.output_messages.0.message.content': `answer ${i}`,
});
for (let i = 1; i <= 6; i++) {
  const marks = { 'session.id': 'chat-s1', 'user.id': 'user-a' };
  turn('chat-s1', marks, { ...marks, ...openinference(i) }, i === 3);
}
for (let i = 1; i <= 2; i++) {
  turn('conv-s2', { 'enduser.id': 'user-b' }, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.usage.input_tokens': 100,
    'gen_ai.usage.output_tokens': 20,
    'gen_ai.conversation.id': 'conv-s2',
  });
}
turn('lf-s3', { 'session.id': 'lf-s3', 'user.id': 'user-c' }, {
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gpt-4o',
  'gen_ai.usage.input_tokens': 7,
  'gen_ai.usage.output_tokens': 3,
  'gen_ai.usage.cost': 0.25,
});
turn('none', { 'user.id': 'user-a' }, {});

const outcome = await new Promise((resolve) => exporter.export(ended, resolve));
await exporter.shutdown().catch(() => {});
const ok = outcome.code === ExportResultCode.SUCCESS;
process.stdout.write(`${JSON.stringify({ traces, ok, error: ok ? null : String(outcome.error?.message ?? outcome.error) })}\n`);
process.exit(ok ? 0 : 1);
