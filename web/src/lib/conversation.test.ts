import { describe, expect, it } from 'vitest';
import type { Span } from '../api/types';
import {
  FOLD_CHARS,
  FOLD_LINES,
  conversationView,
  finishReasons,
  fold,
  foldedLabel,
  formatCost,
  formatMoney,
  formatTokens,
  isLong,
  llmRecord,
  modelText,
  prettyJson,
  readable,
  requestFacts,
  tokenFacts,
  type LlmRecord,
} from './conversation';

// A record as the api sends it for one span (the facts every record has, then the test's own).
const record = (fields: Partial<LlmRecord>): LlmRecord => ({
  kind: 'generation',
  operation: 'chat',
  provider: 'openai',
  model: 'gpt-4o-2024-08-06',
  request_model: 'gpt-4o',
  response_model: 'gpt-4o-2024-08-06',
  model_group: 'gpt-4o',
  input_tokens: 1200,
  output_tokens: 35,
  total_tokens: 1235,
  cache_read_tokens: null,
  cache_write_tokens: null,
  reasoning_tokens: null,
  cost: null,
  finish_reasons: [],
  session_id: null,
  user_id: null,
  request: {},
  sources: ['gen_ai'],
  system_instructions: [],
  input_messages: [],
  output_messages: [],
  tool_definitions: [],
  ...fields,
});

