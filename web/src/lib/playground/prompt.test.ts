import { describe, expect, it } from 'vitest';
import { addedColumn, blankParameters, blankPrompt, parameterSummary, MAX_COLUMNS, moved, removed, runRequest, schemaError, type Prompt } from './prompt';

const prompt = (fields: Partial<Prompt> = {}): Prompt => ({
  ...blankPrompt('openai', 'gpt-4o'),
  messages: [{ role: 'user', parts: [{ type: 'text', text: 'hello', id: '', name: '' }] }],
  ...fields,
});

describe('runRequest', () => {
  it('builds the api body in the GenAI message shape', () => {
    const p = prompt({
      system: 'Be brief.',
      messages: [
        { role: 'user', parts: [{ type: 'text', text: 'weather?', id: '', name: '' }] },
        { role: 'assistant', parts: [{ type: 'tool_call', text: '{"city":"Oslo"}', id: 'c1', name: 'weather' }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', text: '{"temp":3}', id: 'c1', name: '' }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', text: 'plain words', id: 'c2', name: '' }] },
      ],
      tools: [{ name: 'weather', description: 'the weather', parameters: '{"type":"object","properties":{"city":{"type":"string"}}}' }],
      source: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) },
    });
    p.columns[0].parameters = { ...p.columns[0].parameters, temperature: '0.2', max_tokens: '100', top_p: '0.9', seed: '7', stop: 'END\n\nSTOP' };
    const { request, errors } = runRequest(p, 0);
    expect(errors).toEqual([]);
    expect(request).toEqual({
      provider: 'openai',
      model: 'gpt-4o',
      system: 'Be brief.',
      messages: [
        { role: 'user', parts: [{ type: 'text', content: 'weather?' }] },
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'weather', arguments: { city: 'Oslo' } }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: { temp: 3 } }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c2', response: 'plain words' }] },
      ],
      tools: [{ name: 'weather', description: 'the weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      parameters: { temperature: 0.2, max_tokens: 100, top_p: 0.9, seed: 7, stop: ['END', 'STOP'], response_format: 'text' },
      stream: true,
      source: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) },
    });
  });

  it('names every field that is not valid yet', () => {
    const p = prompt({
      messages: [{ role: 'assistant', parts: [{ type: 'tool_call', text: '{"city":', id: '', name: '' }] }],
      tools: [{ name: '', description: '', parameters: '{"type":"thing"}' }],
    });
    p.columns[0] = { provider: '', model: ' ', parameters: { ...p.columns[0].parameters, temperature: 'hot', max_tokens: '1.5', top_p: '3' } };
    const { request, errors } = runRequest(p, 0);
    expect(request).toBeUndefined();
    expect(errors.map((e) => e.field)).toEqual([
      'A.provider',
      'A.model',
      'messages[0].parts[0].name',
      'messages[0].parts[0].arguments',
      'tools[0].name',
      'tools[0].parameters',
      'A.temperature',
      'A.top_p',
      'A.max_tokens',
    ]);
  });

  it('sends the JSON schema of a json_schema response format, and labels compared columns', () => {
    const p = prompt();
    p.columns = addedColumn(p.columns);
    p.columns[1] = { ...p.columns[1], model: 'gpt-4o-mini', parameters: { ...p.columns[1].parameters, response_format: 'json_schema', json_schema: '{"type":"object"}' } };
    const { request } = runRequest(p, 1);
    expect(request?.model).toBe('gpt-4o-mini');
    expect(request?.label).toBe('B');
    expect(request?.parameters).toEqual({ response_format: 'json_schema', json_schema: { type: 'object' } });
    p.columns[1].parameters.json_schema = '[1]';
    expect(runRequest(p, 1).errors).toEqual([{ field: 'B.json_schema', message: 'not a JSON object' }]);
  });
});

describe('schemaError', () => {
  it('accepts schemas and says what is wrong with others', () => {
    expect(schemaError('{"type":"object","properties":{},"required":["a"]}')).toBeUndefined();
    expect(schemaError('{"type":["string","null"]}')).toBeUndefined();
    expect(schemaError('')).toMatch(/empty/);
    expect(schemaError('{')).toMatch(/not JSON/);
    expect(schemaError('{"properties":[]}')).toBe('"properties" must be an object');
    expect(schemaError('{"required":"a"}')).toBe('"required" must be a list of property names');
  });
});

describe('list edits', () => {
  it('moves, removes and adds up to three columns', () => {
    expect(moved(['a', 'b', 'c'], 1, -1)).toEqual(['b', 'a', 'c']);
    expect(moved(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
    expect(removed(['a', 'b', 'c'], 1)).toEqual(['a', 'c']);
    let columns = blankPrompt('openai', 'gpt-4o').columns;
    columns[0].parameters.temperature = '0.5';
    for (let i = 0; i < 5; i++) columns = addedColumn(columns);
    expect(columns).toHaveLength(MAX_COLUMNS);
    expect(columns[2].parameters.temperature).toBe('0.5');
    columns[2].parameters.temperature = '1';
    expect(columns[0].parameters.temperature).toBe('0.5'); // a copy, not shared
  });
});

describe('parameterSummary', () => {
  it('names what is set', () => {
    expect(parameterSummary(blankParameters())).toBe('');
    expect(parameterSummary({ ...blankParameters(), temperature: ' 0.2', max_tokens: '200', stop: 'a\nb', response_format: 'json_schema' })).toBe(
      'temperature 0.2 · max tokens 200 · 2 stop sequences · JSON schema',
    );
  });
});
