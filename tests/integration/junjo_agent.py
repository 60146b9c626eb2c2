"""Runs Junjo agents with the real Junjo Python SDK (the kit in ../shared/clients/python) and exports them to
Spanline with Junjo's own exporter, the way a Junjo user does: an agent with a scripted model and two tools,
run three times:

- "forecast-ok": model -> lookup_city -> model -> to_fahrenheit -> model -> final output (completed);
- "forecast-bad": model -> to_fahrenheit with arguments that fail the tool's validation (failed,
  tool_input_validation_error; the tool operation keeps the requested arguments and has no validated ones);
- "forecast-nested": inside a one-node workflow (the agent's parent is the workflow run), model -> final output.

Each model response reports usage. Prints one JSON object: per run, its runtime id, outcome and the usage the
scripted model reported, for the test to compare with what the api answers.

Usage: PYTHONPATH=$(../shared/clients/python/setup.sh) python3 junjo_agent.py GRPC_TARGET API_KEY SERVICE
"""

import asyncio
import json
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel

from junjo.agent import (
    Agent,
    AgentToolInputValidationError,
    FinalOutputResponse,
    ModelDriverBinding,
    ModelDriverDescriptor,
    ModelUsage,
    Tool,
    ToolCall,
    ToolCallsResponse,
)
from junjo.agent.testing import ScriptedModelDriver
from junjo.graph import Graph
from junjo.node import Node
from junjo.state import BaseState
from junjo.store import BaseStore
from junjo.telemetry.junjo_otel_exporter import JunjoOtelExporter
from junjo.workflow import Workflow


class CityInput(BaseModel):
    city: str


class CityOutput(BaseModel):
    celsius: float


class CelsiusInput(BaseModel):
    celsius: float


class FahrenheitOutput(BaseModel):
    fahrenheit: float


class Question(BaseModel):
    question: str


class Answer(BaseModel):
    answer: str


async def lookup_city(arguments: CityInput, context) -> CityOutput:
    return CityOutput(celsius=12.5)


async def to_fahrenheit(arguments: CelsiusInput, context) -> FahrenheitOutput:
    return FahrenheitOutput(fahrenheit=arguments.celsius * 9 / 5 + 32)


TOOLS = [
    Tool(name="lookup_city", description="The temperature in a city, in Celsius.", input_type=CityInput,
         output_type=CityOutput, shared_service=lookup_city),
    Tool(name="to_fahrenheit", description="Celsius to Fahrenheit.", input_type=CelsiusInput,
         output_type=FahrenheitOutput, shared_service=to_fahrenheit),
]
DESCRIPTOR = ModelDriverDescriptor(driver_key="scripted", provider="junjo-test", model="scripted-forecaster")


def agent_with(steps):
    return Agent(key="forecaster", name="Forecaster", instructions="Answer with the temperature.",
                 input_type=Question, output_type=Answer, tools=TOOLS,
                 model=ModelDriverBinding.shared(descriptor=DESCRIPTOR, driver=ScriptedModelDriver(steps)))


def usage(input_tokens, output_tokens):
    return ModelUsage(input_tokens=input_tokens, output_tokens=output_tokens, total_tokens=input_tokens + output_tokens)


class AskState(BaseState):
    answer: str | None = None


class AskStore(BaseStore[AskState]):
    async def set_answer(self, answer: str) -> None:
        await self.set_state({"answer": answer})


class AskAgentNode(Node[AskStore]):
    async def service(self, store: AskStore) -> None:
        agent = agent_with([FinalOutputResponse(output={"answer": "mild"}, usage=usage(7, 2))])
        result = await agent.execute(Question(question="Is Bergen mild?"), dependencies=None)
        RUNS["forecast-nested"] = {"runtime_id": result.run_id, "outcome": "completed",
                                   "termination_reason": "final_output", "usage": [[7, 2]]}
        await store.set_answer(result.output.answer)


RUNS = {}


async def main(target, api_key, service):
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    host, port = target.rsplit(":", 1)
    provider.add_span_processor(JunjoOtelExporter(host=host, port=port, api_key=api_key, insecure=True).span_processor)
    trace.set_tracer_provider(provider)

    ok = agent_with([
        ToolCallsResponse(tool_calls=[ToolCall(id="call-1", name="lookup_city", arguments={"city": "Oslo"})],
                          usage=usage(30, 8)),
        ToolCallsResponse(tool_calls=[ToolCall(id="call-2", name="to_fahrenheit", arguments={"celsius": 12.5})],
                          usage=usage(45, 9)),
        FinalOutputResponse(output={"answer": "54.5 F"}, usage=usage(60, 5)),
    ])
    result = await ok.execute(Question(question="How warm is Oslo?"), dependencies=None)
    RUNS["forecast-ok"] = {"runtime_id": result.run_id, "outcome": "completed", "termination_reason": "final_output",
                           "usage": [[30, 8], [45, 9], [60, 5]]}

    bad = agent_with([
        ToolCallsResponse(tool_calls=[ToolCall(id="call-9", name="to_fahrenheit", arguments={"celsius": "warm"})],
                          usage=usage(20, 4)),
    ])
    try:
        await bad.execute(Question(question="How warm is warm?"), dependencies=None)
        raise SystemExit("the invalid tool arguments were accepted")
    except AgentToolInputValidationError as error:
        RUNS["forecast-bad"] = {"runtime_id": error.run_id, "outcome": "failed",
                                "termination_reason": error.termination_reason, "usage": [[20, 4]]}

    node = AskAgentNode()
    workflow = Workflow[AskState, AskStore](
        name="AskWorkflow",
        graph_factory=lambda: Graph(source=node, sinks=[node], edges=[]),
        store_factory=lambda: AskStore(initial_state=AskState()),
    )
    await workflow.execute()

    provider.shutdown()  # flushes the batch
    print(json.dumps({"runs": RUNS}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
