"""Runs one Junjo workflow and one Junjo agent with the real Junjo Python SDK (the kit in ../shared/clients/python),
exported to Spanline with Junjo's own exporter, and prints the runtime ids a Junjo application would put in its
stable links (service name + executable type + runtime id), for tests/integration/stable_link_test.cc to resolve.

Prints one JSON object: {"workflow": {"runtime_id", "name"}, "agent": {"runtime_id", "name"}}.

Usage: PYTHONPATH=$(../shared/clients/python/setup.sh) python3 junjo_stable_link.py GRPC_TARGET API_KEY SERVICE
"""

import asyncio
import json
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel

from junjo.agent import Agent, FinalOutputResponse, ModelDriverBinding, ModelDriverDescriptor, ModelUsage
from junjo.agent.testing import ScriptedModelDriver
from junjo.graph import Graph
from junjo.node import Node
from junjo.state import BaseState
from junjo.store import BaseStore
from junjo.telemetry.junjo_otel_exporter import JunjoOtelExporter
from junjo.workflow import Workflow


class GreetState(BaseState):
    greeting: str | None = None


class GreetStore(BaseStore[GreetState]):
    async def set_greeting(self, greeting: str) -> None:
        await self.set_state({"greeting": greeting})


class GreetNode(Node[GreetStore]):
    async def service(self, store: GreetStore) -> None:
        await store.set_greeting("hello")


class Question(BaseModel):
    question: str


class Reply(BaseModel):
    answer: str


async def main(target, api_key, service):
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    host, port = target.rsplit(":", 1)
    provider.add_span_processor(JunjoOtelExporter(host=host, port=port, api_key=api_key, insecure=True).span_processor)
    trace.set_tracer_provider(provider)

    node = GreetNode()
    workflow = Workflow[GreetState, GreetStore](
        name="StableLinkWorkflow",
        graph_factory=lambda: Graph(source=node, sinks=[node], edges=[]),
        store_factory=lambda: GreetStore(initial_state=GreetState()),
    )
    workflow_result = await workflow.execute()

    driver = ScriptedModelDriver([FinalOutputResponse(
        output={"answer": "yes"}, usage=ModelUsage(input_tokens=5, output_tokens=1, total_tokens=6))])
    agent = Agent(key="linker", name="Linker", instructions="Answer yes.", input_type=Question, output_type=Reply,
                  tools=[], model=ModelDriverBinding.shared(
                      descriptor=ModelDriverDescriptor(driver_key="scripted", provider="junjo-test", model="scripted"),
                      driver=driver))
    agent_result = await agent.execute(Question(question="Is this link stable?"), dependencies=None)

    provider.shutdown()  # flushes the batch
    print(json.dumps({"workflow": {"runtime_id": workflow_result.run_id, "name": "StableLinkWorkflow"},
                      "agent": {"runtime_id": agent_result.run_id, "name": "Linker"}}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
