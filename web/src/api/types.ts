// The api's JSON, as described in stages/api/openapi.json.

export interface Completeness {
  partial: boolean;
  missing_partitions: number[];
}

// admin: users, roles and every key; member: their own keys; viewer: reads only.
export type Role = 'admin' | 'member' | 'viewer';

export interface User {
  id: number;
  email: string;
  created_at_ms: number;
  role: Role;
}

export interface Service {
  service: string;
  span_count: number;
  trace_count: number;
  last_seen_ns: number;
}

export interface TraceSummary {
  trace_id: string;
  root_span_id: string;
  root_name: string;
  root_service: string;
  services: string[];
  start_ns: number;
  end_ns: number;
  duration_ns: number;
  span_count: number;
  error_count: number;
  indexed_ns?: number;
}

export interface SpanEvent {
  name: string;
  time_unix_nano: number;
  attributes: Record<string, unknown>;
}

export interface SpanLink {
  trace_id: string;
  span_id: string;
  attributes: Record<string, unknown>;
}

export interface Span {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  service: string;
  name: string;
  kind: number | string;
  start_ns: number;
  end_ns: number;
  duration_ns: number;
  status: { code: number | string; message: string };
  attributes: Record<string, unknown>;
  events: SpanEvent[];
  links: SpanLink[];
  resource: Record<string, unknown>;
  scope?: { name?: string; version?: string };
  junjo_span_type?: string;
}

export interface Run {
  run_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  service: string;
  span_type: string;
  start_ns: number;
  end_ns: number;
  duration_ns: number;
  status_code: number;
  cancelled: boolean;
  node_count: number;
  state_change_count: number;
  store_id: string;
}

export interface RunDetail extends Run {
  state_start: unknown;
  state_end: unknown;
  graph: unknown;
  graph_format: string;
}

export interface StateStep {
  span_id: string;
  event_index: number;
  store_id: string;
  store_name: string;
  action: string;
  patch: unknown;
  transition_sequence: number;
  time_ns: number;
  state_after: unknown;
  patch_error?: string;
}

export interface ApiKey {
  id: string;
  name: string;
  created_at_ms: number;
  last_used_at_ms: number | null;
  owner: { id: number; email: string } | null;
  key?: string;
}

export interface Instance {
  stage: string;
  instance: string;
  pid: number;
  alive: boolean;
  last_seen_unix_ms: number;
  silent_ms: number;
  info: Record<string, string>;
  counters: Record<string, number>;
  gauges: Record<string, number>;
  rates_per_second: Record<string, number>;
  history?: { unix_ms: number[]; counters: Record<string, (number | null)[]>; gauges: Record<string, (number | null)[]> };
}
