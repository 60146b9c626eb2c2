// The conversation's messages: add, remove, reorder, a role each, and their parts
// (text, tool calls, tool results) in the GenAI message shape.
import { blankMessage, blankPart, MESSAGE_ROLES, moved, removed, replaced, type PartType, type PromptMessage, type PromptPart } from '../../lib/playground/prompt';

function PartEditor({ part, onChange, onRemove, canRemove }: { part: PromptPart; onChange: (part: PromptPart) => void; onRemove: () => void; canRemove: boolean }) {
  const set = (fields: Partial<PromptPart>) => onChange({ ...part, ...fields });
  const remove = canRemove && (
    <button type="button" className="link" onClick={onRemove} data-testid="pg-remove-part">
      remove part
    </button>
  );
  if (part.type === 'text')
    return (
      <div className="pg-part" data-testid="pg-part" data-type="text">
        <textarea aria-label="message text" rows={Math.min(12, Math.max(2, part.text.split('\n').length))} value={part.text}
          onChange={(e) => set({ text: e.target.value })} data-testid="pg-part-text" />
        {remove}
      </div>
    );
  const call = part.type === 'tool_call';
  return (
    <div className={`pg-part pg-card ${call ? 'pg-card-call' : 'pg-card-result'}`} data-testid="pg-part" data-type={part.type}>
      <div className="pg-part-head">
        <span className="pg-card-kind">{call ? 'tool call' : 'tool result'}</span>
        {call && (
          <input aria-label="tool name" placeholder="tool name" value={part.name} onChange={(e) => set({ name: e.target.value })} data-testid="pg-part-tool-name" />
        )}
        <input aria-label="call id" placeholder="call id" className="mono" value={part.id} onChange={(e) => set({ id: e.target.value })} data-testid="pg-part-tool-id" />
        {remove}
      </div>
      <textarea aria-label={call ? 'arguments (JSON)' : 'result'} className="mono" rows={Math.min(10, Math.max(2, part.text.split('\n').length))}
        value={part.text} onChange={(e) => set({ text: e.target.value })} data-testid={call ? 'pg-part-arguments' : 'pg-part-response'} />
    </div>
  );
}

function MessageEditor({ message, index, count, onChange, onRemove, onMove }: {
  message: PromptMessage;
  index: number;
  count: number;
  onChange: (message: PromptMessage) => void;
  onRemove: () => void;
  onMove: (by: -1 | 1) => void;
}) {
  const roles: readonly string[] = MESSAGE_ROLES.includes(message.role as (typeof MESSAGE_ROLES)[number]) ? MESSAGE_ROLES : [...MESSAGE_ROLES, message.role];
  const addPart = (type: PartType) => onChange({ ...message, parts: [...message.parts, blankPart(type)] });
  return (
    <div className={`pg-message pg-role-${message.role}`} data-testid="pg-message" data-role={message.role} data-index={index}>
      <div className="pg-message-head">
        <select aria-label="role" value={message.role} onChange={(e) => onChange({ ...message, role: e.target.value })} data-testid="pg-message-role">
          {roles.map((role) => (
            <option key={role} value={role}>
              {role}
            </option>
          ))}
        </select>
        <span className="pg-spacer" />
        <button type="button" aria-label="move up" disabled={index === 0} onClick={() => onMove(-1)} data-testid="pg-move-up">↑</button>
        <button type="button" aria-label="move down" disabled={index === count - 1} onClick={() => onMove(1)} data-testid="pg-move-down">↓</button>
        <button type="button" aria-label="remove message" onClick={onRemove} data-testid="pg-remove-message">✕</button>
      </div>
      {message.parts.map((part, i) => (
        <PartEditor key={i} part={part} canRemove={message.parts.length > 1}
          onChange={(next) => onChange({ ...message, parts: replaced(message.parts, i, next) })}
          onRemove={() => onChange({ ...message, parts: removed(message.parts, i) })} />
      ))}
      <div className="pg-row pg-add-parts">
        <button type="button" className="link" onClick={() => addPart('text')} data-testid="pg-add-text">+ text</button>
        <button type="button" className="link" onClick={() => addPart('tool_call')} data-testid="pg-add-tool-call">+ tool call</button>
        <button type="button" className="link" onClick={() => addPart('tool_call_response')} data-testid="pg-add-tool-result">+ tool result</button>
      </div>
    </div>
  );
}

export function MessagesEditor({ messages, onChange }: { messages: PromptMessage[]; onChange: (messages: PromptMessage[]) => void }) {
  const next = messages.at(-1)?.role === 'user' ? 'assistant' : 'user';
  return (
    <section className="pg-messages" aria-label="Messages">
      <h3>Messages</h3>
      {messages.map((message, i) => (
        <MessageEditor key={i} message={message} index={i} count={messages.length}
          onChange={(m) => onChange(replaced(messages, i, m))}
          onRemove={() => onChange(removed(messages, i))}
          onMove={(by) => onChange(moved(messages, i, by))} />
      ))}
      <button type="button" onClick={() => onChange([...messages, blankMessage(next)])} data-testid="pg-add-message">
        + message
      </button>
    </section>
  );
}
