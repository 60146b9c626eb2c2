// What the LLM usage page draws and tabulates from /api/v1/llm/usage: the metrics
// one can chart (calls, errors, tokens, cost, latency percentiles), each group's
// series on a full bucket grid, the totals rows, and how each unit reads.
// The api already groups by model group (gpt-4o and gpt-4o-2024-08-06 are one
// group), so one group here is one series.

import type { Answer, UsagePoint, UsageTotals } from '../api/types';
import { formatDuration } from './format';
import { formatMoney } from './conversation';
import { stepText } from './chartScales';

export type UsageAnswer = Answer<'llmUsage'>;

// Fields a later answer may carry, read when present: the model names a group
// folds. Named here only, so following the api's final names is a change to this
// type and its reader (foldedNames).
export interface LaterFields {
  request_models?: string[];
  response_models?: string[];
}
export type Totals = UsageTotals & LaterFields;
// Totals without latency: what adds up over groups (sumTotals).
export type Sums = Omit<Totals, 'latency_ms'>;

export type Unit = 'calls' | 'errors' | 'tokens' | 'usd' | 'ms';

export interface Metric {
  id: string; // as kept in the URL (?metric=)
  label: string;
  unit: Unit;
  // sum: a bucket without calls is 0 (no calls, no tokens, no spend);
  // gauge: it has no value (a latency of no calls is not 0 ms).
  kind: 'sum' | 'gauge';
  read: (t: Totals) => number | null;
}

// ---- cost ----

export interface CostFigures {
  amount: number | null; // USD, sent plus priced (the api adds them); null: no call has a cost (no price, never 0)
  sentCalls: number; // calls that sent their own cost
  pricedCalls: number; // calls costed from the model price table
  unpricedCalls: number; // calls with neither: not in the amount
}

export function costFigures(t: Sums): CostFigures {
  const sentCalls = t.cost_calls ?? 0;
  const pricedCalls = t.priced_calls ?? 0;
  return { amount: t.cost ?? null, sentCalls, pricedCalls, unpricedCalls: Math.max(0, t.calls - sentCalls - pricedCalls) };
}

// Which calls the cost covers, for the table: "all 5 sent", "3 sent, 1 priced, 1 no price".
export function costCoverage(c: CostFigures): string {
  const parts: string[] = [];
  const calls = c.sentCalls + c.pricedCalls + c.unpricedCalls;
  const n = formatNumber;
  if (c.sentCalls) parts.push(c.sentCalls === calls ? `all ${n(calls)} sent` : `${n(c.sentCalls)} sent`);
  if (c.pricedCalls) parts.push(c.pricedCalls === calls ? `all ${n(calls)} priced` : `${n(c.pricedCalls)} priced`);
  if (c.unpricedCalls && parts.length) parts.push(`${n(c.unpricedCalls)} no price`);
  return parts.join(', ');
}

// ---- metrics ----

const FIXED_METRICS: Metric[] = [
  { id: 'calls', label: 'Calls', unit: 'calls', kind: 'sum', read: (t) => t.calls },
  { id: 'errors', label: 'Errors', unit: 'errors', kind: 'sum', read: (t) => t.errors },
  { id: 'tokens', label: 'Tokens, total', unit: 'tokens', kind: 'sum', read: (t) => t.total_tokens },
  { id: 'input_tokens', label: 'Tokens, input', unit: 'tokens', kind: 'sum', read: (t) => t.input_tokens },
  { id: 'output_tokens', label: 'Tokens, output', unit: 'tokens', kind: 'sum', read: (t) => t.output_tokens },
  { id: 'cache_read_tokens', label: 'Tokens, cache read', unit: 'tokens', kind: 'sum', read: (t) => t.cache_read_tokens },
  { id: 'cache_write_tokens', label: 'Tokens, cache write', unit: 'tokens', kind: 'sum', read: (t) => t.cache_write_tokens },
  { id: 'reasoning_tokens', label: 'Tokens, reasoning', unit: 'tokens', kind: 'sum', read: (t) => t.reasoning_tokens },
  { id: 'cost', label: 'Cost', unit: 'usd', kind: 'sum', read: (t) => costFigures(t).amount },
];

// The token kinds a call reports only sometimes: offered once some call reported them.
const OPTIONAL_TOKENS = ['cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens'] as const;
export type OptionalTokens = (typeof OPTIONAL_TOKENS)[number];

