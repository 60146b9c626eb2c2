// The playground's prompt as the editor holds it: the conversation shared by
// every column (system instructions, messages in the GenAI shape, tools) and
// 1-3 columns, each its own provider, model and parameters. Whatever the person
// types is kept as typed (numbers and JSON as text), so the URL holds exactly
// what the page shows, half-typed JSON included; runRequest() turns it into the
// api's body and names every field that is not valid yet.
import type { LlmMessage, LlmPart, LlmToolDefinition, ResponseFormat, RunParameters, RunRequest } from './api';

export type PartType = 'text' | 'tool_call' | 'tool_call_response';

export interface PromptPart {
  type: PartType;
  text: string; // text: the text; tool_call: the arguments (JSON text); tool_call_response: the result
  id: string; // tool_call, tool_call_response: the call id that pairs them
  name: string; // tool_call: the tool's name
}

export const MESSAGE_ROLES = ['user', 'assistant', 'tool'] as const;

export interface PromptMessage {
  role: string;
  parts: PromptPart[];
}

export interface PromptTool {
  name: string;
  description: string;
  parameters: string; // JSON schema text; '' for none
}

export interface ParameterText {
  temperature: string;
  max_tokens: string;
  top_p: string;
  seed: string;
  stop: string; // one stop sequence a line
  response_format: ResponseFormat;
  json_schema: string;
}

export interface Column {
  provider: string;
  model: string;
  parameters: ParameterText;
}

export const MAX_COLUMNS = 3;

export interface Prompt {
  system: string;
  messages: PromptMessage[];
  tools: PromptTool[];
  columns: Column[];
  source?: { trace_id: string; span_id: string };
  // The answer the traced call gave, shown for comparison (never sent).
  previous?: LlmMessage[];
}

export function blankParameters(): ParameterText {
  return { temperature: '', max_tokens: '', top_p: '', seed: '', stop: '', response_format: 'text', json_schema: '' };
}

export function blankPart(type: PartType = 'text'): PromptPart {
  return { type, text: type === 'tool_call' ? '{}' : '', id: '', name: '' };
}

export function blankMessage(role = 'user'): PromptMessage {
  return { role, parts: [blankPart(role === 'tool' ? 'tool_call_response' : 'text')] };
}

export function blankPrompt(provider = '', model = ''): Prompt {
  return { system: '', messages: [blankMessage()], tools: [], columns: [{ provider, model, parameters: blankParameters() }] };
}

// ---- list edits (the editor's buttons) -------------------------------------------

export function moved<T>(list: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list];
  const next = [...list];
  [next[index], next[to]] = [next[to], next[index]];
  return next;
}

export function replaced<T>(list: readonly T[], index: number, value: T): T[] {
  return list.map((item, i) => (i === index ? value : item));
}

export function removed<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

// A new column starts as a copy of the last one, so comparing two models is
// one change of the model field.
export function addedColumn(columns: readonly Column[]): Column[] {
  if (columns.length >= MAX_COLUMNS) return [...columns];
  const last = columns[columns.length - 1] ?? { provider: '', model: '', parameters: blankParameters() };
  return [...columns, { ...last, parameters: { ...last.parameters } }];
}

// The parameters that are set, in a few words (a folded column's header).
export function parameterSummary(p: ParameterText): string {
  const facts: string[] = [];
  if (p.temperature.trim()) facts.push(`temperature ${p.temperature.trim()}`);
  if (p.max_tokens.trim()) facts.push(`max tokens ${p.max_tokens.trim()}`);
  if (p.top_p.trim()) facts.push(`top_p ${p.top_p.trim()}`);
  if (p.seed.trim()) facts.push(`seed ${p.seed.trim()}`);
  const stops = p.stop.split('\n').filter((s) => s !== '').length;
  if (stops > 0) facts.push(`${stops} stop sequence${stops === 1 ? '' : 's'}`);
  if (p.response_format !== 'text') facts.push(p.response_format === 'json_object' ? 'JSON object' : 'JSON schema');
  return facts.join(' · ');
}

// ---- to the api's body --------------------------------------------------------------

export interface FieldError {
  field: string; // e.g. "messages[1].parts[0].arguments", "tools[0].parameters", "B.temperature"
  message: string;
}

// JSON text that must be an object (a schema, a tool call's arguments).
export function parseJsonObject(text: string): { value?: Record<string, unknown>; error?: string } {
  if (text.trim() === '') return { error: 'empty: write a JSON object' };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'not a JSON object' };
    return { value: value as Record<string, unknown> };
  } catch (error) {
    return { error: `not JSON: ${(error as Error).message}` };
  }
}

