// Junjo runs in the span shape of Junjo's contract fixtures (`attributes_json`,
// `events_json`, ISO times), read as the api's spans, for the tests: the
// project's own runs (junjo-run-shapes.json, always here) and Junjo's fixtures in
// ../shared (skipped, saying why, on a clone without it).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Span } from '../../api/types';

export const sharedFixtures = resolve(__dirname, '../../../../../shared/fixtures/junjo');
export const sharedMissing = existsSync(sharedFixtures)
  ? ''
  : 'needs ../shared/fixtures/junjo: this clone has no ../shared (see README Tests); junjo-run-shapes.json covers the same ground';

type Json = Record<string, unknown>;

const nanos = (iso: unknown): number => (typeof iso === 'string' ? Date.parse(iso) * 1_000_000 : 0);

// A graph snapshot or state written as a JSON object travels as its JSON string, as the SDK sends it.
function attributes(raw: unknown): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries((raw ?? {}) as Json).map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : v]),
  );
}

export function toSpans(file: { trace_id?: string; spans: Json[] }): Span[] {
  return file.spans.map((s) => {
    const start = nanos(s.start_time);
    const end = nanos(s.end_time);
    return {
      trace_id: String(s.trace_id ?? file.trace_id ?? ''),
      span_id: String(s.span_id),
      parent_span_id: String(s.parent_span_id ?? ''),
      name: String(s.name),
      start_ns: start,
      end_ns: end,
      duration_ns: end - start,
      status: { code: Number(s.status_code ?? 0), message: String(s.status_message ?? '') },
      attributes: attributes(s.attributes_json),
      events: ((s.events_json ?? []) as Json[]).map((e) => ({
        name: String(e.name),
        time_unix_nano: Number(e.timeUnixNano ?? 0),
        attributes: (e.attributes ?? {}) as Json,
      })),
    } as unknown as Span;
  });
}

const shapes = JSON.parse(readFileSync(resolve(__dirname, 'junjo-run-shapes.json'), 'utf8')) as { runs: Record<string, { trace_id: string; spans: Json[] }> };

export function projectRun(name: 'subflow_in_concurrent' | 'failing_node' | 'cancelled'): Span[] {
  return toSpans(shapes.runs[name]);
}

export function sharedRun(name: string): Span[] {
  return toSpans(JSON.parse(readFileSync(`${sharedFixtures}/${name}.json`, 'utf8')));
}

export const snapshotOf = (spans: Span[]) => spans[0].attributes?.['junjo.workflow.execution_graph_snapshot'];
