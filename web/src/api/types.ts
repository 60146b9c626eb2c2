// The api's JSON, as stages/api/openapi.json declares it: every type here comes
// from openapi.gen.ts, which `npm run api-types` generates from that document
// (and `npm run check-api-types`, part of the test suite, fails when it is stale).
// Nothing is written by hand, so the UI and the api cannot drift apart unseen.

import type { components, operations } from './openapi.gen';

type Schemas = components['schemas'];

export type Completeness = Schemas['Completeness'];
export type ErrorAnswer = Schemas['Error'];
export type Role = Schemas['Role'];
export type User = Schemas['User'];
export type Service = Schemas['Service'];
export type TraceSummary = Schemas['TraceSummary'];
export type Attributes = Schemas['Attributes'];
export type SpanEvent = Schemas['SpanEvent'];
export type SpanLink = Schemas['SpanLink'];
export type SpanScope = Schemas['Scope'];
export type Span = Schemas['Span'];
export type Run = Schemas['Run'];
export type RunDetail = Schemas['RunDetail'];
export type StateStep = Schemas['StateStep'];
export type AgentRunDetail = Schemas['AgentRunDetail'];
export type AgentOperation = Schemas['AgentOperation'];
export type AgentUsage = Schemas['AgentUsage'];
export type AgentRunUsage = Schemas['AgentRunUsage'];
export type HookError = Schemas['HookError'];
export type ApiKey = Schemas['ApiKey'];
export type NewApiKey = Schemas['NewApiKey'];
export type Instance = Schemas['Instance'];
export type ModelUsage = Schemas['ModelUsage'];
export type ServiceUsage = Schemas['ServiceUsage'];
export type UsagePoint = Schemas['UsagePoint'];
export type UsageTotals = Schemas['UsageTotals'];
export type LatencyMs = Schemas['LatencyMs'];
export type ModelPrice = Schemas['ModelPrice'];
export type PriceChange = Schemas['PriceChange'];
export type ModelPrices = Schemas['ModelPrices'];

export type OperationId = keyof operations;

// The JSON body of an operation's success answer (200 or 201), by its operationId:
// `useApi<Answer<'getTrace'>>(...)`.
type SuccessBody<Responses> = Responses extends { 200: { content: { 'application/json': infer Body } } }
  ? Body
  : Responses extends { 201: { content: { 'application/json': infer Body } } }
    ? Body
    : never;
export type Answer<Op extends OperationId> = SuccessBody<operations[Op]['responses']>;

// The JSON body an operation takes.
export type RequestBody<Op extends OperationId> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;
