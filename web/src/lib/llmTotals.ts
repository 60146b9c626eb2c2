// The LLM calls of a set of spans (a trace, a workflow or agent run) added up:
// calls, tokens and cost, from each span's normalised `llm` record (the api has
// already priced each call from the price table where the application sent no
// cost). A call without a cost is counted apart: the total is then "at least",
// never a sum that silently treats an unpriced call as free.
import type { Span } from '../api/types';
import { formatMoney, formatTokens, type LlmRecord } from './conversation';

export interface LlmTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cost: number; // of the calls that have one
  pricedCalls: number;
  unpricedCalls: number;
  currency: string;
}

function callCost(record: LlmRecord): number | null {
  const cost = record.cost;
  if (!cost) return null;
  if (cost.total !== null) return cost.total;
  if (cost.input === null && cost.output === null) return null;
  return (cost.input ?? 0) + (cost.output ?? 0);
}

// Only generations count: an agent or tool span's record describes calls that have their own spans.
export function llmTotals(spans: readonly Pick<Span, 'llm'>[]): LlmTotals {
  const totals: LlmTotals = { calls: 0, inputTokens: 0, outputTokens: 0, cost: 0, pricedCalls: 0, unpricedCalls: 0, currency: 'USD' };
  for (const span of spans) {
    const record = span.llm;
    if (!record || (record.kind !== 'generation' && record.kind !== 'embedding')) continue;
    totals.calls += 1;
    totals.inputTokens += record.input_tokens ?? 0;
    totals.outputTokens += record.output_tokens ?? 0;
    const cost = callCost(record);
    if (cost === null) {
      totals.unpricedCalls += 1;
    } else {
      totals.cost += cost;
      totals.pricedCalls += 1;
      totals.currency = record.cost?.currency ?? totals.currency;
    }
  }
  return totals;
}

// "3 LLM calls · 1,200 in / 300 out tokens · $0.012" ("+ 1 without a price" when some have none); empty without calls.
export function llmTotalsText(totals: LlmTotals): string {
  if (totals.calls === 0) return '';
  const calls = totals.calls === 1 ? '1 LLM call' : `${totals.calls} LLM calls`;
  const tokens = `${formatTokens(totals.inputTokens)} in / ${formatTokens(totals.outputTokens)} out tokens`;
  let cost: string;
  if (totals.pricedCalls === 0) cost = 'no price';
  else if (totals.unpricedCalls === 0) cost = formatMoney(totals.cost, totals.currency);
  else cost = `${formatMoney(totals.cost, totals.currency)} + ${totals.unpricedCalls} without a price`;
  return `${calls} · ${tokens} · ${cost}`;
}
