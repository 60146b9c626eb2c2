// The pieces of a conversation: folded text, code blocks, and one component per
// kind of message part (text, reasoning, tool call, tool result, anything else).
import { useState, type ReactNode } from 'react';
import { fold, foldedLabel, type PartView, type Readable } from '../lib/conversation';

// Prose that folds past the thresholds in lib/conversation, with "show all".
export function FoldedText({ text }: { text: string }) {
  const [all, setAll] = useState(false);
  const folded = fold(text);
  return (
    <div className="conv-text-block">
      <div className="conv-text">{all || !folded.folded ? text : `${folded.head}…`}</div>
      {folded.folded && (
        <button type="button" className="link" data-testid="show-all" onClick={() => setAll(!all)}>
          {all ? 'show less' : `show all (${foldedLabel(folded)})`}
        </button>
      )}
    </div>
  );
}

// JSON scrolls inside its own box, so a wide object never widens the page.
export function CodeBlock({ text }: { text: string }) {
  return <pre className="conv-code">{text}</pre>;
}

function ReadableValue({ value }: { value: Readable }) {
  if (value.text === '') return <span className="muted">(empty)</span>;
  return value.json ? <CodeBlock text={value.text} /> : <FoldedText text={value.text} />;
}

// A boxed part: what it is, what names it (tool, call id...), its value.
function Card({
  kind,
  className = '',
  testId,
  tool,
  head,
  children,
}: {
  kind: string;
  className?: string;
  testId: string;
  tool?: string;
  head?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className={`conv-card ${className}`} data-testid={testId} data-tool={tool}>
      <div className="conv-card-head">
        <span className="conv-card-kind">{kind}</span>
        {head}
      </div>
      {children}
    </div>
  );
}

const callId = (id: string | null) => id && <span className="muted mono"> {id}</span>;

export function Part({ part }: { part: PartView }) {
  switch (part.kind) {
    case 'text':
      return <FoldedText text={part.text} />;
    case 'reasoning':
      return (
        <details className="conv-reasoning" data-testid="reasoning">
          <summary>reasoning ({part.text.length.toLocaleString('en-US')} characters)</summary>
          <FoldedText text={part.text} />
        </details>
      );
    case 'tool_call':
      return (
        <Card
          kind="tool call"
          className="tool-call"
          testId="tool-call"
          tool={part.name}
          head={
            <>
              {' '}
              <strong className="mono">{part.name}</strong>
              {callId(part.id)}
              <span className="muted"> · {part.answered ? 'result below' : 'no result in this span'}</span>
            </>
          }
        >
          <ReadableValue value={part.arguments} />
        </Card>
      );
    case 'tool_result':
      return (
        <Card
          kind="result"
          className="tool-result"
          testId="tool-result"
          tool={part.tool ?? undefined}
          head={
            <>
              {part.tool ? <strong className="mono"> {part.tool}</strong> : <span className="muted"> of an unknown call</span>}
              {callId(part.id)}
            </>
          }
        >
          <ReadableValue value={part.response} />
        </Card>
      );
    case 'other':
      return (
        <Card kind={`${part.type} part`} testId="other-part">
          <CodeBlock text={part.json} />
        </Card>
      );
  }
}