export const DEFAULT_METRIC = 'calls';

const PERCENTILE = /^p(\d+(?:\.\d+)?)$/;

// One latency percentile of a group or bucket, ms; null when the answer has none.
export function latency(t: Totals, key: string): number | null {
  const value = (t.latency_ms as Record<string, number | undefined> | undefined)?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function latencyMetric(key: string): Metric {
  return { id: `latency_${key}`, label: `Latency ${key}`, unit: 'ms', kind: 'gauge', read: (t) => latency(t, key) };
}

// The latency percentiles the answer gives (p50, p90, p99 today; p95 when it comes), in order.
export function percentileKeys(rows: Totals[]): string[] {
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row.latency_ms ?? {})) if (PERCENTILE.test(key)) keys.add(key);
  return [...keys].sort((a, b) => Number(PERCENTILE.exec(a)![1]) - Number(PERCENTILE.exec(b)![1]));
}

export function metricById(id: string): Metric | undefined {
  const key = /^latency_(p\d+(?:\.\d+)?)$/.exec(id)?.[1];
  return key ? latencyMetric(key) : FIXED_METRICS.find((m) => m.id === id);
}

export function reportedTokens(rows: Totals[]): Record<OptionalTokens, boolean> {
  const has = (k: OptionalTokens) => rows.some((r) => (r[k] ?? 0) > 0);
  return { cache_read_tokens: has('cache_read_tokens'), cache_write_tokens: has('cache_write_tokens'), reasoning_tokens: has('reasoning_tokens') };
}

// The metrics worth offering for an answer: token kinds nobody reported left out,
// latency for each percentile the answer gives. `keep` (the one in the URL) stays.
export function metricsFor(rows: Totals[], keep?: string): Metric[] {
  const reported = reportedTokens(rows);
  const offered = FIXED_METRICS.filter((m) => !(OPTIONAL_TOKENS as readonly string[]).includes(m.id) || reported[m.id as OptionalTokens] || m.id === keep);
  const latency = percentileKeys(rows).map(latencyMetric);
  const kept = keep && ![...offered, ...latency].some((m) => m.id === keep) ? metricById(keep) : undefined;
  return [...offered, ...latency, ...(kept ? [kept] : [])];
}

// "Calls per 30 min", "Cost (US$) per 1 h", "Latency p99 (ms) in each 30 min": the value
// axis's title, with its bucket and its unit where the metric's name does not say it.
export function axisTitle(metric: Metric, bucketMs: number): string {
  const bucket = stepText(bucketMs);
  const named = metric.unit === 'usd' || metric.unit === 'ms' ? `${metric.label} (${unitText(metric.unit)})` : metric.label;
  return metric.kind === 'gauge' ? `${named} in each ${bucket}` : `${named} per ${bucket}`;
}

export function unitText(unit: Unit): string {
  return unit === 'usd' ? 'US$' : unit;
}

// ---- series ----

export interface UsageGroup {
  name: string;
  series: UsagePoint[];
  totals: Totals;
}

export interface ChartSeries {
  name: string;
  values: (number | null)[]; // one per bucket of the grid; null: nothing to draw there
  note?: string; // said in the legend: "no price" when no call of the group has a cost
}

export interface ChartData {
  bucketMs: number;
  starts: number[]; // bucket starts, unix ms, oldest first, no bucket skipped
  series: ChartSeries[];
}

export function modelGroups(answer: UsageAnswer): UsageGroup[] {
  return answer.by_model.map((m) => ({ name: m.model, series: m.series, totals: m }));
}

export function serviceGroups(answer: UsageAnswer): UsageGroup[] {
  return answer.by_service.map((s) => ({ name: s.service, series: s.series, totals: s }));
}

const nsToMs = (ns: number) => ns / 1e6;

// Every bucket of the window, including those the answer leaves out for having no
// calls, on the answer's own bucket boundaries.
export function bucketStarts(fromNs: number, toNs: number, bucketNs: number, groups: UsageGroup[]): number[] {
  const bucketMs = Math.max(1, Math.round(nsToMs(bucketNs)));
  const anyPoint = groups.find((g) => g.series.length > 0)?.series[0];
  const phase = anyPoint ? ((Math.round(nsToMs(anyPoint.bucket_start_ns)) % bucketMs) + bucketMs) % bucketMs : 0;
  const fromMs = nsToMs(fromNs);
  const toMs = Math.max(fromMs, nsToMs(toNs));
  const starts: number[] = [];
  for (let t = Math.floor((fromMs - phase) / bucketMs) * bucketMs + phase; t <= toMs && starts.length < 10_000; t += bucketMs) starts.push(t);
  return starts;
}

