// A traced LLM call (a span's normalised `llm` record) as a playground prompt:
// the system instructions, the input messages, the tools and the model with its
// request parameters, on the configured provider that speaks to that provider.
// The call's answer is NOT appended as a turn: an engineer fixing a bad answer
// wants to run the same input again (edited), with the old answer beside it for
// comparison, so it is kept apart as `previous` and never sent.
import type { LlmRecord } from '../conversation';
import type { LlmPart, PlaygroundProvider, ProviderKind } from './api';
import { blankParameters, type ParameterText, type Prompt, type PromptMessage, type PromptPart } from './prompt';

// The provider kind a recorded provider name means (gen_ai.provider.name values,
// deprecated gen_ai.system ones and OpenInference's llm.provider), or undefined.
// Every OpenAI-compatible server family (Azure OpenAI, Ollama, vLLM, Groq, ...)
// speaks the chat completions API, so those map to openai.
export function providerKindOf(recorded: string | null | undefined): ProviderKind | undefined {
  const name = (recorded ?? '').toLowerCase();
  if (name === '') return undefined;
  if (name.includes('anthropic') || name.includes('claude')) return 'anthropic';
  if (name.includes('gemini') || name.includes('vertex') || name.includes('google') || name.startsWith('gcp')) return 'gemini';
  const openaiCompatible = ['openai', 'azure', 'ollama', 'vllm', 'lmstudio', 'lm_studio', 'groq', 'mistral', 'deepseek', 'x_ai', 'xai', 'perplexity', 'openrouter', 'together', 'fireworks'];
  return openaiCompatible.some((family) => name.includes(family)) ? 'openai' : undefined;
}

// The configured provider a recorded call runs on: one with the very name, else
// the first of its kind, else the first provider ('' when none is configured).
export function matchProvider(recorded: string | null | undefined, providers: readonly PlaygroundProvider[]): string {
  const exact = providers.find((p) => recorded && p.name === recorded);
  if (exact) return exact.name;
  const kind = providerKindOf(recorded);
  return (kind && providers.find((p) => p.kind === kind)?.name) || providers[0]?.name || '';
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

function scalarText(value: unknown): string {
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) ? String(value) : '';
}

// The request parameters the record kept (gen_ai.request.* by name, or parsed
// llm.invocation_parameters, whose names differ a little).
export function parametersFromRequest(request: Record<string, unknown>): ParameterText {
  const p = blankParameters();
  p.temperature = scalarText(request.temperature);
  p.top_p = scalarText(request.top_p);
  p.max_tokens = scalarText(request.max_tokens ?? request.max_completion_tokens ?? request.max_output_tokens);
  p.seed = scalarText(request.seed);
  const stop = request.stop_sequences ?? request.stop;
  p.stop = Array.isArray(stop) ? stop.filter((s) => typeof s === 'string').join('\n') : typeof stop === 'string' ? stop : '';
  const format = request.response_format;
  const formatType = typeof format === 'string' ? format : (format as { type?: unknown } | undefined)?.type;
  if (formatType === 'json_object') p.response_format = 'json_object';
  if (formatType === 'json_schema') {
    const schema = (format as { json_schema?: { schema?: unknown } }).json_schema?.schema;
    p.response_format = 'json_schema';
    p.json_schema = schema === undefined ? '' : asText(schema);
  }
  return p;
}

function promptPart(part: LlmPart): PromptPart | undefined {
  if (part.type === 'text') return { type: 'text', text: part.content ?? '', id: '', name: '' };
  if (part.type === 'tool_call')
    return { type: 'tool_call', text: asText(part.arguments ?? {}), id: part.id ?? '', name: part.name ?? '' };
  if (part.type === 'tool_call_response') return { type: 'tool_call_response', text: asText(part.response), id: part.id ?? '', name: '' };
  return undefined; // reasoning is the model's own, never input; images, audio and files are not sent by the playground
}

// Roles some families name otherwise (Gemini's model, OpenAI's older function).
const ROLE_NAMES: Record<string, string> = { model: 'assistant', function: 'tool' };

export interface FromSpan {
  prompt: Prompt;
  // What the prompt could not carry over, for the page to say (e.g. "1 image part left out").
  leftOut: string[];
}

export function promptFromLlm(
  record: LlmRecord,
  providers: readonly PlaygroundProvider[],
  source?: { trace_id: string; span_id: string },
): FromSpan {
  const skipped = new Map<string, number>();
  const count = (type: string) => skipped.set(type, (skipped.get(type) ?? 0) + 1);
  const systemTexts = record.system_instructions.filter((p) => p.type === 'text').map((p) => p.content ?? '');
  record.system_instructions.filter((p) => p.type !== 'text').forEach((p) => count(p.type));
  const messages: PromptMessage[] = [];
  for (const message of record.input_messages) {
    if (message.role === 'system' || message.role === 'developer') {
      // Families that put the system prompt among the messages (OpenAI's developer role is one): it is the system instructions.
      message.parts.forEach((p) => (p.type === 'text' ? systemTexts.push(p.content ?? '') : count(p.type)));
      continue;
    }
    const parts: PromptPart[] = [];
    for (const part of message.parts) {
      const converted = promptPart(part);
      if (converted) parts.push(converted);
      else count(part.type);
    }
    if (parts.length > 0) messages.push({ role: ROLE_NAMES[message.role] ?? message.role, parts });
  }
  const prompt: Prompt = {
    system: systemTexts.join('\n\n'),
    messages,
    tools: record.tool_definitions.map((tool) => ({
      name: tool.name,
      description: tool.description ?? '',
      parameters: tool.parameters === undefined ? '' : asText(tool.parameters),
    })),
    columns: [
      {
        provider: matchProvider(record.provider, providers),
        model: record.request_model ?? record.model ?? '',
        parameters: parametersFromRequest(record.request),
      },
    ],
  };
  if (source) prompt.source = source;
  if (record.output_messages.length > 0) prompt.previous = record.output_messages;
  const leftOut = [...skipped].map(([type, n]) => `${n} ${type} part${n === 1 ? '' : 's'} left out`);
  return { prompt, leftOut };
}
