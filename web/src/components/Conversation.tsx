// An LLM span read as what it was: the facts (model, provider, tokens, cost,
// finish reasons, request parameters), the system instructions apart, the
// messages as chat bubbles with tool calls and results as cards, and the tools
// the model was offered. It renders the span's normalised `llm` record only;
// the raw attributes stay one click away (onShowRaw opens SpanDetail's table).
import { useMemo } from 'react';
import { formatDuration } from '../lib/format';
import {
  conversationView,
  costSource,
  finishReasons,
  formatCost,
  isLong,
  kindTitle,
  modelText,
  requestFacts,
  tokenFacts,
  type ConversationView,
  type LlmRecord,
  type MessageView,
} from '../lib/conversation';
import { costOrigin } from '../lib/prices';
import { CodeBlock, FoldedText, Part } from './ConversationParts';

function Facts({ record, durationNs, onShowRaw }: { record: LlmRecord; durationNs: number; onShowRaw: () => void }) {
  return (
    <div className="conv-facts-row">
      <p className="conv-facts" data-testid="llm-facts">
        <strong>{modelText(record)}</strong>
        {record.provider && <span> · {record.provider}</span>}
        {tokenFacts(record).map((fact) => (
          <span key={fact}> · {fact}</span>
        ))}
        <span> · </span>
        <span data-testid="llm-cost" className={record.cost ? '' : 'muted'} title={costSource(record.cost)}>
          {formatCost(record.cost)}
        </span>
        {record.cost && <span className="muted" data-testid="llm-cost-origin"> ({costOrigin(record.cost)})</span>}
        <span> · {formatDuration(durationNs)}</span>
      </p>
      <button type="button" className="link" data-testid="raw-attributes" onClick={onShowRaw}>
        raw attributes
      </button>
    </div>
  );
}

function RequestAndFinish({ record }: { record: LlmRecord }) {
  const reasons = finishReasons(record);
  const request = requestFacts(record.request);
  return (
    <>
      {reasons.length > 0 && (
        <p className="conv-finish" data-testid="llm-finish">
          finished: {reasons.map((reason) => <span key={reason} className="conv-chip">{reason}</span>)}
        </p>
      )}
      {request.length > 0 && (
        <p className="conv-request" data-testid="llm-request">
          request:{' '}
          {request.map(([name, value]) => (
            <span key={name} className="conv-chip">
              {name} <span className="mono">{value}</span>
            </span>
          ))}
        </p>
      )}
    </>
  );
}

function SystemInstructions({ view }: { view: ConversationView }) {
  if (view.system === '' && view.systemOther.length === 0) return null;
  return (
    <details className="conv-system" data-testid="system-instructions" open={!isLong(view.system)}>
      <summary>system instructions</summary>
      {view.system && <FoldedText text={view.system} />}
      {view.systemOther.map((part, i) => (
        <Part key={i} part={part} />
      ))}
    </details>
  );
}

function ToolDefinitions({ tools }: { tools: ConversationView['tools'] }) {
  if (tools.length === 0) return null;
  return (
    <details className="conv-tools" data-testid="tool-definitions">
      <summary>tools offered ({tools.length}): {tools.map((tool) => tool.name).join(', ')}</summary>
      <ul>
        {tools.map((tool, i) => (
          <li key={i} data-testid="tool-definition" data-tool={tool.name}>
            <strong className="mono">{tool.name}</strong>
            {tool.description && <span className="muted"> {tool.description}</span>}
            {tool.parameters && (
              <details>
                <summary>parameters</summary>
                <CodeBlock text={tool.parameters} />
              </details>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}

function Message({ message }: { message: MessageView }) {
  return (
    <div className={`conv-bubble ${message.roleClass}`} data-testid="message" data-role={message.role}>
      <div className="conv-role">
        {message.role}
        {message.name && <span className="mono"> {message.name}</span>}
        {message.finishReason && <span className="muted"> · {message.finishReason}</span>}
      </div>
      {message.parts.length === 0 && <span className="muted">(no content)</span>}
      {message.parts.map((part, i) => (
        <Part key={i} part={part} />
      ))}
    </div>
  );
}

export function Conversation({ record, durationNs, onShowRaw }: { record: LlmRecord; durationNs: number; onShowRaw: () => void }) {
  const view = useMemo(() => conversationView(record), [record]);
  return (
    <section className="conversation" aria-label={kindTitle(record.kind)} data-testid="conversation">
      <h3>{kindTitle(record.kind)}</h3>
      <Facts record={record} durationNs={durationNs} onShowRaw={onShowRaw} />
      <RequestAndFinish record={record} />
      {!view.empty && (
        <>
          <SystemInstructions view={view} />
          <ToolDefinitions tools={view.tools} />
          {view.input.map((message, i) => (
            <Message key={`in-${i}`} message={message} />
          ))}
          {view.output.length > 0 && <div className="conv-divider">response</div>}
          {view.output.map((message, i) => (
            <Message key={`out-${i}`} message={message} />
          ))}
        </>
      )}
    </section>
  );
}
