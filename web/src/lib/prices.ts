// The model price table as Settings shows and edits it, and where an LLM
// call's cost came from. Prices are USD per million tokens; a change applies to
// calls from its time on (the api keeps every change, earlier calls keep the
// price they had), which the page says.
import type { ModelPrice, PriceChange } from '../api/types';
import { formatMoney } from './conversation';
import { formatTime } from './format';

export type LlmCostOrigin = { source: 'sent' | 'price_table'; effective_from_ns?: number };

// The path of one model's price: a model group may hold a '/' (meta-llama/...).
export const pricePath = (model: string): string => `/api/v1/llm/prices/${encodeURIComponent(model)}`;

export type PriceForm = { input: string; output: string; cached: string };
export const emptyPriceForm: PriceForm = { input: '', output: '', cached: '' };

export function formFromPrice(price: ModelPrice | null): PriceForm {
  if (!price) return emptyPriceForm;
  return {
    input: String(price.input_per_million),
    output: String(price.output_per_million),
    cached: price.cached_input_per_million === undefined ? '' : String(price.cached_input_per_million),
  };
}

// The form's fields as the PUT body, or what is wrong with them (the api checks the same bounds).
export function priceFromForm(form: PriceForm, maxPerMillion: number): { price: ModelPrice } | { error: string } {
  const read = (text: string, name: string): number | string => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value)) return `${name}: a number of USD per million tokens`;
    if (value < 0 || value > maxPerMillion) return `${name}: from 0 to ${maxPerMillion} USD per million tokens`;
    return value;
  };
  const input = read(form.input, 'input');
  if (typeof input === 'string') return { error: input };
  const output = read(form.output, 'output');
  if (typeof output === 'string') return { error: output };
  const price: ModelPrice = { input_per_million: input, output_per_million: output };
  if (form.cached.trim() !== '') {
    const cached = read(form.cached, 'cached input');
    if (typeof cached === 'string') return { error: cached };
    price.cached_input_per_million = cached;
  }
  return { price };
}

// "$2.50 in · $10.00 out · $1.25 cached input, per million tokens"; a deletion reads "no price".
export function formatPrice(price: ModelPrice | null): string {
  if (!price) return 'no price';
  const parts = [`${formatMoney(price.input_per_million)} input`, `${formatMoney(price.output_per_million)} output`];
  parts.push(
    price.cached_input_per_million === undefined
      ? 'cached input at the input price'
      : `${formatMoney(price.cached_input_per_million)} cached input`,
  );
  return `${parts.join(' · ')} per million tokens`;
}

// One line of a model's history: what it became, when, by whom.
export function describeChange(change: PriceChange): string {
  const what = change.price ? formatPrice(change.price) : 'price deleted: no price';
  return `${formatTime(change.effective_from_ns)}: ${what} (by ${change.changed_by})`;
}

// Where a call's cost came from, in a few words beside it.
export function costOrigin(cost: LlmCostOrigin): string {
  if (cost.source === 'sent') return 'sent by the application';
  const since = cost.effective_from_ns ? ` of ${formatTime(cost.effective_from_ns)}` : '';
  return `price table, price${since}`;
}
