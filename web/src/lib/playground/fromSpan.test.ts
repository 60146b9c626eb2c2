import { describe, expect, it } from 'vitest';
import type { LlmRecord } from '../conversation';
import type { PlaygroundProvider, ProviderKind } from './api';
import { matchProvider, parametersFromRequest, promptFromLlm, providerKindOf } from './fromSpan';

// A generation record with no facts but the test's own (the fields the prompt does not read stay null or empty).
const unread = ['operation', 'response_model', 'model_group', 'input_tokens', 'output_tokens', 'total_tokens', 'cache_read_tokens',
  'cache_write_tokens', 'reasoning_tokens', 'cost', 'session_id', 'user_id'];
const none = ['finish_reasons', 'system_instructions', 'input_messages', 'output_messages', 'tool_definitions'];
const record = (fields: Partial<LlmRecord>): LlmRecord => ({
  ...(Object.fromEntries([...unread.map((key) => [key, null]), ...none.map((key) => [key, []])]) as unknown as LlmRecord),
  kind: 'generation',
  provider: 'openai',
  model: 'gpt-4o-2024-08-06',
  request_model: 'gpt-4o',
  sources: ['gen_ai'],
  request: {},
  ...fields,
});

const provider = (name: string, kind: ProviderKind): PlaygroundProvider => ({ name, kind, base_url: 'http://x', key_set: true, source: 'configuration' });
const providers = [provider('openai', 'openai'), provider('local-ollama', 'openai'), provider('claude', 'anthropic'), provider('gemini', 'gemini')];

describe('providers', () => {
  it('maps the recorded provider to a configured one: by name, else by kind, else the first', () => {
    expect(providerKindOf('gcp.gemini')).toBe('gemini');
    expect(providerKindOf('gcp.vertex_ai')).toBe('gemini');
    expect(providerKindOf('anthropic')).toBe('anthropic');
    expect(providerKindOf('azure.ai.openai')).toBe('openai');
    expect(providerKindOf('aws.bedrock')).toBeUndefined();
    expect(matchProvider('local-ollama', providers)).toBe('local-ollama');
    expect(matchProvider('anthropic', providers)).toBe('claude');
    expect(matchProvider('gcp.gemini', providers)).toBe('gemini');
    expect(matchProvider('aws.bedrock', providers)).toBe('openai');
    expect(matchProvider('anthropic', [provider('only', 'openai')])).toBe('only');
    expect(matchProvider('openai', [])).toBe('');
  });
});

describe('promptFromLlm', () => {
  it('fills the conversation, tools, model and parameters, and keeps the answer apart', () => {
    const { prompt, leftOut } = promptFromLlm(
      record({
        provider: 'anthropic',
        request: { temperature: 0.3, max_tokens: 256, top_p: 0.8, seed: 4, stop_sequences: ['###'], top_k: 40 },
        system_instructions: [{ type: 'text', content: 'You are terse.' }],
        input_messages: [
          { role: 'system', parts: [{ type: 'text', content: 'Also polite.' }] },
          { role: 'user', parts: [{ type: 'text', content: 'Weather in Oslo?' }, { type: 'image', uri: 'x' }] },
          { role: 'assistant', parts: [{ type: 'reasoning', content: 'hmm' }, { type: 'tool_call', id: 't1', name: 'weather', arguments: { city: 'Oslo' } }] },
          { role: 'tool', parts: [{ type: 'tool_call_response', id: 't1', response: 'cold' }] },
        ],
        output_messages: [{ role: 'assistant', parts: [{ type: 'text', content: 'It is cold.' }], finish_reason: 'stop' }],
        tool_definitions: [{ name: 'weather', description: 'weather by city', parameters: { type: 'object' } }, { name: 'noop' }],
      }),
      providers,
      { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) },
    );
    expect(prompt.system).toBe('You are terse.\n\nAlso polite.');
    expect(prompt.messages).toEqual([
      { role: 'user', parts: [{ type: 'text', text: 'Weather in Oslo?', id: '', name: '' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', text: '{\n  "city": "Oslo"\n}', id: 't1', name: 'weather' }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', text: 'cold', id: 't1', name: '' }] },
    ]);
    expect(prompt.tools).toEqual([
      { name: 'weather', description: 'weather by city', parameters: '{\n  "type": "object"\n}' },
      { name: 'noop', description: '', parameters: '' },
    ]);
    expect(prompt.columns).toEqual([
      {
        provider: 'claude',
        model: 'gpt-4o',
        parameters: { temperature: '0.3', max_tokens: '256', top_p: '0.8', seed: '4', stop: '###', response_format: 'text', json_schema: '' },
      },
    ]);
    expect(prompt.previous?.[0].parts[0].content).toBe('It is cold.');
    expect(prompt.source).toEqual({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) });
    expect(leftOut).toEqual(['1 image part left out', '1 reasoning part left out']);
  });

  it('takes the model when no request model was recorded, and no previous answer when there was none', () => {
    const { prompt } = promptFromLlm(record({ request_model: null, model: 'llama3' }), []);
    expect(prompt.columns[0]).toMatchObject({ provider: '', model: 'llama3' });
    expect(prompt.previous).toBeUndefined();
    expect(prompt.messages).toEqual([]);
  });

  it('reads other families\' role names as the playground\'s', () => {
    const { prompt } = promptFromLlm(
      record({
        input_messages: [
          { role: 'developer', parts: [{ type: 'text', content: 'Answer in French.' }] },
          { role: 'user', parts: [{ type: 'text', content: 'Hi' }] },
          { role: 'model', parts: [{ type: 'text', content: 'Salut' }] },
        ],
      }),
      providers,
    );
    expect(prompt.system).toBe('Answer in French.');
    expect(prompt.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('reads invocation parameters by their other names', () => {
    expect(parametersFromRequest({ max_completion_tokens: 50, stop: 'X', response_format: { type: 'json_object' } })).toMatchObject({
      max_tokens: '50',
      stop: 'X',
      response_format: 'json_object',
    });
    expect(
      parametersFromRequest({ response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } }, temperature: 'warm' }),
    ).toMatchObject({ response_format: 'json_schema', json_schema: '{\n  "type": "object"\n}', temperature: '' });
  });
});
