// The answer the traced call gave, beside the new runs: what the engineer is
// trying to improve on. Rendered like the span's own conversation.
import { partView } from '../../lib/conversation';
import type { LlmMessage } from '../../lib/playground/api';
import { Part } from '../ConversationParts';

export function PreviousAnswer({ messages }: { messages: LlmMessage[] }) {
  return (
    <details className="pg-previous" open data-testid="pg-previous">
      <summary>The traced answer (for comparison, not sent)</summary>
      {messages.map((message, m) => (
        <div key={m} className="pg-previous-message">
          {message.parts.map((part, p) => (
            <Part key={p} part={partView(part, new Map(), new Set(), message)} />
          ))}
          {message.finish_reason && <p className="muted">finished: {message.finish_reason}</p>}
        </div>
      ))}
    </details>
  );
}
