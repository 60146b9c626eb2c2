// The playground routes' JSON (POST /api/v1/playground/runs and its SSE events,
// GET /api/v1/playground/providers and .../{name}/models), as the shared plan for
// issue 29 declares them. Written here until stages/api/openapi.json declares the
// routes and openapi.gen.ts is regenerated; then these become aliases of the
// generated schemas. The message and tool shapes already are the generated ones.
import type { LlmRecord } from '../conversation';

export type LlmMessage = LlmRecord['input_messages'][number];
export type LlmPart = LlmMessage['parts'][number];
export type LlmToolDefinition = LlmRecord['tool_definitions'][number];

export type ProviderKind = 'openai' | 'anthropic' | 'gemini';

export interface PlaygroundProvider {
  name: string;
  kind: ProviderKind | string;
  base_url: string;
  key_set: boolean;
  source: 'configuration' | 'settings';
  updated_ns?: number;
}

export interface ProvidersAnswer {
  providers: PlaygroundProvider[];
}

export interface ModelsAnswer {
  models: string[];
}

export type ResponseFormat = 'text' | 'json_object' | 'json_schema';

export interface RunParameters {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
  stop?: string[];
  response_format?: ResponseFormat;
  json_schema?: unknown;
}

export interface RunRequest {
  provider: string;
  model: string;
  system?: string;
  messages: LlmMessage[];
  tools?: LlmToolDefinition[];
  parameters: RunParameters;
  stream: true;
  source?: { trace_id: string; span_id: string };
  label?: string;
}

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
