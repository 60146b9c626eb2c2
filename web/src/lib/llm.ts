// What an LLM span says, whichever convention wrote it: OpenTelemetry GenAI
// (gen_ai.*) or OpenInference (llm.*, input.value / output.value).

import type { Span } from '../api/types';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface LlmCall {
  model: string;
  provider: string;
  inputTokens: number | null;
  outputTokens: number | null;
  messages: ChatMessage[]; // the prompt, in order
  response: ChatMessage[];
  parameters: string;
}

function text(value: unknown): string {
  if (value == null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function number(value: unknown): number | null {
  const n = typeof value === 'number' ? value : Number(value);
  return value == null || value === '' || Number.isNaN(n) ? null : n;
}

// OpenInference flattens messages as llm.input_messages.<i>.message.role / .content.
function indexedMessages(attributes: Record<string, unknown>, prefix: string): ChatMessage[] {
  const byIndex = new Map<number, ChatMessage>();
  for (const [key, value] of Object.entries(attributes)) {
    if (!key.startsWith(prefix)) continue;
    const match = /^(\d+)\.message\.(role|content)$/.exec(key.slice(prefix.length));
    if (!match) continue;
    const index = Number(match[1]);
    const message = byIndex.get(index) ?? { role: '', content: '' };
    if (match[2] === 'role') message.role = text(value);
    else message.content = text(value);
    byIndex.set(index, message);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
}

// gen_ai prompts are often a JSON array of {role, content}.
function jsonMessages(value: unknown, role: string): ChatMessage[] {
  if (value == null || value === '') return [];
  if (typeof value === 'string') {
    try {
      return jsonMessages(JSON.parse(value), role);
    } catch {
      return [{ role, content: value }];
    }
  }
  if (Array.isArray(value)) {
    return value.map((m) => (typeof m === 'object' && m !== null ? { role: text((m as Record<string, unknown>).role) || role, content: text((m as Record<string, unknown>).content ?? m) } : { role, content: text(m) }));
  }
  return [{ role, content: text(value) }];
}

export function llmCall(span: Span): LlmCall | null {
  const a = span.attributes ?? {};
  const model = text(a['gen_ai.request.model'] ?? a['gen_ai.response.model'] ?? a['llm.model_name']);
  const isLlm = model !== '' || a['openinference.span.kind'] === 'LLM' || 'gen_ai.system' in a;
  if (!isLlm) return null;
  let messages = indexedMessages(a, 'llm.input_messages.');
  if (messages.length === 0) messages = jsonMessages(a['gen_ai.prompt'] ?? a['input.value'], 'user');
  let response = indexedMessages(a, 'llm.output_messages.');
  if (response.length === 0) response = jsonMessages(a['gen_ai.completion'] ?? a['output.value'], 'assistant');
  return {
    model,
    provider: text(a['gen_ai.system'] ?? a['gen_ai.provider.name'] ?? a['llm.provider']),
    inputTokens: number(a['gen_ai.usage.input_tokens'] ?? a['llm.token_count.prompt']),
    outputTokens: number(a['gen_ai.usage.output_tokens'] ?? a['llm.token_count.completion']),
    messages,
    response,
    parameters: text(a['llm.invocation_parameters']),
  };
}
