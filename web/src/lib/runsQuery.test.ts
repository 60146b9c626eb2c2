import { describe, expect, it } from 'vitest';
import type { Run } from '../api/types';
import {
  appendRuns,
  DEFAULT_RUN_TYPE,
  emptyMessage,
  fromUrlParams,
  isFiltered,
  NO_FILTER,
  parentRunPath,
  RUN_TYPES,
  RUNS_PAGE_SIZE,
  runOutcome,
  runPath,
  runPickLabel,
  toApiPath,
  toUrlParams,
  type RunsFilter,
} from './runsQuery';

const TRACE = 'ab'.repeat(16);

function run(span: string, extra: Partial<Run> = {}): Run {
  return {
    run_id: TRACE + span,
    trace_id: TRACE,
    span_id: span,
    parent_span_id: '',
    name: 'Greeter',
    service: 'svc',
    span_type: 'workflow',
    start_ns: 1,
    end_ns: 2,
    duration_ns: 1,
    status_code: 0,
    cancelled: false,
    node_count: 2,
    state_change_count: 3,
    contract_version: 2,
    store_id: 's',
    parent_store_id: '',
    ...extra,
  };
}

describe('runs filter in the URL', () => {
  it('round-trips every field', () => {
    const filter: RunsFilter = { name: 'Joke flow', service: 'svc a&b', status: 'cancelled', type: 'subflow' };
    expect(fromUrlParams(new URLSearchParams(toUrlParams(filter).toString()))).toEqual(filter);
    expect(toUrlParams(filter).toString()).toBe('name=Joke+flow&service=svc+a%26b&status=cancelled&type=subflow');
  });

  it('keeps the defaults out of the URL', () => {
    expect(toUrlParams(NO_FILTER).toString()).toBe('');
    expect(fromUrlParams(new URLSearchParams(''))).toEqual(NO_FILTER);
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, name: '  ' })).toBe(false);
    expect(isFiltered({ ...NO_FILTER, type: 'subflow' })).toBe(true);
    expect(isFiltered({ ...NO_FILTER, status: 'ok' })).toBe(true);
  });

  it('reads values the api would refuse as the default', () => {
    expect(fromUrlParams(new URLSearchParams('status=lost&type=banana&name=%20x%20'))).toEqual({ ...NO_FILTER, name: 'x' });
  });
});

describe('runs filter as api parameters', () => {
  it('asks for the name as a substring, the type always, a page and its cursor', () => {
    const path = toApiPath({ name: 'joke', service: 'svc', status: 'error', type: 'subflow' }, '12.abc');
    const params = new URL(path, 'http://x').searchParams;
    expect(path.startsWith('/api/v1/workflows?')).toBe(true);
    expect(params.get('name_contains')).toBe('joke');
    expect(params.has('name')).toBe(false);
    expect(params.get('service')).toBe('svc');
    expect(params.get('status')).toBe('error');
    expect(params.get('type')).toBe('subflow');
    expect(params.get('limit')).toBe(String(RUNS_PAGE_SIZE));
    expect(params.get('cursor')).toBe('12.abc');
  });

  it('names the default type and leaves out what is not filtered', () => {
    const params = new URL(toApiPath(NO_FILTER, null, 7), 'http://x').searchParams;
    expect([...params.keys()].sort()).toEqual(['limit', 'type']);
    expect(params.get('type')).toBe(DEFAULT_RUN_TYPE);
    expect(params.get('limit')).toBe('7');
  });
});

describe('the run types offered', () => {
  it('lists each type once, the default first', () => {
    const values = RUN_TYPES.map((t) => t.value);
    expect(new Set(values).size).toBe(values.length);
    expect(values[0]).toBe(DEFAULT_RUN_TYPE);
    expect(values).toEqual(expect.arrayContaining(['subflow', 'agent']));
  });
});

describe('an empty list says which filter hid the runs', () => {
  it('without filters, that there are no runs yet', () => {
    expect(emptyMessage(NO_FILTER)).toBe('No Junjo workflow runs yet.');
    expect(emptyMessage({ ...NO_FILTER, type: 'subflow' })).toBe('No subflows indexed yet.');
  });

  it('with filters, each of them', () => {
    expect(emptyMessage({ ...NO_FILTER, status: 'error' })).toBe('No workflows with status error.');
    expect(emptyMessage({ name: 'joke', service: 'svc', status: 'cancelled', type: 'subflow' })).toBe(
      'No subflows with status cancelled, a name containing “joke” and service “svc”.',
    );
  });
});

describe('a run in the list', () => {
  it('reads apart from its neighbours in a picker: start to the ms with the zone, duration, outcome, short id', () => {
    const start = Date.UTC(2026, 10, 29, 18, 24, 3, 120) * 1e6;
    const a = run('a1b2c3d4e5f60718', { start_ns: start, duration_ns: 1_200_000_000 });
    const b = run('5e6f708192a3b4c5', { start_ns: start, duration_ns: 1_200_000_000 });
    expect(runPickLabel(a, 'Europe/Berlin')).toBe('2026-11-29 19:24:03.120 GMT+1 · 1.20 s · ok · #a1b2c3d4');
    expect(runPickLabel(a, 'UTC')).toBe('2026-11-29 18:24:03.120 UTC · 1.20 s · ok · #a1b2c3d4');
    expect(runPickLabel(a, 'UTC')).not.toBe(runPickLabel(b, 'UTC'));
  });

  it('has an outcome: cancelled before error before ok', () => {
    expect(runOutcome(run('0000000000000001'))).toBe('ok');
    expect(runOutcome(run('0000000000000001', { status_code: 2 }))).toBe('error');
    expect(runOutcome(run('0000000000000001', { status_code: 2, cancelled: true }))).toBe('cancelled');
  });

  it('links to itself and, as a subflow, to the run it ran in', () => {
    const sub = run('00000000000000b2', { span_type: 'subflow', parent_run_span_id: '00000000000000a1' });
    expect(runPath(sub)).toBe(`/workflows/${TRACE}/00000000000000b2`);
    expect(parentRunPath(sub)).toBe(`/workflows/${TRACE}/00000000000000a1`);
    expect(parentRunPath(run('00000000000000a1'))).toBeNull();
  });

  it('opens an agent run on its own page', () => {
    expect(runPath(run('00000000000000c3', { span_type: 'agent' }))).toBe(`/agents/${TRACE}/00000000000000c3`);
  });

  it('pages append in order, a run seen twice kept where it came first', () => {
    const first = [run('0000000000000003'), run('0000000000000002')];
    const next = [run('0000000000000002'), run('0000000000000001')];
    expect(appendRuns(first, next).map((r) => r.span_id)).toEqual(['0000000000000003', '0000000000000002', '0000000000000001']);
    expect(appendRuns([], next)).toEqual(next);
  });
});
