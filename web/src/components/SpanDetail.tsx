// Everything about one span: timing, status, attributes, events, links,
// resource, with copy buttons; LLM spans also read as a conversation.
import type { Span } from '../api/types';
import { formatDuration, formatTime } from '../lib/format';
import { llmCall } from '../lib/llm';

function copy(text: string) {
  void navigator.clipboard?.writeText(text);
}

function Value({ value }: { value: unknown }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return <pre className="value">{text}</pre>;
}

function KeyValues({ title, values }: { title: string; values: Record<string, unknown> | undefined }) {
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

export function SpanDetail({ span, traceStartNs }: { span: Span; traceStartNs: number }) {
  const llm = llmCall(span);
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
      {String(span.status?.code) !== '0' && span.status?.code !== undefined && (
        <p className={span.status.code === 2 || span.status.code === 'STATUS_CODE_ERROR' ? 'error-text' : ''}>
          status {String(span.status.code)} {span.status.message}
        </p>
      )}
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
      {span.events?.length > 0 && (
        <details open>
          <summary>Events ({span.events.length})</summary>
          {span.events.map((event, i) => (
            <div key={i} className="event">
              <strong>{event.name}</strong> <span className="muted">+{formatDuration(event.time_unix_nano - span.start_ns)}</span>
              <KeyValues title="attributes" values={event.attributes} />
            </div>
          ))}
        </details>
      )}
      {span.links?.length > 0 && (
        <details>
          <summary>Links ({span.links.length})</summary>
          {span.links.map((link, i) => (
            <p key={i} className="mono">
              <a href={`/traces/${link.trace_id}?span=${link.span_id}`}>
                {link.trace_id} / {link.span_id}
              </a>
            </p>
          ))}
        </details>
      )}
      <KeyValues title="Resource" values={span.resource} />
    </aside>
  );
}
