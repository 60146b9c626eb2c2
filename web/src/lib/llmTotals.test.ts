import { describe, expect, it } from 'vitest';
import type { Span } from '../api/types';
import { llmTotals, llmTotalsText } from './llmTotals';

type Record = NonNullable<Span['llm']>;
function call(over: Partial<Record>): Pick<Span, 'llm'> {
  return { llm: { kind: 'generation', input_tokens: 100, output_tokens: 20, cost: null, ...over } as Record };
}
const usd = (total: number | null, input: number | null = null, output: number | null = null) =>
  ({ total, input, output, currency: 'USD', source: 'sent' }) as Record['cost'];

describe('llmTotals', () => {
  it('adds calls, tokens and the costs there are', () => {
    const totals = llmTotals([call({ cost: usd(0.01) }), call({ cost: usd(null, 0.002, 0.003) }), { llm: undefined }]);
    expect(totals).toMatchObject({ calls: 2, inputTokens: 200, outputTokens: 40, pricedCalls: 2, unpricedCalls: 0 });
    expect(totals.cost).toBeCloseTo(0.015);
    expect(llmTotalsText(totals)).toBe('2 LLM calls · 200 in / 40 out tokens · $0.015');
  });

  it('counts a call without a price apart instead of as free', () => {
    const totals = llmTotals([call({ cost: usd(1.5) }), call({})]);
    expect(llmTotalsText(totals)).toBe('2 LLM calls · 200 in / 40 out tokens · $1.50 + 1 without a price');
    expect(llmTotalsText(llmTotals([call({})]))).toBe('1 LLM call · 100 in / 20 out tokens · no price');
  });

  it('leaves out agent and tool spans, whose calls have spans of their own, and says nothing without calls', () => {
    const totals = llmTotals([call({ kind: 'agent' }), call({ kind: 'tool' })]);
    expect(totals.calls).toBe(0);
    expect(llmTotalsText(totals)).toBe('');
  });

  it('reads unknown token counts as none', () => {
    expect(llmTotals([call({ input_tokens: null, output_tokens: null })])).toMatchObject({ inputTokens: 0, outputTokens: 0, calls: 1 });
  });
});
