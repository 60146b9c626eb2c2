import { describe, expect, it } from 'vitest';
import type { Span } from '../api/types';
import { llmCall } from './llm';

// A span as the api sends it: its attributes, and `llm` when the indexer's rule found an LLM call.
const span = (attributes: Record<string, unknown>, llm?: Span['llm']) => ({ attributes, llm }) as unknown as Span;

describe('LLM spans', () => {
  it('reads OpenInference messages and token counts', () => {
    const call = llmCall(span({
      'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o', 'llm.provider': 'openai',
      'llm.input_messages.1.message.role': 'user', 'llm.input_messages.1.message.content': 'Hi',
      'llm.input_messages.0.message.role': 'system', 'llm.input_messages.0.message.content': 'Be brief',
      'llm.output_messages.0.message.role': 'assistant', 'llm.output_messages.0.message.content': 'Hello',
      'llm.token_count.prompt': 12, 'llm.token_count.completion': '3',
    }, { model: 'gpt-4o', provider: 'openai', input_tokens: 12, output_tokens: 3 }))!;
    expect(call.model).toBe('gpt-4o');
    expect(call.messages).toEqual([{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }]);
    expect(call.response).toEqual([{ role: 'assistant', content: 'Hello' }]);
    expect([call.inputTokens, call.outputTokens]).toEqual([12, 3]);
  });

  it('reads GenAI attributes with JSON prompts and plain input.value', () => {
    const call = llmCall(span({
      'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude', 'gen_ai.usage.input_tokens': 5,
      'gen_ai.prompt': JSON.stringify([{ role: 'user', content: 'Question?' }]), 'gen_ai.completion': 'Answer.',
    }, { model: 'claude', provider: 'anthropic', input_tokens: 5, output_tokens: null }))!;
    expect(call.provider).toBe('anthropic');
    expect(call.messages).toEqual([{ role: 'user', content: 'Question?' }]);
    expect(call.response).toEqual([{ role: 'assistant', content: 'Answer.' }]);
    expect(call.outputTokens).toBeNull();
    expect(llmCall(span({ 'http.method': 'GET' }))).toBeNull();
  });

  it('shows the model the api decided (the response model), never re-deriving it from the attributes', () => {
    const call = llmCall(span(
      { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06' },
      { model: 'gpt-4o-2024-08-06', provider: null, input_tokens: null, output_tokens: null },
    ))!;
    expect(call.model).toBe('gpt-4o-2024-08-06');
    expect(call.provider).toBe('');
    expect(llmCall(span({ 'gen_ai.request.model': 'gpt-4o' }))).toBeNull();
  });
});
