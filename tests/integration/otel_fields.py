"""Sends one span with the real OpenTelemetry Python SDK (the kit in ../shared/clients/python) carrying the OTLP
fields that are easy to lose on the way: NaN and infinite double attributes, the span's, an event's and a link's
dropped counts (made by the SDK's own span limits), and the resource's schema URL (1.27 does not send the scope's).
Prints, as JSON, the ids and what the SDK itself counted, for a test to compare with the api.

Usage: PYTHONPATH=$(../shared/clients/python/setup.sh) python3 otel_fields.py GRPC_TARGET API_KEY SERVICE
Exit 0 when the export was acknowledged, 1 if not, 2 on usage errors.
"""
import json
import math
import sys

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult, SpanProcessor
from opentelemetry.trace import Link, SpanContext, TraceFlags

RESOURCE_SCHEMA_URL = "https://opentelemetry.io/schemas/1.26.0"


class Collector(SpanProcessor):
    def __init__(self):
        self.spans = []

    def on_end(self, span):
        self.spans.append(span)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    target, api_key, service = sys.argv[1:]
    collector = Collector()
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}, schema_url=RESOURCE_SCHEMA_URL),
        # Small limits, so that the SDK drops (and counts) what is past them.
        span_limits=SpanLimits(max_span_attributes=5, max_events=2, max_links=1, max_event_attributes=1,
                               max_link_attributes=1),
    )
    provider.add_span_processor(collector)
    tracer = provider.get_tracer("spanline-otel-fields", "2.0.0")

    def linked(n):
        return SpanContext(trace_id=0xABAB0000 + n, span_id=0xCDCD, is_remote=False, trace_flags=TraceFlags(1))

    # The Python SDK keeps the last events and links past the limits: the one with attributes comes last.
    links = [Link(linked(1)), Link(linked(2)), Link(linked(3), {"l1": 1, "l2": 2, "l3": 3})]
    # Past max_span_attributes it drops the oldest attributes: the doubles this is about come last.
    span = tracer.start_span("fields", links=links, attributes={
        "past_limit_1": 1, "past_limit_2": 2, "kept": "yes",
        "nan": math.nan, "inf": math.inf, "minus_inf": -math.inf, "half": 0.5})
    span.add_event("first")
    span.add_event("second")
    span.add_event("third")
    span.add_event("fourth", {"e1": 1, "e2": 2, "e3": 3})
    span.end()

    exporter: SpanExporter = OTLPSpanExporter(endpoint=target, insecure=True, headers=(("x-junjo-api-key", api_key),),
                                               timeout=10)
    outcome = exporter.export(collector.spans)
    exporter.shutdown()
    ended = collector.spans[0]
    result = {
        "trace_id": format(ended.context.trace_id, "032x"),
        "span_id": format(ended.context.span_id, "016x"),
        "sdk": {
            "dropped_attributes_count": ended.dropped_attributes,
            "dropped_events_count": ended.dropped_events,
            "dropped_links_count": ended.dropped_links,
            "event_dropped_attributes_count": ended.events[-1].dropped_attributes,
            "link_dropped_attributes_count": ended.links[-1].dropped_attributes,
        },
        "resource_schema_url": RESOURCE_SCHEMA_URL,
        "ok": outcome == SpanExportResult.SUCCESS,
    }
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
