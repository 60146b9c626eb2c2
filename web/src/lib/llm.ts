// What an LLM span says. Whether it is one, its model, provider and token
// counts are decided once by the indexer (stages/indexer/query/llm_rule.h, the
// same rule the LLM usage page counts by) and arrive as the span's `llm`;
// only the messages are read here, from whichever convention wrote them:
// OpenTelemetry GenAI (gen_ai.*) or OpenInference (llm.*, input.value / output.value).

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
  const llm = span.llm;
  if (!llm) return null;
  const a = span.attributes ?? {};
  let messages = indexedMessages(a, 'llm.input_messages.');
  if (messages.length === 0) messages = jsonMessages(a['gen_ai.prompt'] ?? a['input.value'], 'user');
  let response = indexedMessages(a, 'llm.output_messages.');
  if (response.length === 0) response = jsonMessages(a['gen_ai.completion'] ?? a['output.value'], 'assistant');
  return {
    model: llm.model ?? '',
    provider: llm.provider ?? '',
    inputTokens: llm.input_tokens,
    outputTokens: llm.output_tokens,
    messages,
    response,
    parameters: text(a['llm.invocation_parameters']),
  };
}
