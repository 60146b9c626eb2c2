import { describe, expect, it } from 'vitest';
import type { UsagePoint } from '../api/types';
import {
  axisTitle,
  bucketStarts,
  chartData,
  costCoverage,
  costFigures,
  errorText,
  foldedNames,
  formatTick,
  formatValue,
  metricById,
  metricsFor,
  modelGroups,
  percentileKeys,
  serviceGroups,
  sumTotals,
  type Totals,
  type UsageAnswer,
} from './usageSeries';

const MIN_NS = 60e9;
const BUCKET_NS = 30 * MIN_NS;
// 2026-11-29T00:00:00Z, in ns: the answer's buckets are multiples of bucket_ns.
const DAY0_NS = Date.UTC(2026, 10, 29) * 1e6;

function totals(extra: Partial<Totals> = {}): Totals {
  return {
    calls: 0,
    errors: 0,
    input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost: null,
    cost_calls: 0,
    priced_calls: 0,
    latency_ms: { p50: 0, p90: 0, p99: 0 },
    ...extra,
  };
}

function point(bucket: number, extra: Partial<Totals>): UsagePoint {
  return { bucket_start_ns: DAY0_NS + bucket * BUCKET_NS, ...totals(extra) };
}

// Two hours (4 buckets) from 00:10: gpt-4o busy with a sent cost, claude quiet without one.
const ANSWER: UsageAnswer = {
  from_ns: DAY0_NS + 10 * MIN_NS,
  to_ns: DAY0_NS + 130 * MIN_NS,
  bucket_ns: BUCKET_NS,
  partial: false,
  missing_partitions: [],
  by_model: [
    {
      model: 'claude-3-5-sonnet',
      series: [point(2, { calls: 2, errors: 1, total_tokens: 40, latency_ms: { p50: 900, p90: 1200, p99: 1500 } })],
      ...totals({ calls: 2, errors: 1, total_tokens: 40, reasoning_tokens: 7, latency_ms: { p50: 900, p90: 1200, p99: 1500 } }),
    },
    {
      model: 'gpt-4o',
      series: [
        point(0, { calls: 3000, total_tokens: 90_000, cost: 1.5, cost_calls: 3000, latency_ms: { p50: 200, p90: 300, p99: 400 } }),
        point(3, { calls: 1000, total_tokens: 30_000, cost: null, cost_calls: 0, latency_ms: { p50: 250, p90: 350, p99: 450 } }),
      ],
      ...totals({ calls: 4000, total_tokens: 120_000, cost: 1.5, cost_calls: 3000, latency_ms: { p50: 210, p90: 320, p99: 440 } }),
    },
  ],
  by_service: [{ service: 'chat', series: [], ...totals({ calls: 4002 }) }],
} as UsageAnswer;

describe('series from the answer', () => {
  it('fills every bucket of the window, on the answer\'s own boundaries', () => {
    const starts = bucketStarts(ANSWER.from_ns, ANSWER.to_ns, ANSWER.bucket_ns, modelGroups(ANSWER));
    const day0 = DAY0_NS / 1e6;
    expect(starts).toEqual([day0, day0 + 1_800_000, day0 + 3_600_000, day0 + 5_400_000, day0 + 7_200_000]);
  });

  it('makes one series per model group, a bucket without calls counted as 0', () => {
    const data = chartData(ANSWER, modelGroups(ANSWER), metricById('calls')!);
    expect(data.bucketMs).toBe(1_800_000);
    expect(data.series.map((s) => s.name)).toEqual(['claude-3-5-sonnet', 'gpt-4o']);
    expect(data.series[0].values).toEqual([0, 0, 2, 0, 0]);
    expect(data.series[1].values).toEqual([3000, 0, 0, 1000, 0]);
  });

  it('leaves latency out where there were no calls, rather than drawing 0 ms', () => {
    const data = chartData(ANSWER, modelGroups(ANSWER), metricById('latency_p99')!);
    expect(data.series[1].values).toEqual([400, null, null, 450, null]);
  });

  it('says "no price" for a group without any cost, and leaves a bucket without one empty', () => {
    const data = chartData(ANSWER, modelGroups(ANSWER), metricById('cost')!);
    expect(data.series[0]).toEqual({ name: 'claude-3-5-sonnet', values: [null, null, null, null, null], note: 'no price' });
    expect(data.series[1].values).toEqual([1.5, 0, 0, null, 0]);
  });

  it('reads the service groups too', () => {
    expect(serviceGroups(ANSWER).map((g) => [g.name, g.totals.calls])).toEqual([['chat', 4002]]);
  });
});

