"""Sends one trace of LLM calls with the real OpenTelemetry Python SDK (the kit in ../shared/clients/python): a
chat call in the deprecated GenAI form whose messages are span events carrying their body as JSON in
gen_ai.event.content (as the Azure AI Inference tracing wrote them), with a tool call and its result, and an
OpenInference call with a sent total cost. Prints, as JSON, the trace id and each span's id.

Usage: PYTHONPATH=$(../shared/clients/python/setup.sh) python3 llm_spans.py GRPC_TARGET API_KEY SERVICE
Exit 0 when the export was acknowledged, 1 if not, 2 on usage errors.
"""
import json
import sys

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExportResult

from otel_fields import Collector


def event_content(body):
    return {"gen_ai.event.content": json.dumps(body)}


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    target, api_key, service = sys.argv[1:]
    collector = Collector()
    provider = TracerProvider(resource=Resource.create({"service.name": service, "enduser.id": "python-user"}))
    provider.add_span_processor(collector)
    tracer = provider.get_tracer("spanline-llm-spans", "1.0.0")
    ids = {}
    with tracer.start_as_current_span("agent turn") as root:
        with tracer.start_as_current_span("chat mistral-large-2411") as span:
            span.set_attributes({"gen_ai.system": "mistral_ai", "gen_ai.operation.name": "chat",
                                 "gen_ai.request.model": "mistral-large-latest",
                                 "gen_ai.response.model": "mistral-large-2411",
                                 "gen_ai.usage.input_tokens": 40, "gen_ai.usage.output_tokens": 12})
            span.add_event("gen_ai.user.message", event_content({"role": "user", "content": "2+2?"}))
            span.add_event("gen_ai.assistant.message", event_content(
                {"role": "assistant", "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{\"a\": 2, \"b\": 2}"}}]}))
            span.add_event("gen_ai.tool.message", event_content({"role": "tool", "id": "c1", "content": "4"}))
            span.add_event("gen_ai.choice", event_content(
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "4"}}))
            ids["gen_ai_events"] = format(span.get_span_context().span_id, "016x")
        with tracer.start_as_current_span("ChatOpenAI") as span:
            span.set_attributes({"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini-2024-07-18",
                                 "llm.provider": "openai", "llm.token_count.prompt": 9,
                                 "llm.token_count.completion": 3, "llm.cost.total": 0.002,
                                 "input.value": "Say hi", "output.value": "Hi!", "session.id": "py-session"})
            ids["openinference"] = format(span.get_span_context().span_id, "016x")
        trace_id = format(root.get_span_context().trace_id, "032x")
    exporter = OTLPSpanExporter(endpoint=target, insecure=True, headers=(("x-junjo-api-key", api_key),))
    result = exporter.export(collector.spans)
    exporter.shutdown()
    ok = result == SpanExportResult.SUCCESS
    print(json.dumps({"trace_id": trace_id, "spans": ids, "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
