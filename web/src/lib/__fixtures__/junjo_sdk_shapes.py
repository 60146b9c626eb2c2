"""Runs workflows with the real Junjo Python SDK (../shared/clients/python) and
writes the spans it made, in the span shape of Junjo's contract fixtures, to the
file named by argv[1], for junjoGraph.sdk.test.ts. The shapes: a subflow inside
a RunConcurrent next to a node, conditions on the edges after it (one branch not
taken), a subflow nested in that subflow, a run whose node fails and a run
cancelled while a node waits. Spans are kept in memory; with --export they are
also sent, the way a Junjo user sends them: Junjo's own exporter (OTLP gRPC, the
API key in its header) to Spanline's gateway (the browser test does this).

Usage: PYTHONPATH=$(../shared/clients/python/setup.sh) python3 junjo_sdk_shapes.py OUT.json [--export HOST:PORT API_KEY SERVICE]
"""
import asyncio
import datetime
import json
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

export_to = sys.argv[3:6] if len(sys.argv) >= 6 and sys.argv[2] == "--export" else None
exporter = InMemorySpanExporter()
provider = TracerProvider(resource=Resource.create({"service.name": export_to[2]}) if export_to else None)
provider.add_span_processor(SimpleSpanProcessor(exporter))
if export_to:
    from junjo.telemetry.junjo_otel_exporter import JunjoOtelExporter

    host, port = export_to[0].rsplit(":", 1)
    provider.add_span_processor(JunjoOtelExporter(host=host, port=port, api_key=export_to[1], insecure=True).span_processor)
trace.set_tracer_provider(provider)

from junjo import BaseState, BaseStore, Condition, Edge, Graph, Node, RunConcurrent, Subflow, Workflow  # noqa: E402


class SampleState(BaseState):
    counter: int = 0
    joke: str | None = None


class SampleStore(BaseStore[SampleState]):
    async def increment(self) -> None:
        await self.set_state({"counter": (await self.get_state()).counter + 1})

    async def set_joke(self, joke: str | None) -> None:
        await self.set_state({"joke": joke})


class JokeState(BaseState):
    joke: str | None = None


class JokeStore(BaseStore[JokeState]):
    async def set_joke(self, joke: str) -> None:
        await self.set_state({"joke": joke})


class Increment(Node[SampleStore]):
    async def service(self, store: SampleStore) -> None:
        await store.increment()


class StartNode(Increment):
    pass


class CountNode(Increment):
    pass


class Passes(Node):
    async def service(self, store) -> None:
        return None


class EvenNode(Passes):
    pass


class OddNode(Passes):
    pass


class FinalNode(Passes):
    pass


class CreateFactNode(Passes):
    pass


class SummarizeNode(Passes):
    pass


class CreateJokeNode(Node[JokeStore]):
    async def service(self, store: JokeStore) -> None:
        await store.set_joke("why did the span cross the road")


class CounterIsEven(Condition[SampleState]):
    def evaluate(self, state: SampleState) -> bool:
        return state.counter % 2 == 0

    def __str__(self) -> str:
        return "CounterIsEven()"


class MatchesCount(Condition[SampleState]):
    def __init__(self, count: int) -> None:
        self.count = count

    def evaluate(self, state: SampleState) -> bool:
        return state.counter == self.count

    def __str__(self) -> str:
        return f"MatchesCount({self.count})"


class InnerSubflow(Subflow[JokeState, JokeStore, JokeState, JokeStore]):
    async def pre_run_actions(self, parent_store, subflow_store) -> None:
        return None

    async def post_run_actions(self, parent_store, subflow_store) -> None:
        return None


class SampleSubflow(Subflow[JokeState, JokeStore, SampleState, SampleStore]):
    async def pre_run_actions(self, parent_store, subflow_store) -> None:
        return None

    async def post_run_actions(self, parent_store, subflow_store) -> None:
        await parent_store.set_joke((await subflow_store.get_state()).joke)


def inner_graph() -> Graph:
    summarize, fact = SummarizeNode(), CreateFactNode()
    return Graph(source=summarize, sinks=[fact], edges=[Edge(tail=summarize, head=fact)])


def joke_store() -> JokeStore:
    return JokeStore(initial_state=JokeState())


def sample_subflow_graph() -> Graph:
    joke, fact = CreateJokeNode(), CreateFactNode()
    inner = InnerSubflow(graph_factory=inner_graph, store_factory=joke_store)
    return Graph(source=joke, sinks=[inner], edges=[Edge(tail=joke, head=fact), Edge(tail=fact, head=inner)])


def sample_graph() -> Graph:
    start, count, even, odd, final = StartNode(), CountNode(), EvenNode(), OddNode(), FinalNode()
    subflow = SampleSubflow(graph_factory=sample_subflow_graph, store_factory=joke_store)
    parallel = RunConcurrent(name="ParallelWork", items=[count, subflow])
    return Graph(
        source=start,
        sinks=[final],
        edges=[
            Edge(tail=start, head=parallel),
            Edge(tail=parallel, head=even, condition=CounterIsEven()),
            Edge(tail=parallel, head=odd),
            Edge(tail=even, head=final, condition=MatchesCount(2)),
            Edge(tail=odd, head=final),
        ],
    )


class ParseNode(Node[SampleStore]):
    async def service(self, store: SampleStore) -> None:
        raise ValueError("bad input: expected JSON")


class SlowNode(Node[SampleStore]):
    async def service(self, store: SampleStore) -> None:
        await asyncio.sleep(30)


def line_graph(middle: type[Node]) -> Graph:
    first, second, last = StartNode(), middle(), FinalNode()
    return Graph(source=first, sinks=[last], edges=[Edge(tail=first, head=second), Edge(tail=second, head=last)])


def sample_store() -> SampleStore:
    return SampleStore(initial_state=SampleState())


async def run_all() -> None:
    await Workflow(name="SampleWorkflow", graph_factory=sample_graph, store_factory=sample_store).execute()
    try:
        await Workflow(name="FailingWorkflow", graph_factory=lambda: line_graph(ParseNode), store_factory=sample_store).execute()
    except Exception:
        pass  # the failure is the point
    task = asyncio.create_task(
        Workflow(name="CancelledWorkflow", graph_factory=lambda: line_graph(SlowNode), store_factory=sample_store).execute()
    )
    await asyncio.sleep(0.2)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def iso(nanos: int) -> str:
    return datetime.datetime.fromtimestamp(nanos / 1e9, tz=datetime.timezone.utc).isoformat()


def fixture_span(span) -> dict:
    return {
        "span_id": format(span.context.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "name": span.name,
        "start_time": iso(span.start_time),
        "end_time": iso(span.end_time),
        "status_code": str({"UNSET": 0, "OK": 1, "ERROR": 2}[span.status.status_code.name]),
        "status_message": span.status.description or "",
        "attributes_json": dict(span.attributes),
        "events_json": [{"name": e.name, "timeUnixNano": str(e.timestamp), "attributes": dict(e.attributes)} for e in span.events],
    }


asyncio.run(run_all())
provider.shutdown()  # with --export, flushes Junjo's batch exporter
by_trace: dict[str, list[dict]] = {}
for finished in exporter.get_finished_spans():
    by_trace.setdefault(format(finished.context.trace_id, "032x"), []).append(fixture_span(finished))
runs = {}
for trace_id, spans in by_trace.items():
    spans.sort(key=lambda s: (s["parent_span_id"] is not None, s["start_time"]))
    runs[spans[0]["name"]] = {"trace_id": trace_id, "spans": spans}
with open(sys.argv[1], "w") as out:
    json.dump({"runs": runs}, out, default=str)