// The conversation of a weather agent's second call: its first tool call and the
// result are history in the input, and the answer asks for a second tool.
const weather = record({
  system_instructions: [{ type: 'text', content: 'You answer about the weather.' }],
  input_messages: [
    { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris and Rome?' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: '{"temp_c":21,"sky":"clear"}' }] },
  ],
  output_messages: [
    {
      role: 'assistant',
      finish_reason: 'tool_calls',
      parts: [
        { type: 'reasoning', content: 'Paris is done; Rome next.' },
        { type: 'tool_call', id: 'call_2', name: 'get_weather', arguments: { city: 'Rome' } },
      ],
    },
  ],
  tool_definitions: [{ name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
  finish_reasons: ['tool_calls'],
});

describe('tool calls and their results', () => {
  it('joins a result to its call by id, and says which calls got a result in the span', () => {
    const view = conversationView(weather);
    const [, call, result] = view.input;
    expect(call.parts[0]).toMatchObject({ kind: 'tool_call', id: 'call_1', name: 'get_weather', answered: true });
    expect(result.roleClass).toBe('tool');
    expect(result.parts[0]).toMatchObject({ kind: 'tool_result', id: 'call_1', tool: 'get_weather' });
    expect(view.output[0].parts[1]).toMatchObject({ kind: 'tool_call', id: 'call_2', answered: false });
  });

  it('leaves a result whose call is not in the span unjoined, unless its message names the tool', () => {
    const view = conversationView(record({
      input_messages: [
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_9', response: 'done' }] },
        { role: 'tool', name: 'search', parts: [{ type: 'tool_call_response', response: 'found' }] },
      ],
    }));
    expect(view.input[0].parts[0]).toMatchObject({ kind: 'tool_result', id: 'call_9', tool: null });
    expect(view.input[1].parts[0]).toMatchObject({ kind: 'tool_result', id: null, tool: 'search' });
  });

  it("reads GenAI's `result` field as the response", () => {
    const view = conversationView(record({
      input_messages: [{ role: 'tool', parts: [{ type: 'tool_call_response', id: 'c', result: { ok: true } }] }],
    }));
    expect(view.input[0].parts[0]).toMatchObject({ kind: 'tool_result', response: { text: '{\n  "ok": true\n}', json: true } });
  });
});

describe('pretty JSON', () => {
  it('indents arguments that arrive as a JSON string or as an object alike', () => {
    const expected = '{\n  "city": "Paris"\n}';
    expect(prettyJson('{"city":"Paris"}')).toBe(expected);
    expect(prettyJson({ city: 'Paris' })).toBe(expected);
    expect(prettyJson('  [1,2] ')).toBe('[\n  1,\n  2\n]');
    const view = conversationView(weather);
    expect(view.input[1].parts[0]).toMatchObject({ arguments: { text: expected, json: true } });
    expect(view.output[0].parts[1]).toMatchObject({ arguments: { text: '{\n  "city": "Rome"\n}', json: true } });
  });

  it('keeps prose and broken JSON as they came, shown as text', () => {
    expect(readable('Sunny, 21 °C')).toEqual({ text: 'Sunny, 21 °C', json: false });
    expect(readable('{"city": "Par')).toEqual({ text: '{"city": "Par', json: false });
    expect(readable('42')).toEqual({ text: '42', json: false });
    expect(readable(undefined)).toEqual({ text: '', json: false });
    expect(readable(null)).toEqual({ text: 'null', json: true });
  });
});

describe('the conversation', () => {
  it('keeps system instructions apart, roles as sent, and unknown parts as their JSON', () => {
    const view = conversationView(record({
      system_instructions: [{ type: 'text', content: 'Be brief.' }, { type: 'text', content: 'Cite sources.' }],
      input_messages: [
        { role: 'user', parts: [{ type: 'text', content: 'What is this?' }, { type: 'image', uri: 'https://x/cat.png' }] },
        { role: 'critic', parts: [] },
      ],
      output_messages: [{ role: 'assistant', parts: [{ type: 'text', content: 'A cat.' }], finish_reason: 'stop' }],
    }));
    expect(view.system).toBe('Be brief.\n\nCite sources.');
    expect(view.input[0].parts[1]).toEqual({ kind: 'other', type: 'image', json: '{\n  "type": "image",\n  "uri": "https://x/cat.png"\n}' });
    expect(view.input[1]).toMatchObject({ role: 'critic', roleClass: 'other' });
    expect(view.output[0]).toMatchObject({ roleClass: 'assistant', finishReason: 'stop' });
    expect(view.empty).toBe(false);
  });

  it('has nothing but facts for a span with only tokens', () => {
    expect(conversationView(record({})).empty).toBe(true);
    expect(conversationView(record({ tool_definitions: [{ name: 'search' }] })).empty).toBe(false);
  });

  it('lists tool definitions with their parameters as JSON', () => {
    expect(conversationView(weather).tools).toEqual([
      { name: 'get_weather', description: 'Current weather', parameters: '{\n  "type": "object",\n  "properties": {\n    "city": {\n      "type": "string"\n    }\n  }\n}' },
    ]);
  });

  it('reads the record from the span and nothing from its attributes', () => {
    const span = { attributes: { 'llm.input_messages.0.message.role': 'user', 'llm.input_messages.0.message.content': 'Hi' }, llm: record({}) } as unknown as Span;
    expect(conversationView(llmRecord(span)!).input).toEqual([]);
    expect(llmRecord({ attributes: {} } as unknown as Span)).toBeNull();
  });
});

describe('folding', () => {
  it('folds past the character limit or the line limit, not at them', () => {
    expect(fold('x'.repeat(FOLD_CHARS)).folded).toBe(false);
    const long = fold('x'.repeat(FOLD_CHARS + 10));
    expect(long).toMatchObject({ folded: true, hiddenChars: 10, hiddenLines: 0 });
    expect(long.head).toHaveLength(FOLD_CHARS);
    expect(foldedLabel(long)).toBe('10 more characters');

    const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`).join('\n');
    expect(fold(lines(FOLD_LINES)).folded).toBe(false);
    const tall = fold(lines(FOLD_LINES + 5));
    expect(tall).toMatchObject({ folded: true, hiddenLines: 5 });
    expect(tall.head.split('\n')).toHaveLength(FOLD_LINES);
    expect(foldedLabel(tall)).toBe('5 more lines');
    expect(isLong(lines(FOLD_LINES + 1))).toBe(true);
    expect(isLong('You answer about the weather.')).toBe(false);
  });
});

describe('facts', () => {
  it('formats token counts, and an unknown count as ?', () => {
    expect(formatTokens(1234567)).toBe('1,234,567');
    expect(formatTokens(0)).toBe('0');
    expect(formatTokens(null)).toBe('?');
    expect(tokenFacts(record({ cache_read_tokens: 1000, reasoning_tokens: 0 }))).toEqual(['1,200 input', '35 output', '1,235 total', '1,000 cache read']);
    expect(tokenFacts(record({ input_tokens: null, total_tokens: null }))).toEqual(['? input', '35 output']);
  });

  it('says "no price" for a missing cost, never 0, and a sent 0 as $0', () => {
    expect(formatCost(null)).toBe('no price');
    expect(formatCost({ input: null, output: null, total: null, currency: 'USD', source: 'sent' })).toBe('no price');
    expect(formatCost({ input: 0.0021, output: 0.0004, total: 0.0025, currency: 'USD', source: 'sent' })).toBe('$0.0025');
    expect(formatCost({ input: 0.0021, output: 0.00035, total: null, currency: 'USD', source: 'sent' })).toBe('$0.0021 input + $0.00035 output');
    expect(formatCost({ input: null, output: null, total: 0, currency: 'USD', source: 'sent' })).toBe('$0');
    expect(formatMoney(12.345)).toBe('$12.35');
    expect(formatMoney(0.123456)).toBe('$0.123');
    expect(formatMoney(0.5, 'EUR')).toBe('EUR 0.5');
  });

  it('names the answering model and the one asked for when they differ', () => {
    expect(modelText(record({}))).toBe('gpt-4o-2024-08-06 (asked for gpt-4o)');
    expect(modelText(record({ model: 'gpt-4o', request_model: 'gpt-4o' }))).toBe('gpt-4o');
    expect(modelText(record({ model: null, request_model: null }))).toBe('model unknown');
  });

  it('lists request parameters and every finish reason once', () => {
    expect(requestFacts({ temperature: 0.2, max_tokens: 256, stop_sequences: ['\n'], seed: null })).toEqual([
      ['temperature', '0.2'], ['max_tokens', '256'], ['stop_sequences', '["\\n"]'],
    ]);
    expect(requestFacts({})).toEqual([]);
    expect(finishReasons(weather)).toEqual(['tool_calls']);
    expect(finishReasons(record({ finish_reasons: ['stop'], output_messages: [{ role: 'assistant', parts: [], finish_reason: 'length' }] }))).toEqual(['stop', 'length']);
  });
});
