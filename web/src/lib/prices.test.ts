import { describe, expect, it } from 'vitest';
import { costOrigin, describeChange, formatPrice, formFromPrice, priceFromForm, pricePath } from './prices';

describe('model prices', () => {
  it('reads the form as the PUT body, the cached price only when given', () => {
    expect(priceFromForm({ input: '2.5', output: '10', cached: '' }, 1e6)).toEqual({
      price: { input_per_million: 2.5, output_per_million: 10 },
    });
    expect(priceFromForm({ input: '3', output: '15', cached: ' 0.3 ' }, 1e6)).toEqual({
      price: { input_per_million: 3, output_per_million: 15, cached_input_per_million: 0.3 },
    });
    expect(priceFromForm({ input: '0', output: '0', cached: '' }, 1e6)).toEqual({
      price: { input_per_million: 0, output_per_million: 0 },
    });
  });

  it('refuses what the api would, naming the field', () => {
    expect(priceFromForm({ input: '', output: '1', cached: '' }, 1e6)).toEqual({ error: 'input: a number of USD per million tokens' });
    expect(priceFromForm({ input: '1', output: 'ten', cached: '' }, 1e6)).toEqual({ error: 'output: a number of USD per million tokens' });
    expect(priceFromForm({ input: '-1', output: '1', cached: '' }, 1e6)).toEqual({ error: 'input: from 0 to 1000000 USD per million tokens' });
    expect(priceFromForm({ input: '1', output: '1', cached: '2000000' }, 1e6)).toEqual({
      error: 'cached input: from 0 to 1000000 USD per million tokens',
    });
  });

  it('fills the form from a price and back', () => {
    const price = { input_per_million: 2.5, output_per_million: 10, cached_input_per_million: 1.25 };
    expect(priceFromForm(formFromPrice(price), 1e6)).toEqual({ price });
    expect(formFromPrice(null)).toEqual({ input: '', output: '', cached: '' });
  });

  it('says a price per million tokens, and a deletion as no price', () => {
    expect(formatPrice({ input_per_million: 2.5, output_per_million: 10 })).toBe(
      '$2.50 input · $10.00 output · cached input at the input price per million tokens',
    );
    expect(formatPrice({ input_per_million: 0.15, output_per_million: 0.6, cached_input_per_million: 0.075 })).toBe(
      '$0.15 input · $0.6 output · $0.075 cached input per million tokens',
    );
    expect(formatPrice(null)).toBe('no price');
    expect(describeChange({ model: 'm', price: null, effective_from_ns: 1_700_000_000_000_000_000, changed_by: 'a@example.com' })).toMatch(
      /: price deleted: no price \(by a@example.com\)$/,
    );
  });

  it('encodes a model name with a slash as one path segment', () => {
    expect(pricePath('meta-llama/Llama-3.1-8B')).toBe('/api/v1/llm/prices/meta-llama%2FLlama-3.1-8B');
  });

  it('says where a cost came from', () => {
    expect(costOrigin({ source: 'sent' })).toBe('sent by the application');
    expect(costOrigin({ source: 'price_table', effective_from_ns: 1_700_000_000_000_000_000 })).toMatch(/^price table, price of .+/);
    expect(costOrigin({ source: 'price_table' })).toBe('price table, price');
  });
});