export function chartData(answer: Pick<UsageAnswer, 'from_ns' | 'to_ns' | 'bucket_ns'>, groups: UsageGroup[], metric: Metric): ChartData {
  const bucketMs = Math.max(1, Math.round(nsToMs(answer.bucket_ns)));
  const starts = bucketStarts(answer.from_ns, answer.to_ns, answer.bucket_ns, groups);
  const first = starts[0] ?? 0;
  const series = groups.map((group): ChartSeries => {
    const nothing = metric.read(group.totals) === null;
    const values: (number | null)[] = starts.map(() => (metric.kind === 'sum' && !nothing ? 0 : null));
    if (!nothing) {
      for (const point of group.series) {
        const index = Math.round((nsToMs(point.bucket_start_ns) - first) / bucketMs);
        if (index >= 0 && index < values.length) values[index] = metric.read(point);
      }
    }
    return nothing ? { name: group.name, values, note: metric.unit === 'usd' ? 'no price' : 'no data' } : { name: group.name, values };
  });
  return { bucketMs, starts, series };
}

// ---- totals ----

// The sum of rows, for a table's totals line. Latency percentiles do not add up, so
// a total has none; a cost is null (no price) only when no row has one.
export function sumTotals(rows: Totals[]): Sums {
  const sum = (read: (t: Totals) => number | null | undefined) => rows.reduce((acc, r) => acc + (read(r) ?? 0), 0);
  const anyCost = rows.some((r) => r.cost !== null && r.cost !== undefined);
  return {
    calls: sum((r) => r.calls),
    errors: sum((r) => r.errors),
    input_tokens: sum((r) => r.input_tokens),
    output_tokens: sum((r) => r.output_tokens),
    total_tokens: sum((r) => r.total_tokens),
    cache_read_tokens: sum((r) => r.cache_read_tokens),
    cache_write_tokens: sum((r) => r.cache_write_tokens),
    reasoning_tokens: sum((r) => r.reasoning_tokens),
    cost: anyCost ? sum((r) => r.cost) : null,
    cost_calls: sum((r) => r.cost_calls),
    priced_calls: sum((r) => r.priced_calls),
  };
}

// The names a model group folds (request and response models), when the answer gives them.
export function foldedNames(t: Totals): string[] {
  return [...new Set([...(t.request_models ?? []), ...(t.response_models ?? [])])];
}

// ---- how values read ----

function compact(value: number): string {
  const abs = Math.abs(value);
  const trim = (n: number) => String(Number(n.toFixed(1)));
  if (abs >= 1e9) return `${trim(value / 1e9)}B`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return String(Number(value.toPrecision(3)));
}

// An axis tick: short (1.5k, $0.01, 250 ms, 1.5 s).
export function formatTick(unit: Unit, value: number): string {
  if (unit === 'usd') return value >= 1 && Number.isInteger(value) ? `$${compact(value)}` : formatMoney(value);
  if (unit === 'ms') return value >= 1000 ? `${compact(value / 1000)} s` : `${compact(value)} ms`;
  return compact(value);
}

// A value read in full (the hover, the tables): 12,345 tokens, $0.0123, 1.23 s.
export function formatValue(unit: Unit, value: number | null, missing = '–'): string {
  if (value === null || !Number.isFinite(value)) return missing;
  if (unit === 'usd') return formatMoney(value);
  if (unit === 'ms') return formatDuration(Math.round(value * 1e6));
  const n = value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  if (unit === 'tokens') return `${n} tokens`;
  if (unit === 'errors') return value === 1 ? '1 error' : `${n} errors`;
  return value === 1 ? '1 call' : `${n} calls`;
}

// A whole count for the tables: 12,345.
export function formatNumber(value: number): string {
  return value.toLocaleString('en-US');
}

// Errors with their share of the calls: "3 (1.5%)"; nothing when there are none.
export function errorText(errors: number, calls: number): string {
  if (!errors) return '';
  const share = calls > 0 ? (errors / calls) * 100 : 0;
  return `${formatNumber(errors)} (${share >= 10 || Number.isInteger(share) ? share.toFixed(0) : share.toPrecision(2)}%)`;
}