describe('metrics', () => {
  it('offers token kinds only once some call reported them, and each latency percentile given', () => {
    const ids = metricsFor(modelGroups(ANSWER).map((g) => g.totals)).map((m) => m.id);
    expect(ids).toContain('reasoning_tokens');
    expect(ids).not.toContain('cache_read_tokens');
    expect(ids.filter((id) => id.startsWith('latency_'))).toEqual(['latency_p50', 'latency_p90', 'latency_p99']);
    expect(metricsFor([totals()], 'cache_read_tokens').map((m) => m.id)).toContain('cache_read_tokens');
  });

  it('orders percentiles numerically, p95 included when the answer gives it', () => {
    expect(percentileKeys([totals({ latency_ms: { p99: 1, p50: 1, p90: 1, p95: 1 } as Totals['latency_ms'] })])).toEqual(['p50', 'p90', 'p95', 'p99']);
  });

  it('knows metrics by their URL id and refuses others', () => {
    expect(metricById('latency_p95')?.unit).toBe('ms');
    expect(metricById('tokens')?.unit).toBe('tokens');
    expect(metricById('latency_x')).toBeUndefined();
    expect(metricById('nonsense')).toBeUndefined();
  });

  it('titles the value axis with its unit and the bucket size', () => {
    expect(axisTitle(metricById('calls')!, 1_800_000)).toBe('Calls per 30 min');
    expect(axisTitle(metricById('input_tokens')!, 1_800_000)).toBe('Tokens, input per 30 min');
    expect(axisTitle(metricById('cost')!, 3_600_000)).toBe('Cost (US$) per 1 h');
    expect(axisTitle(metricById('latency_p99')!, 60_000)).toBe('Latency p99 (ms) in each 1 min');
  });
});

describe('cost', () => {
  it('is "no price" (null), never 0, when no call has a cost', () => {
    expect(costFigures(totals({ calls: 5 })).amount).toBeNull();
    expect(formatValue('usd', null, 'no price')).toBe('no price');
    expect(formatValue('usd', 0)).toBe('$0');
  });

  it('says which calls the cost covers: sent, priced from the table, neither', () => {
    const c = costFigures(totals({ calls: 5, cost: 0.75, cost_calls: 3, priced_calls: 1 }));
    expect(c).toEqual({ amount: 0.75, sentCalls: 3, pricedCalls: 1, unpricedCalls: 1 });
    expect(costCoverage(c)).toBe('3 sent, 1 priced, 1 no price');
    expect(costCoverage(costFigures(totals({ calls: 4, cost: 1, cost_calls: 4 })))).toBe('all 4 sent');
    expect(costCoverage(costFigures(totals({ calls: 4, cost: 0.1, priced_calls: 4 })))).toBe('all 4 priced');
    expect(costCoverage(costFigures(totals({ calls: 14_816, cost: 2.2, priced_calls: 14_816 })))).toBe('all 14,816 priced');
    expect(costCoverage(costFigures(totals({ calls: 4 })))).toBe('');
  });
});

describe('totals', () => {
  it('sums counts and costs; a total cost is null only when no row has one', () => {
    const rows = modelGroups(ANSWER).map((g) => g.totals);
    const sum = sumTotals(rows);
    expect(sum.calls).toBe(4002);
    expect(sum.errors).toBe(1);
    expect(sum.total_tokens).toBe(120_040);
    expect(sum.cost).toBe(1.5);
    expect(sum.cost_calls).toBe(3000);
    expect(sum.priced_calls).toBe(0);
    expect('latency_ms' in sum).toBe(false);
    expect(sumTotals([totals({ calls: 1 }), totals({ calls: 2 })]).cost).toBeNull();
  });

  it('lists the names a group folds when the answer gives them', () => {
    expect(foldedNames(totals({ request_models: ['gpt-4o'], response_models: ['gpt-4o-2024-08-06', 'gpt-4o'] }))).toEqual(['gpt-4o', 'gpt-4o-2024-08-06']);
    expect(foldedNames(totals())).toEqual([]);
  });
});

describe('how values read', () => {
  it('writes short ticks with units where the unit is not the axis title', () => {
    expect(formatTick('tokens', 1500)).toBe('1.5k');
    expect(formatTick('calls', 2_000_000)).toBe('2M');
    expect(formatTick('ms', 250)).toBe('250 ms');
    expect(formatTick('ms', 1500)).toBe('1.5 s');
    expect(formatTick('usd', 0.01)).toBe('$0.01');
    expect(formatTick('usd', 10)).toBe('$10');
    expect(formatTick('usd', 2500)).toBe('$2.5k');
    expect(formatTick('calls', 0.5)).toBe('0.5');
  });

  it('writes full values for the hover and the tables', () => {
    expect(formatValue('tokens', 12345)).toBe('12,345 tokens');
    expect(formatValue('calls', 1)).toBe('1 call');
    expect(formatValue('errors', 3)).toBe('3 errors');
    expect(formatValue('ms', 1234.5)).toBe('1.23 s');
    expect(formatValue('ms', null)).toBe('–');
  });
});

describe('table cells', () => {
  it('gives errors with their share of the calls', () => {
    expect(errorText(0, 10)).toBe('');
    expect(errorText(1, 2)).toBe('1 (50%)');
    expect(errorText(3, 200)).toBe('3 (1.5%)');
    expect(errorText(1, 3)).toBe('1 (33%)');
    expect(errorText(1200, 100000)).toBe('1,200 (1.2%)');
  });
});
