// Everything about one span: timing, status, attributes, events, links,
// instrumentation scope, resource, what was dropped of each, with copy
// buttons; LLM spans also read as a conversation (their raw attributes then
// start folded, one click away).
import { Fragment, useRef, useState } from 'react';
import type { Attributes, Span } from '../api/types';
import { llmRecord } from '../lib/conversation';
import { formatDuration, formatTime } from '../lib/format';
import { exactSpanTimes } from '../lib/exactNanos';
import { droppedText, spanDropped, spanOrigins } from '../lib/spanFacts';
import { formatNanosInstant } from '../lib/timeZone';
import { keyParts, spanKindName, statusName } from '../lib/waterfall';
import { Conversation } from './Conversation';
import { CopyButton } from './CopyButton';
import { OpenInPlayground } from './playground/OpenInPlayground';
import { SpanLogs } from './SpanLogs';

// A key that may wrap after its dots and underscores (gen_ai.usage.input_tokens),
// never in the middle of a word while a separator is left to wrap at.
function WrappedKey({ name }: { name: string }) {
  return (
    <>
      {keyParts(name).map((part, i) => (
        <Fragment key={i}>
          {part}
          <wbr />
        </Fragment>
      ))}
    </>
  );
}

function Value({ value }: { value: unknown }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return <pre className="value">{text}</pre>;
}

// Open unless `open` says otherwise; with onToggle the caller holds the state.
function KeyValues({
  title,
  values,
  open = true,
  onToggle,
}: {
  title: string;
  values: Attributes | null | undefined;
  open?: boolean;
  onToggle?: (open: boolean) => void;
}) {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return null;
  return (
    <details open={open} onToggle={onToggle && ((e) => onToggle(e.currentTarget.open))}>
      <summary>
        {title} ({entries.length}){' '}
        <CopyButton text={() => JSON.stringify(values, null, 2)} />
      </summary>
      <table className="kv">
        <tbody>
          {entries.map(([key, value]) => (
            <tr key={key}>
              <th>
                <WrappedKey name={key} />
              </th>
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

// Whether a span's raw attributes are unfolded: an LLM span's start folded under
// its conversation; what the reader chose holds for that span only.
function useRawAttributes(span: Span, folded: boolean) {
  const [choice, setChoice] = useState<{ spanId: string; open: boolean } | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const open = choice?.spanId === span.span_id ? choice.open : !folded;
  const setOpen = (next: boolean) => setChoice({ spanId: span.span_id, open: next });
  const show = () => {
    setOpen(true);
    requestAnimationFrame(() => ref.current?.scrollIntoView({ block: 'start', behavior: 'smooth' }));
  };
  return { open, setOpen, show, ref };
}

// selfNs: the span's own time, less its children's (the trace page knows the children).
// onClose: a close button (the trace page's detail is a bottom sheet on a phone).
// `answer` is the api answer the span came in: its start is then shown to the
// exact nanosecond (lib/exactNanos), not as the parsed double.
export function SpanDetail({
  span,
  answer,
  traceStartNs,
  selfNs,
  onClose,
}: {
  span: Span;
  answer?: unknown;
  traceStartNs: number;
  selfNs?: number;
  onClose?: () => void;
}) {
  const exact = exactSpanTimes(answer, span.span_id);
  const llm = llmRecord(span);
  const raw = useRawAttributes(span, llm !== null);
  const events = span.events ?? [];
  const links = span.links ?? [];
  const origins = spanOrigins(span.scope);
  const spanIdRef = useRef<HTMLSpanElement>(null);
  const traceIdRef = useRef<HTMLSpanElement>(null);
  return (
    <aside className="span-detail" aria-label="Span detail" data-testid="span-detail">
      <div className="span-detail-head">
        <h2>{span.name}</h2>
        {onClose && (
          <button type="button" className="span-detail-close" onClick={onClose} aria-label="Close span detail" title="Close (Esc)">
            ✕
          </button>
        )}
      </div>
      <p className="muted">
        {span.service} · {formatDuration(span.duration_ns)}
        {selfNs !== undefined && <span data-testid="span-self-time"> ({formatDuration(selfNs)} self)</span>} · starts {formatDuration(span.start_ns - traceStartNs)} into the trace ·{' '}
        <span data-testid="span-start">{exact ? formatNanosInstant(exact.start) : formatTime(span.start_ns)}</span>
      </p>
      <p className="mono">
        span <span ref={spanIdRef}>{span.span_id}</span> <CopyButton text={span.span_id} shown={spanIdRef} testId="copy-span-id" /> trace{' '}
        <span ref={traceIdRef}>{span.trace_id}</span> <CopyButton text={span.trace_id} shown={traceIdRef} testId="copy-trace-id" />
      </p>
      <p className="span-kind-status">
        <span className="badge" data-testid="span-kind" title="span kind">
          {spanKindName(span.kind)}
        </span>{' '}
        <span className={`badge${span.status?.code === 2 ? ' error' : span.status?.code === 1 ? ' ok' : ''}`} data-testid="span-status" title="status">
          {statusName(span.status?.code)}
        </span>{' '}
        {span.status?.message && <span className={span.status.code === 2 ? 'error-text' : ''}>{span.status.message}</span>}
      </p>
      <Note text={spanDropped(span)} testId="span-dropped" />
      <OpenInPlayground span={span} />
      {llm && <Conversation key={`conversation-${span.span_id}`} record={llm} durationNs={span.duration_ns} onShowRaw={raw.show} />}
      <div ref={raw.ref} data-testid="span-attributes">
        <KeyValues title="Attributes" values={span.attributes} open={raw.open} onToggle={raw.setOpen} />
      </div>
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
      <SpanLogs key={`logs-${span.span_id}`} traceId={span.trace_id} spanId={span.span_id} />
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
