// The conversation view's logic: what a span's normalised `llm` record reads as.
// The record is decided once, by the indexer (stages/indexer/llm/), from every
// convention an application may send; the conversation in it is always in the
// OpenTelemetry GenAI message shape (messages of parts). Nothing here looks at a
// span's raw attributes: it only arranges the record for reading (tool results
// beside their call, long text folded, JSON made readable, facts formatted).

import type { Span } from '../api/types';

// The record's parts, as the api's schema (SpanLlm in stages/api/openapi.json) declares them.
export type LlmRecord = NonNullable<Span['llm']>;
export type LlmMessage = LlmRecord['input_messages'][number];
export type LlmPart = LlmMessage['parts'][number];
export type LlmCost = NonNullable<LlmRecord['cost']>;

export function llmRecord(span: Span): LlmRecord | null {
  return span.llm ?? null;
}

// ---- JSON --------------------------------------------------------------------

// Arguments and results arrive as objects, or as a JSON string when the sender
// did not parse them (or the normaliser could not): both read as indented JSON.
// A string that is not a JSON object or array is prose, shown as it is.
export interface Readable {
  text: string;
  json: boolean; // shown as code when true
}

function jsonStructure(text: string): object | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as object;
  } catch {
    return undefined;
  }
}

export function readable(value: unknown): Readable {
  if (value === undefined) return { text: '', json: false };
  if (typeof value === 'string') {
    const parsed = jsonStructure(value);
    return parsed === undefined ? { text: value, json: false } : { text: JSON.stringify(parsed, null, 2), json: true };
  }
  return { text: JSON.stringify(value, null, 2) ?? String(value), json: true };
}

export function prettyJson(value: unknown): string {
  return readable(value).text;
}

// ---- folding -----------------------------------------------------------------

// Past either limit a text shows its head and a "show all" button: a long prompt
// (a pasted document, a retrieved context) must not push the answer off screen.
export const FOLD_CHARS = 1200;
export const FOLD_LINES = 16;

export interface Folded {
  head: string; // what shows while folded (the whole text when it is short)
  folded: boolean; // whether anything is hidden
  hiddenLines: number; // lines not in head
  hiddenChars: number; // characters not in head
}

export function fold(text: string, maxChars = FOLD_CHARS, maxLines = FOLD_LINES): Folded {
  const lines = text.split('\n');
  if (text.length <= maxChars && lines.length <= maxLines) return { head: text, folded: false, hiddenLines: 0, hiddenChars: 0 };
  let head = lines.slice(0, maxLines).join('\n');
  if (head.length > maxChars) head = head.slice(0, maxChars);
  const hiddenLines = lines.length - head.split('\n').length;
  return { head, folded: true, hiddenLines, hiddenChars: text.length - head.length };
}

// What the "show all" button says is hidden.
export function foldedLabel(folded: Folded): string {
  return folded.hiddenLines > 1 ? `${folded.hiddenLines} more lines` : `${folded.hiddenChars.toLocaleString('en-US')} more characters`;
}

// Whether a whole block (the system instructions) starts collapsed.
export function isLong(text: string, maxChars = FOLD_CHARS, maxLines = FOLD_LINES): boolean {
  return fold(text, maxChars, maxLines).folded;
}

// ---- parts and messages ------------------------------------------------------

export type PartView =
  | { kind: 'text'; text: string }
  | { kind: 'reasoning'; text: string }
  | { kind: 'tool_call'; id: string | null; name: string; arguments: Readable; answered: boolean }
  | { kind: 'tool_result'; id: string | null; tool: string | null; response: Readable }
  | { kind: 'other'; type: string; json: string };

export interface MessageView {
  role: string; // as sent ('user', 'assistant', 'tool', 'system', or another)
  roleClass: 'user' | 'assistant' | 'tool' | 'system' | 'other'; // for the bubble's colour
  name: string | null;
  finishReason: string | null;
  parts: PartView[];
}

export interface ConversationView {
  system: string; // the system instructions' text parts, joined
  systemOther: PartView[]; // their parts that are not text (shown as they are)
  input: MessageView[];
  output: MessageView[];
  tools: { name: string; description: string; parameters: string | null }[];
  empty: boolean; // nothing but facts: no instructions, messages or tool definitions
}

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

// A tool call's id -> its tool name, over the whole conversation (the call is often
// in the history of the input and its result in a later tool message).
export function toolCallsById(messages: LlmMessage[]): Map<string, string> {
  const calls = new Map<string, string>();
  for (const message of messages) {
    for (const part of message.parts) {
      const id = str(part.id);
      if (part.type === 'tool_call' && id) calls.set(id, str(part.name) ?? '');
    }
  }
  return calls;
}

// The ids of the calls some result in the conversation answers.
export function answeredCallIds(messages: LlmMessage[]): Set<string> {
  const answered = new Set<string>();
  for (const message of messages) {
    for (const part of message.parts) {
      const id = str(part.id);
      if (part.type === 'tool_call_response' && id) answered.add(id);
    }
  }
  return answered;
}

