// The runs list's filters as they live in the page URL (so a filtered list can be
// shared and survives a reload) and as /api/v1/workflows parameters, plus what the
// list says about a run and about an empty answer. Defaults stay out of the URL.

import type { operations } from '../api/openapi.gen';
import type { Run } from '../api/types';
import { formatDuration, shortId } from './format';
import { activeZone, formatInstant } from './timeZone';

type ApiFilters = NonNullable<operations['listWorkflows']['parameters']['query']>;
export type RunStatus = NonNullable<ApiFilters['status']>;
export type RunType = NonNullable<ApiFilters['type']>;

// Fails to compile when `Missing` is not empty: a value the api accepts that a
// list below lacks (the api's values come from openapi.json).
type NoneMissing<Missing extends never> = Missing;

type RunIds = Pick<Run, 'trace_id' | 'span_id'>;
const workflowPage = (run: RunIds) => `/workflows/${run.trace_id}/${run.span_id}`;
// An agent run's page: its operation timeline (pages/AgentRun.tsx).
const agentPage = (run: RunIds) => `/agents/${run.trace_id}/${run.span_id}`;

// The run types the list offers, in menu order, each with its page. The one place
// to add a type: once openapi.json accepts a new `type`, the build fails until it is listed here.
export const RUN_TYPES = [
  { value: 'workflow', label: 'workflows', page: workflowPage },
  { value: 'subflow', label: 'subflows', page: workflowPage },
  { value: 'agent', label: 'agents', page: agentPage },
] as const satisfies readonly { value: RunType; label: string; page: (run: RunIds) => string }[];
export type EveryRunTypeListed = NoneMissing<Exclude<RunType, (typeof RUN_TYPES)[number]['value']>>;

export const RUN_STATUSES = ['ok', 'error', 'cancelled'] as const satisfies readonly RunStatus[];
export type EveryRunStatusListed = NoneMissing<Exclude<RunStatus, (typeof RUN_STATUSES)[number]>>;

// The api's default type (openapi.json: type defaults to workflow).
export const DEFAULT_RUN_TYPE: RunType = 'workflow';
// Runs per page; "Load more" asks for the next page with the api's cursor, without a cap.
export const RUNS_PAGE_SIZE = 50;

export interface RunsFilter {
  name: string; // contained in the run's name, ASCII case-insensitive (the api's name_contains)
  service: string; // exact
  status: RunStatus | ''; // '' for any
  type: RunType;
}

export const NO_FILTER: RunsFilter = { name: '', service: '', status: '', type: DEFAULT_RUN_TYPE };

function isStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}

function isType(value: string): value is RunType {
  return RUN_TYPES.some((t) => t.value === value);
}

// The filter's parameters, defaults left out; `nameParam` is the name filter's parameter name.
function entries(filter: RunsFilter, nameParam: string): [string, string][] {
  const out: [string, string][] = [];
  const name = filter.name.trim();
  if (name) out.push([nameParam, name]);
  if (filter.service) out.push(['service', filter.service]);
  if (filter.status) out.push(['status', filter.status]);
  if (filter.type !== DEFAULT_RUN_TYPE) out.push(['type', filter.type]);
  return out;
}

export function toUrlParams(filter: RunsFilter): URLSearchParams {
  return new URLSearchParams(entries(filter, 'name'));
}

// Values the api would refuse (a status or type it does not know) read as the default.
export function fromUrlParams(params: URLSearchParams): RunsFilter {
  const status = params.get('status') ?? '';
  const type = params.get('type') ?? '';
  return {
    name: params.get('name')?.trim() ?? '',
    service: params.get('service') ?? '',
    status: isStatus(status) ? status : '',
    type: isType(type) ? type : DEFAULT_RUN_TYPE,
  };
}

// The api path of one page: the first without a cursor, the next with the
// previous page's next_cursor. Newest first is the api's order.
export function toApiPath(filter: RunsFilter, cursor?: string | null, limit = RUNS_PAGE_SIZE): string {
  const params = new URLSearchParams(entries(filter, 'name_contains'));
  if (filter.type === DEFAULT_RUN_TYPE) params.set('type', filter.type);
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return `/api/v1/workflows?${params.toString()}`;
}

// Whether anything narrows the list beyond the default (all workflow runs).
export function isFiltered(filter: RunsFilter): boolean {
  return entries(filter, 'name').length > 0;
}

function typeLabel(type: RunType): string {
  return RUN_TYPES.find((t) => t.value === type)?.label ?? `${type}s`;
}

function joinWords(parts: string[]): string {
  return parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

// What an empty list says: which filters hid the runs, so the reader knows what to remove.
export function emptyMessage(filter: RunsFilter): string {
  const conditions: string[] = [];
  if (filter.status) conditions.push(`status ${filter.status}`);
  const name = filter.name.trim();
  if (name) conditions.push(`a name containing “${name}”`);
  if (filter.service) conditions.push(`service “${filter.service}”`);
  if (conditions.length === 0) {
    return filter.type === DEFAULT_RUN_TYPE ? 'No Junjo workflow runs yet.' : `No ${typeLabel(filter.type)} indexed yet.`;
  }
  return `No ${typeLabel(filter.type)} with ${joinWords(conditions)}.`;
}

export function runOutcome(run: Run): RunStatus {
  if (run.cancelled) return 'cancelled';
  return run.status_code === 2 ? 'error' : 'ok';
}

// A run as a picker entry: start (to the millisecond, zone named), duration,
// outcome and a short id, so runs of one workflow started in the same second with
// the same duration and outcome still read differently.
export function runPickLabel(run: Run, zone: string = activeZone()): string {
  const start = run.start_ns ? formatInstant(run.start_ns / 1_000_000, zone, { milliseconds: true }) : '-';
  return `${start} · ${formatDuration(run.duration_ns)} · ${runOutcome(run)} · #${shortId(run.span_id)}`;
}

// A run's page, by its type (a workflow run's when the type is not known).
export function runPath(run: RunIds & Pick<Run, 'span_type'>): string {
  return (RUN_TYPES.find((t) => t.value === run.span_type)?.page ?? workflowPage)(run);
}

// The page of the run a subflow ran in (the workflow or subflow that owns its parent store), when the api found it.
export function parentRunPath(run: Pick<Run, 'trace_id' | 'parent_run_span_id'>): string | null {
  return run.parent_run_span_id ? workflowPage({ trace_id: run.trace_id, span_id: run.parent_run_span_id }) : null;
}

// The list after one more page: pages follow each other by cursor, so they do
// not overlap; a run seen twice (indexed while paging) is kept once, where it came first.
export function appendRuns(current: Run[], page: Run[]): Run[] {
  const seen = new Set(current.map(runKey));
  return [...current, ...page.filter((run) => !seen.has(runKey(run)))];
}

function runKey(run: Run): string {
  return run.run_id ?? run.trace_id + run.span_id;
}
