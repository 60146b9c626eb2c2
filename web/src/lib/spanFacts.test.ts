import { describe, expect, it } from 'vitest';
import type { Span } from '../api/types';
import { droppedText, spanDropped, spanOrigins } from './spanFacts';

function span(overrides: Partial<Span>): Span {
  return {
    trace_id: 't', span_id: 's', parent_span_id: '', service: 'svc', name: 'op', kind: 1, start_ns: 0, end_ns: 1,
    duration_ns: 1, status: { code: 0, message: '' }, trace_state: '', flags: 0, attributes: {}, events: [], links: [],
    resource: {}, scope: null, dropped_attributes_count: 0, dropped_events_count: 0, dropped_links_count: 0,
    ...overrides,
  };
}

describe('span facts', () => {
  it('says what was dropped, in the singular and the plural, and nothing when nothing was', () => {
    expect(droppedText({})).toBe('');
    expect(droppedText({ attributes: 0, events: 0, links: 0 })).toBe('');
    expect(droppedText({ attributes: 1 })).toBe('1 attribute dropped');
    expect(spanDropped(span({ dropped_attributes_count: 2, dropped_events_count: 1, dropped_links_count: 3 }))).toBe(
      '2 attributes, 1 event, 3 links dropped',
    );
    expect(spanDropped(span({ dropped_links_count: 1 }))).toBe('1 link dropped');
  });

  it('reads the scope and the resource with their schema URLs and dropped counts', () => {
    const origins = spanOrigins({
      name: 'lib', version: '2.0.0', attributes: {}, schema_url: 'https://opentelemetry.io/schemas/1.24.0',
      dropped_attributes_count: 5, resource_schema_url: 'https://opentelemetry.io/schemas/1.26.0',
      resource_dropped_attributes_count: 1,
    });
    expect(origins.scope).toEqual({
      name: 'lib', version: '2.0.0', schemaUrl: 'https://opentelemetry.io/schemas/1.24.0', dropped: '5 attributes dropped',
    });
    expect(origins.resource).toEqual({ schemaUrl: 'https://opentelemetry.io/schemas/1.26.0', dropped: '1 attribute dropped' });
  });

  it('reads a span indexed before these were kept: absent is empty and 0', () => {
    const origins = spanOrigins({ name: 'lib', version: '', attributes: {} });
    expect(origins.scope).toEqual({ name: 'lib', version: '', schemaUrl: '', dropped: '' });
    expect(origins.resource).toEqual({ schemaUrl: '', dropped: '' });
    expect(spanOrigins(null).scope.name).toBe('');
  });
});