// One part as it reads. `message` gives a result without a known call a tool name
// from the tool message's own name, when the sender set one.
export function partView(part: LlmPart, calls: Map<string, string>, answered: Set<string>, message?: LlmMessage): PartView {
  switch (part.type) {
    case 'text':
      return { kind: 'text', text: typeof part.content === 'string' ? part.content : prettyJson(part.content) };
    case 'reasoning':
      return { kind: 'reasoning', text: typeof part.content === 'string' ? part.content : prettyJson(part.content) };
    case 'tool_call': {
      const id = str(part.id);
      return { kind: 'tool_call', id, name: str(part.name) ?? '(unnamed tool)', arguments: readable(part.arguments), answered: id !== null && answered.has(id) };
    }
    case 'tool_call_response': {
      const id = str(part.id);
      const joined = id !== null ? calls.get(id) : undefined;
      // GenAI names the field `result`; the record's shape says `response`: either is read.
      const response = 'response' in part ? part.response : part.result;
      return { kind: 'tool_result', id, tool: str(joined) ?? str(message?.name) ?? null, response: readable(response) };
    }
    default:
      return { kind: 'other', type: String(part.type ?? 'unknown'), json: prettyJson(part) };
  }
}

const roleClasses = new Set(['user', 'assistant', 'tool', 'system']);

function messageView(message: LlmMessage, calls: Map<string, string>, answered: Set<string>): MessageView {
  const role = str(message.role) ?? 'unknown';
  return {
    role,
    roleClass: roleClasses.has(role) ? (role as MessageView['roleClass']) : 'other',
    name: str(message.name),
    finishReason: str(message.finish_reason),
    parts: message.parts.map((part) => partView(part, calls, answered, message)),
  };
}

export function conversationView(record: LlmRecord): ConversationView {
  const input = record.input_messages;
  const output = record.output_messages;
  const all = [...input, ...output];
  const calls = toolCallsById(all);
  const answered = answeredCallIds(all);
  const systemParts = record.system_instructions.map((part) => partView(part, calls, answered));
  const system = systemParts
    .filter((p): p is Extract<PartView, { kind: 'text' }> => p.kind === 'text')
    .map((p) => p.text)
    .join('\n\n');
  const tools = record.tool_definitions.map((tool) => ({
    name: str(tool.name) ?? '(unnamed tool)',
    description: str(tool.description) ?? '',
    parameters: tool.parameters === undefined || tool.parameters === null ? null : prettyJson(tool.parameters),
  }));
  const systemOther = systemParts.filter((p) => p.kind !== 'text');
  return {
    system,
    systemOther,
    input: input.map((m) => messageView(m, calls, answered)),
    output: output.map((m) => messageView(m, calls, answered)),
    tools,
    empty: system === '' && systemOther.length === 0 && all.length === 0 && tools.length === 0,
  };
}

// ---- facts -------------------------------------------------------------------

// What the span is, for the section's heading.
export function kindTitle(kind: LlmRecord['kind']): string {
  switch (kind) {
    case 'embedding':
      return 'Embedding';
    case 'agent':
      return 'Agent';
    case 'tool':
      return 'Tool call';
    case 'other':
      return 'LLM span';
    default:
      return 'LLM call';
  }
}

export function formatTokens(count: number | null): string {
  return count === null || !Number.isFinite(count) ? '?' : count.toLocaleString('en-US');
}

// An amount of money: cents when it is at least a dollar, else three significant
// digits (an LLM call often costs a fraction of a cent).
export function formatMoney(amount: number, currency = 'USD'): string {
  const sign = currency === 'USD' ? '$' : `${currency} `;
  if (amount === 0) return `${sign}0`;
  if (Math.abs(amount) >= 1) return `${sign}${amount.toFixed(2)}`;
  return `${sign}${Number(amount.toPrecision(3))}`;
}

// A missing cost is "no price", never 0: 0 would claim the call was free.
export function formatCost(cost: LlmCost | null): string {
  if (!cost) return 'no price';
  if (cost.total !== null) return formatMoney(cost.total, cost.currency);
  const parts: string[] = [];
  if (cost.input !== null) parts.push(`${formatMoney(cost.input, cost.currency)} input`);
  if (cost.output !== null) parts.push(`${formatMoney(cost.output, cost.currency)} output`);
  return parts.length > 0 ? parts.join(' + ') : 'no price';
}

// Where a cost came from, for its tooltip.
export function costSource(cost: LlmCost | null): string {
  if (!cost) return 'no cost was sent and no price is known for this model';
  return cost.source === 'sent'
    ? 'cost sent by the application'
    : 'cost from the model price table (Settings), at the price in effect when the call started';
}

// The token counts that are known, in the order people read them.
export function tokenFacts(record: LlmRecord): string[] {
  const facts = [`${formatTokens(record.input_tokens)} input`, `${formatTokens(record.output_tokens)} output`];
  if (record.total_tokens !== null) facts.push(`${formatTokens(record.total_tokens)} total`);
  if (record.cache_read_tokens) facts.push(`${formatTokens(record.cache_read_tokens)} cache read`);
  if (record.cache_write_tokens) facts.push(`${formatTokens(record.cache_write_tokens)} cache write`);
  if (record.reasoning_tokens) facts.push(`${formatTokens(record.reasoning_tokens)} reasoning`);
  return facts;
}

// The model as a person wants it: the one answering, and the one asked for when they differ.
export function modelText(record: LlmRecord): string {
  const model = record.model ?? 'model unknown';
  const asked = record.request_model;
  return asked && asked !== model ? `${model} (asked for ${asked})` : model;
}

// Request parameters as name / value pairs, values as short text.
export function requestFacts(request: LlmRecord['request']): [string, string][] {
  return Object.entries(request)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]);
}

// Every finish reason, the record's and each output message's, once each.
export function finishReasons(record: LlmRecord): string[] {
  const reasons = [...record.finish_reasons];
  for (const message of record.output_messages) {
    const reason = str(message.finish_reason);
    if (reason) reasons.push(reason);
  }
  return [...new Set(reasons)];
}
