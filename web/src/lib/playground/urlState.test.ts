import { describe, expect, it } from 'vitest';
import { blankPrompt, type Prompt } from './prompt';
import { decodePrompt, encodePrompt, fragmentFor, fragmentPrompt, parseFrom, playgroundLink, promptFromJson } from './urlState';

describe('the prompt in the URL fragment', () => {
  it('round-trips a prompt through deflate-raw and base64url', async () => {
    const prompt: Prompt = {
      system: 'Système: réponds en français ✓',
      messages: [
        { role: 'user', parts: [{ type: 'text', text: 'x'.repeat(20000), id: '', name: '' }] },
        { role: 'assistant', parts: [{ type: 'tool_call', text: '{"a":', id: 'c', name: 'f' }] },
      ],
      tools: [{ name: 'f', description: '', parameters: '{"type":"object"}' }],
      columns: [blankPrompt('openai', 'gpt-4o').columns[0], { provider: 'claude', model: 'claude-haiku-4-5', parameters: { ...blankPrompt().columns[0].parameters, temperature: '0.' } }],
      source: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) },
      previous: [{ role: 'assistant', parts: [{ type: 'text', content: 'old' }] }],
    };
    const encoded = await encodePrompt(prompt);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encoded.length).toBeLessThan(1000); // 20,000 repeated characters compress
    expect(await decodePrompt(encoded)).toEqual(prompt);
    expect(fragmentPrompt(fragmentFor(encoded))).toBe(encoded);
    expect(fragmentPrompt('#other=1')).toBeUndefined();
  });

  it('reads a hand-edited or partial prompt as far as it is valid', () => {
    const prompt = promptFromJson({ messages: [{ parts: [{ type: 'image', text: 1 }] }], columns: [], tools: 'no' });
    expect(prompt.messages).toEqual([{ role: 'user', parts: [{ type: 'text', text: '', id: '', name: '' }] }]);
    expect(prompt.columns).toHaveLength(1);
    expect(prompt.tools).toEqual([]);
    expect(promptFromJson({ columns: [{}, {}, {}, {}, {}] }).columns).toHaveLength(3);
  });

  it('fails on a fragment that is not a compressed prompt', async () => {
    await expect(decodePrompt('not-compressed')).rejects.toThrow();
  });
});

describe('from a span', () => {
  it('parses ?from=<trace_id>/<span_id> and builds the link', () => {
    const trace = '0123456789abcdef0123456789abcdef';
    const span = '0123456789abcdef';
    expect(parseFrom(`${trace}/${span}`)).toEqual({ trace_id: trace, span_id: span });
    expect(parseFrom(`${trace.toUpperCase()}/${span}`)).toEqual({ trace_id: trace, span_id: span });
    expect(parseFrom(`${trace}`)).toBeUndefined();
    expect(parseFrom(null)).toBeUndefined();
    expect(playgroundLink(trace, span)).toBe(`/playground?from=${trace}/${span}`);
  });
});