// A JSON schema as the providers take it: an object whose type, when given, is a
// JSON schema type name, and whose properties, when given, are an object.
export function schemaError(text: string): string | undefined {
  const parsed = parseJsonObject(text);
  if (parsed.error) return parsed.error;
  const schema = parsed.value!;
  const types = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
  const type = schema.type;
  if (type !== undefined && !(typeof type === 'string' ? types.includes(type) : Array.isArray(type) && type.every((t) => types.includes(t))))
    return `"type" must be one of ${types.join(', ')}`;
  const properties = schema.properties;
  if (properties !== undefined && (properties === null || typeof properties !== 'object' || Array.isArray(properties)))
    return '"properties" must be an object';
  if (schema.required !== undefined && !(Array.isArray(schema.required) && schema.required.every((r) => typeof r === 'string')))
    return '"required" must be a list of property names';
  return undefined;
}

// Tool results and text that happen to be JSON go as JSON; anything else as the text.
function jsonOrText(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return text;
    }
  }
  return text;
}

function partBody(part: PromptPart, where: string, errors: FieldError[]): LlmPart {
  if (part.type === 'tool_call') {
    if (part.name.trim() === '') errors.push({ field: `${where}.name`, message: 'a tool call needs the tool name' });
    const args = parseJsonObject(part.text);
    if (args.error) errors.push({ field: `${where}.arguments`, message: args.error });
    return { type: 'tool_call', ...(part.id ? { id: part.id } : {}), name: part.name.trim(), arguments: args.value ?? {} };
  }
  if (part.type === 'tool_call_response') return { type: 'tool_call_response', ...(part.id ? { id: part.id } : {}), response: jsonOrText(part.text) };
  return { type: 'text', content: part.text };
}

function number(text: string, field: string, errors: FieldError[], check: (n: number) => string | undefined): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  const problem = Number.isFinite(value) ? check(value) : 'not a number';
  if (problem) {
    errors.push({ field, message: problem });
    return undefined;
  }
  return value;
}

const integer = (min: number) => (n: number) => (Number.isInteger(n) && n >= min ? undefined : `a whole number from ${min}`);
const between = (min: number, max: number) => (n: number) => (n >= min && n <= max ? undefined : `from ${min} to ${max}`);

export function runParameters(text: ParameterText, label: string, errors: FieldError[]): RunParameters {
  const p: RunParameters = {};
  const temperature = number(text.temperature, `${label}.temperature`, errors, between(0, 2));
  if (temperature !== undefined) p.temperature = temperature;
  const topP = number(text.top_p, `${label}.top_p`, errors, between(0, 1));
  if (topP !== undefined) p.top_p = topP;
  const maxTokens = number(text.max_tokens, `${label}.max_tokens`, errors, integer(1));
  if (maxTokens !== undefined) p.max_tokens = maxTokens;
  const seed = number(text.seed, `${label}.seed`, errors, integer(0));
  if (seed !== undefined) p.seed = seed;
  const stop = text.stop.split('\n').filter((s) => s !== '');
  if (stop.length > 0) p.stop = stop;
  p.response_format = text.response_format;
  if (text.response_format === 'json_schema') {
    const problem = schemaError(text.json_schema);
    if (problem) errors.push({ field: `${label}.json_schema`, message: problem });
    else p.json_schema = JSON.parse(text.json_schema);
  }
  return p;
}

export function toolDefinitions(tools: readonly PromptTool[], errors: FieldError[]): LlmToolDefinition[] {
  return tools.map((tool, i) => {
    if (tool.name.trim() === '') errors.push({ field: `tools[${i}].name`, message: 'a tool needs a name' });
    const definition: LlmToolDefinition = { name: tool.name.trim() };
    if (tool.description !== '') definition.description = tool.description;
    if (tool.parameters.trim() !== '') {
      const problem = schemaError(tool.parameters);
      if (problem) errors.push({ field: `tools[${i}].parameters`, message: problem });
      else definition.parameters = JSON.parse(tool.parameters);
    }
    return definition;
  });
}

export const columnLabel = (index: number) => String.fromCharCode(65 + index); // A, B, C

// The body of POST /api/v1/playground/runs for one column, or what is wrong.
export function runRequest(prompt: Prompt, columnIndex: number): { request?: RunRequest; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const column = prompt.columns[columnIndex];
  const label = columnLabel(columnIndex);
  if (!column.provider) errors.push({ field: `${label}.provider`, message: 'choose a provider' });
  if (column.model.trim() === '') errors.push({ field: `${label}.model`, message: 'name a model' });
  if (prompt.messages.length === 0) errors.push({ field: 'messages', message: 'add a message' });
  const messages = prompt.messages.map((message, m) => ({
    role: message.role,
    parts: message.parts.map((part, p) => partBody(part, `messages[${m}].parts[${p}]`, errors)),
  }));
  const tools = toolDefinitions(prompt.tools, errors);
  const parameters = runParameters(column.parameters, label, errors);
  if (errors.length > 0) return { errors };
  const request: RunRequest = { provider: column.provider, model: column.model.trim(), messages, parameters, stream: true };
  if (prompt.system !== '') request.system = prompt.system;
  if (tools.length > 0) request.tools = tools;
  if (prompt.source) request.source = prompt.source;
  if (prompt.columns.length > 1) request.label = label;
  return { request, errors };
}
