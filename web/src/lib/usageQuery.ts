// The LLM usage page's view as it lives in the page URL (so a view can be shared
// and survives a reload: the time range, service and model filters, the charted
// metric and the scale) and as the /api/v1/llm/usage parameters. Defaults stay
// out of the URL.

import type { ScaleKind } from './chartScales';
import { activeZone, parseZoneInput, zoneInputValue } from './timeZone';
import { DEFAULT_METRIC, metricById } from './usageSeries';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// The ranges offered, each sent as the api's lookback (a window reaching back from now).
export const RANGES = [
  { id: '1h', label: 'last 1 h', ms: HOUR },
  { id: '24h', label: 'last 24 h', ms: DAY },
  { id: '7d', label: 'last 7 d', ms: 7 * DAY },
] as const;
export type RangeId = (typeof RANGES)[number]['id'] | 'custom';
export const DEFAULT_RANGE: RangeId = '24h';

export interface UsageView {
  range: RangeId;
  startMs: number | null; // custom range only
  endMs: number | null; // custom range only; null: now
  service: string; // exact; '' for every service
  model: string; // a model group or an exact model; '' for every model
  metric: string; // a metric id (usageSeries.ts)
  scale: ScaleKind;
}

export const DEFAULT_VIEW: UsageView = {
  range: DEFAULT_RANGE,
  startMs: null,
  endMs: null,
  service: '',
  model: '',
  metric: DEFAULT_METRIC,
  scale: 'linear',
};

// Unix milliseconds or an ISO time with a zone, as the URL may hold either; null when neither.
export function parseInstant(text: string | null): number | null {
  if (!text) return null;
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

// An instant for the URL: UTC, without milliseconds when there are none.
export function instantText(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

// Values the page cannot use (an unknown range or metric, a custom range without a
// start, an end before the start) read as the defaults.
export function fromUrlParams(params: URLSearchParams): UsageView {
  const rangeText = params.get('range') ?? '';
  const metric = params.get('metric') ?? '';
  const startMs = parseInstant(params.get('start'));
  let endMs = parseInstant(params.get('end'));
  const custom = rangeText === 'custom' && startMs !== null;
  if (endMs !== null && startMs !== null && endMs < startMs) endMs = null;
  const preset = RANGES.find((r) => r.id === rangeText)?.id;
  return {
    range: custom ? 'custom' : (preset ?? DEFAULT_RANGE),
    startMs: custom ? startMs : null,
    endMs: custom ? endMs : null,
    service: params.get('service') ?? '',
    model: params.get('model') ?? '',
    metric: metricById(metric) ? metric : DEFAULT_METRIC,
    scale: params.get('scale') === 'log' ? 'log' : 'linear',
  };
}

export function toUrlParams(view: UsageView): URLSearchParams {
  const params = new URLSearchParams();
  if (view.range === 'custom' && view.startMs !== null) {
    params.set('range', 'custom');
    params.set('start', instantText(view.startMs));
    if (view.endMs !== null) params.set('end', instantText(view.endMs));
  } else if (view.range !== DEFAULT_RANGE && view.range !== 'custom') {
    params.set('range', view.range);
  }
  if (view.service) params.set('service', view.service);
  if (view.model) params.set('model', view.model);
  if (view.metric !== DEFAULT_METRIC) params.set('metric', view.metric);
  if (view.scale !== 'linear') params.set('scale', view.scale);
  return params;
}

// The window's length, for the bucket size.
export function windowMs(view: UsageView, nowMs: number): number {
  if (view.range === 'custom' && view.startMs !== null) return Math.max(0, (view.endMs ?? nowMs) - view.startMs);
  return (RANGES.find((r) => r.id === view.range) ?? RANGES[1]).ms;
}

// Round bucket sizes, smallest first; the api takes at least 1 s.
const BUCKETS = [1000, 5000, 10_000, 30_000, MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY];
// At most this many buckets: enough points for a shape, few enough to hover one at a time on a phone.
export const MAX_BUCKETS = 90;

// The smallest round bucket giving at most MAX_BUCKETS over the window:
// 1 h -> 1 min, 24 h -> 30 min, 7 d -> 3 h.
export function bucketFor(window: number): number {
  return BUCKETS.find((b) => window / b <= MAX_BUCKETS) ?? Math.ceil(window / MAX_BUCKETS / DAY) * DAY;
}

// A bucket in the api's syntax: 30m, 3h, 1d, 10s.
export function bucketParam(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function toApiPath(view: UsageView, nowMs: number): string {
  const params = new URLSearchParams();
  if (view.range === 'custom' && view.startMs !== null) {
    params.set('start', String(view.startMs));
    if (view.endMs !== null) params.set('end', String(view.endMs));
  } else {
    params.set('lookback', view.range === 'custom' ? DEFAULT_RANGE : view.range);
  }
  params.set('bucket', bucketParam(bucketFor(windowMs(view, nowMs))));
  if (view.service) params.set('service', view.service);
  if (view.model) params.set('model', view.model);
  return `/api/v1/llm/usage?${params.toString()}`;
}

// <input type="datetime-local"> speaks a wall clock without a zone ("2026-11-29T14:30"):
// the chosen zone's (lib/timeZone), as every other time on the page.
export function localInputValue(ms: number, zone: string = activeZone()): string {
  return zoneInputValue(ms, zone).slice(0, 16);
}

export function parseLocalInput(text: string, zone: string = activeZone()): number | null {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(text)) return null;
  return parseZoneInput(text, zone);
}

// What the range is, in words, for headings and the empty state.
export function rangeText(view: UsageView): string {
  if (view.range !== 'custom') return `the ${RANGES.find((r) => r.id === view.range)?.label ?? ''}`;
  return 'the chosen range';
}

// What an empty answer says: which filters narrowed it, so the reader knows what to remove.
export function emptyMessage(view: UsageView): string {
  const what = [view.model && `of model “${view.model}”`, view.service && `from service “${view.service}”`].filter(Boolean).join(' ');
  return `No LLM calls${what ? ` ${what}` : ''} in ${rangeText(view)}.`;
}
