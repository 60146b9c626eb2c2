// Everything about one span: timing, status, attributes, events, links,
// instrumentation scope, resource, what was dropped of each, with copy
// buttons; LLM spans also read as a conversation.
import type { Attributes, Span } from '../api/types';
import { formatDuration, formatTime } from '../lib/format';
import { llmCall } from '../lib/llm';
import { droppedText, spanDropped, spanOrigins } from '../lib/spanFacts';

function copy(text: string) {
  void navigator.clipboard?.writeText(text);
}

function Value({ value }: { value: unknown }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return <pre className="value">{text}</pre>;
}

function KeyValues({ title, values }: { title: string; values: Attributes | null | undefined }) {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return null;
  return (
    <details open>
      <summary>
        {title} ({entries.length}){' '}
        <button type="button" className="link" onClick={() => copy(JSON.stringify(values, null, 2))}>
          copy
        </button>
      </summary>
      <table className="kv">
        <tbody>
          {entries.map(([key, value]) => (
            <tr key={key}>
              <th>{key}</th>
              <td>
                <Value value={value} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

// A fact line shown only when it says something.
function Note({ text, testId }: { text: string; testId: string }) {
  return text ? (
    <p className="muted" data-testid={testId}>
      {text}
    </p>
  ) : null;
}

export function SpanDetail({ span, traceStartNs }: { span: Span; traceStartNs: number }) {
  const llm = llmCall(span);
  const events = span.events ?? [];
  const links = span.links ?? [];
  const origins = spanOrigins(span.scope);
  return (
    <aside className="span-detail" aria-label="Span detail" data-testid="span-detail">
      <h2>{span.name}</h2>
      <p className="muted">
        {span.service} · {formatDuration(span.duration_ns)} · starts {formatDuration(span.start_ns - traceStartNs)} into the trace ·{' '}
        {formatTime(span.start_ns)}
      </p>
      <p className="mono">
        span {span.span_id}{' '}
        <button type="button" className="link" onClick={() => copy(span.span_id)}>
          copy
        </button>{' '}
        trace {span.trace_id}{' '}
        <button type="button" className="link" onClick={() => copy(span.trace_id)}>
          copy
        </button>
      </p>
      {span.status?.code !== undefined && span.status.code !== 0 && (
        <p className={span.status.code === 2 ? 'error-text' : ''}>
          status {String(span.status.code)} {span.status.message}
        </p>
      )}
      <Note text={spanDropped(span)} testId="span-dropped" />
      {llm && (
        <section className="llm" aria-label="LLM call">
          <h3>
            LLM call: {llm.model || 'model unknown'} {llm.provider && `(${llm.provider})`}
          </h3>
          <p className="muted">
            {llm.inputTokens ?? '?'} input tokens · {llm.outputTokens ?? '?'} output tokens · {formatDuration(span.duration_ns)}
          </p>
          {[...llm.messages, ...llm.response].map((m, i) => (
            <div key={i} className={`bubble ${m.role === 'assistant' ? 'assistant' : m.role === 'system' ? 'system' : 'user'}`}>
              <span className="role">{m.role}</span>
              <Value value={m.content} />
            </div>
          ))}
        </section>
      )}
      <KeyValues title="Attributes" values={span.attributes} />
      {events.length > 0 && (
        <details open>
          <summary>Events ({events.length})</summary>
          {events.map((event, i) => (
            <div key={i} className="event">
              <strong>{event.name}</strong> <span className="muted">+{formatDuration(event.time_unix_nano - span.start_ns)}</span>
              <Note text={droppedText({ attributes: event.dropped_attributes_count })} testId="event-dropped" />
              <KeyValues title="attributes" values={event.attributes} />
            </div>
          ))}
        </details>
      )}
      {links.length > 0 && (
        <details>
          <summary>Links ({links.length})</summary>
          {links.map((link, i) => (
            <div key={i} className="link-item">
              <p className="mono">
                <a href={`/traces/${link.trace_id}?span=${link.span_id}`}>
                  {link.trace_id} / {link.span_id}
                </a>
              </p>
              <Note text={droppedText({ attributes: link.dropped_attributes_count })} testId="link-dropped" />
              <KeyValues title="attributes" values={link.attributes} />
            </div>
          ))}
        </details>
      )}
      {span.scope && (
        <section aria-label="Instrumentation scope" data-testid="span-scope">
          <h3>
            Scope {origins.scope.name || '(unnamed)'} {origins.scope.version}
          </h3>
          <Note text={origins.scope.schemaUrl && `schema ${origins.scope.schemaUrl}`} testId="scope-schema-url" />
          <Note text={origins.scope.dropped} testId="scope-dropped" />
          <KeyValues title="Scope attributes" values={span.scope.attributes} />
        </section>
      )}
      <Note text={origins.resource.schemaUrl && `resource schema ${origins.resource.schemaUrl}`} testId="resource-schema-url" />
      <Note text={origins.resource.dropped && `resource: ${origins.resource.dropped}`} testId="resource-dropped" />
      <KeyValues title="Resource" values={span.resource} />
    </aside>
  );
}
