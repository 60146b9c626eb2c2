// The playground routes' JSON. The routes' bodies are the api's own schemas
// (stages/api/openapi.json, generated into openapi.gen.ts); the run's events are
// Server-Sent Events, which OpenAPI describes in prose only (runPlayground's 200),
// so their data shapes are written here, as that description lists them.
import type { Answer, RequestBody } from '../../api/types';
import type { components } from '../../api/openapi.gen';
import type { LlmRecord } from '../conversation';

export type LlmMessage = LlmRecord['input_messages'][number];
export type LlmPart = LlmMessage['parts'][number];
export type LlmToolDefinition = LlmRecord['tool_definitions'][number];

export type PlaygroundProvider = components['schemas']['PlaygroundProvider'];
export type ProviderKind = PlaygroundProvider['kind'];
export type ProvidersAnswer = Answer<'listPlaygroundProviders'>;
export type ModelsAnswer = Answer<'listPlaygroundModels'>;
export type RunRequest = RequestBody<'runPlayground'>;
export type RunParameters = components['schemas']['PlaygroundParameters'];
export type ResponseFormat = NonNullable<RunParameters['response_format']>;

export interface RunUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  total_tokens?: number | null;
  cache_read_tokens?: number | null;
  cache_write_tokens?: number | null;
  reasoning_tokens?: number | null;
}

export interface RunCost {
  input: number | null;
  output: number | null;
  total: number | null;
  currency: string;
  source: string;
}

export interface StartEvent {
  run_id: string;
  trace_id: string;
  span_id: string;
  provider: string;
  model: string;
}

export interface ToolCallEvent {
  id?: string;
  name: string;
  arguments: unknown;
}

export interface DoneEvent {
  finish_reason?: string;
  content_filtered?: boolean;
  latency_ms?: number;
  time_to_first_token_ms?: number | null;
  usage?: RunUsage;
  cost?: RunCost | null;
  trace_id?: string;
  span_id?: string;
  response_model?: string;
}

export interface ErrorEvent {
  code: string;
  message?: string;
  http_status?: number;
  retry_after_s?: number;
  trace_id?: string;
  span_id?: string;
}

export type RunEvent =
  | { event: 'start'; data: StartEvent }
  | { event: 'text'; data: { delta: string } }
  | { event: 'tool_call'; data: ToolCallEvent }
  | { event: 'usage'; data: RunUsage }
  | { event: 'done'; data: DoneEvent }
  | { event: 'error'; data: ErrorEvent };
