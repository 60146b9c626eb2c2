// What a span says about what it lost and where it came from, read from the
// api's span: dropped counts (the SDK's, plus what the indexer left out to fit
// the span limits) and the schema URLs. Spans indexed before these were kept
// lack some of them; absent reads as 0 or empty.
import type { Span, SpanScope } from '../api/types';

// "2 attributes, 1 event dropped", or '' when nothing was.
export function droppedText(counts: { attributes?: number; events?: number; links?: number }): string {
  const parts: string[] = [];
  const add = (count: number | undefined, one: string, many: string) => {
    if (count && count > 0) parts.push(`${count} ${count === 1 ? one : many}`);
  };
  add(counts.attributes, 'attribute', 'attributes');
  add(counts.events, 'event', 'events');
  add(counts.links, 'link', 'links');
  return parts.length === 0 ? '' : `${parts.join(', ')} dropped`;
}

export function spanDropped(span: Span): string {
  return droppedText({
    attributes: span.dropped_attributes_count,
    events: span.dropped_events_count,
    links: span.dropped_links_count,
  });
}

export interface Origin {
  name: string;
  version: string;
  schemaUrl: string;
  dropped: string; // droppedText of its attributes
}

// The instrumentation scope and the resource of a span, each with its schema URL and dropped attributes.
export function spanOrigins(scope: SpanScope | null | undefined): { scope: Origin; resource: Omit<Origin, 'name' | 'version'> } {
  return {
    scope: {
      name: scope?.name ?? '',
      version: scope?.version ?? '',
      schemaUrl: scope?.schema_url ?? '',
      dropped: droppedText({ attributes: scope?.dropped_attributes_count }),
    },
    resource: {
      schemaUrl: scope?.resource_schema_url ?? '',
      dropped: droppedText({ attributes: scope?.resource_dropped_attributes_count }),
    },
  };
}
